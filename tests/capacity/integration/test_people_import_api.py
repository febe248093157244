"""People imported from CSV through the REST API: all registered in one append, or none and
every rejected row listed."""

from __future__ import annotations

from tests.capacity.integration.conftest import PROJECT_MANAGER, RESOURCE_MANAGER, CapacityApi

PROBLEM = "application/problem+json"
HEADER = (
    "name,line_manager,team,roles,skills,cost_rate_per_day,currency,calendar_id,part_time_percent\n"
)
ROWS = (
    "Ann Peeters,marc,Delivery,project_manager,Prince2:4,650,EUR,BE,\n"
    "Luc Dupont,marc,Data,developer;tester,Python:3;SQL:4,580,EUR,BE,80\n"
    "Eva Lambert,ines,Data,developer,,600,EUR,BE,\n"
)


def csv_headers(api: CapacityApi, **more: str) -> dict[str, str]:
    return {**api.as_(*RESOURCE_MANAGER), "Content-Type": "text/csv; charset=utf-8", **more}


async def test_every_person_of_a_valid_csv_is_registered_in_one_append(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar("BE")
    before = await api.events_stored()

    imported = await api.client.post("/people/import", content=HEADER + ROWS,
                                     headers=csv_headers(api))  # fmt: skip

    assert imported.status_code == 201, imported.text
    people = imported.json()["people"]
    assert [p["row"] for p in people] == [2, 3, 4]
    assert len(imported.json()["event_ids"]) == 3
    assert await api.events_stored() == before + 3
    registered = [e for e in await api.container.store.read_all(limit=100)
                  if e.event_type == "PersonRegistered"]  # fmt: skip
    assert len({e.tx_id for e in registered}) == 1  # one transaction: all or none
    luc = await api.client.get(f"/people/{people[1]['id']}", headers=api.as_(*RESOURCE_MANAGER))
    view = luc.json()
    assert (view["name"], view["team"], view["roles"], view["part_time_percent"]) == (
        "Luc Dupont", "Data", ["developer", "tester"], "80",
    )  # fmt: skip
    assert view["skills"] == [{"name": "Python", "level": 3}, {"name": "SQL", "level": 4}]


async def test_one_bad_row_among_good_ones_is_a_422_listing_it_and_nobody_is_registered(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar("BE")
    before = await api.events_stored()
    bad = (
        "Bob Martin,marc,Delivery,developer,Cobol:3,500,EUR,BE,\n"
        "Cleo Simon,marc,Delivery,developer,,500,EUR,XX,\n"
    )

    refused = await api.client.post("/people/import", content=HEADER + ROWS + bad,
                                    headers=csv_headers(api))  # fmt: skip

    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM
    problem = refused.json()
    assert problem["code"] == "import_rejected"
    assert [(r["row"], r["column"]) for r in problem["rejected_rows"]] == [
        (5, "skills"), (6, "calendar_id"),
    ]  # fmt: skip
    assert "Cobol" in problem["rejected_rows"][0]["message"]
    assert await api.events_stored() == before


async def test_an_import_not_sent_as_csv_is_a_415(capacity_api: CapacityApi) -> None:
    api = capacity_api

    refused = await api.client.post(
        "/people/import", json={"csv": HEADER + ROWS}, headers=api.as_(*RESOURCE_MANAGER)
    )

    assert refused.status_code == 415
    assert refused.headers["content-type"] == PROBLEM


async def test_an_import_of_more_than_5000_people_is_refused_whole(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar("BE")
    before = await api.events_stored()
    row = "A,m,T,tester,,1,EUR,BE,\n"  # short, so that the body is within the kernel's limit

    refused = await api.client.post("/people/import", content=HEADER + row * 5001,
                                    headers=csv_headers(api))  # fmt: skip

    assert refused.status_code == 413
    assert refused.json()["code"] == "too_many_rows"
    assert await api.events_stored() == before


async def test_only_a_resource_manager_imports_people(capacity_api: CapacityApi) -> None:
    api = capacity_api
    await api.calendar("BE")

    refused = await api.client.post(
        "/people/import", content=HEADER + ROWS,
        headers={**api.as_(*PROJECT_MANAGER), "Content-Type": "text/csv"},
    )  # fmt: skip

    assert refused.status_code == 403


async def test_an_import_sent_again_with_its_idempotency_key_registers_nobody_twice(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar("BE")
    headers = csv_headers(api, **{"Idempotency-Key": "import-1"})
    first = await api.client.post("/people/import", content=HEADER + ROWS, headers=headers)
    stored = await api.events_stored()

    again = await api.client.post("/people/import", content=HEADER + ROWS, headers=headers)
    other = await api.client.post("/people/import", content=HEADER + ROWS[:60], headers=headers)

    assert again.status_code == 201
    assert again.json()["people"] == first.json()["people"]
    assert again.json()["replayed"] is True
    assert other.status_code == 422  # the same key with another CSV
    assert await api.events_stored() == stored
