"""Staffing drafts through the capacity REST API, against a real PostgreSQL event store: a
draft changes nothing until adopted, and adopting is all or nothing."""

from __future__ import annotations

from typing import Any

from tests.capacity.integration.conftest import PROJECT_MANAGER, CapacityApi
from tests.capacity.integration.test_resource_requests_api import raise_request
from tests.capacity.integration.test_staffing_proposals_api import (
    PROBLEM,
    RESOURCE_MANAGER,
    developer,
    propose,
)


async def post(api: CapacityApi, path: str, body: dict[str, Any], **headers: str) -> Any:
    return await api.client.post(path, json=body, headers={**api.as_(*RESOURCE_MANAGER), **headers})


async def start(api: CapacityApi, **body: Any) -> str:
    made = await post(api, "/staffing-drafts", {"name": "Plan B", **body})
    assert made.status_code == 201, made.text
    draft_id: str = made.json()["id"]
    return draft_id


async def read(api: CapacityApi, path: str) -> Any:
    found = await api.client.get(path, headers=api.as_(*RESOURCE_MANAGER))
    assert found.status_code == 200, found.text
    return found.json()


async def test_a_draft_books_nobody_until_it_is_adopted_then_books_all_in_one_write(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar()
    ann = await developer(api, "Ann", python=4)
    bob = await developer(api, "Bob", python=4)
    first = await raise_request(api, hours_per_week="24")
    second = await raise_request(api, hours_per_week="16")
    draft = await start(api)
    for request_id, person in ((first, ann), (second, bob)):
        assigned = await post(api, f"/staffing-drafts/{draft}/assignments",
                              {"request_id": request_id, "person_id": person})  # fmt: skip
        assert assigned.status_code == 200, assigned.text
    request = await read(api, f"/resource-requests/{first}")
    assert request["status"] == "open"  # the draft changed nothing
    evaluation = await read(api, f"/staffing-drafts/{draft}/evaluation")
    assert evaluation["overbooked"] == []
    assert evaluation["unfilled"] == []
    assert evaluation["filled_hours"] == str((24 + 16) * 13)
    before = await api.events_stored()

    adopted = await post(api, f"/staffing-drafts/{draft}/adoption", {})

    assert adopted.status_code == 200, adopted.text
    answer = adopted.json()
    assert await api.events_stored() == before + 5  # draft, two requests, two people
    assert set(answer["moved_streams"]) == {
        f"request/{first}", f"request/{second}", f"person/{ann}", f"person/{bob}",
    }  # fmt: skip
    filled = await read(api, f"/resource-requests/{first}")
    assert (filled["status"], filled["person_id"]) == ("filled", ann)
    changed = await post(api, f"/staffing-drafts/{draft}/rename", {"name": "Too late"})
    assert changed.status_code == 409
    assert changed.headers["content-type"] == PROBLEM


async def test_an_adoption_that_would_overbook_names_the_weeks_and_writes_nothing(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar()
    ann = await developer(api, "Ann", python=4)
    first = await raise_request(api, hours_per_week="24", end_week="2027-W11")
    second = await raise_request(api, hours_per_week="24", end_week="2027-W11")
    draft = await start(api)
    for request_id in (first, second):
        await post(api, f"/staffing-drafts/{draft}/assignments",
                   {"request_id": request_id, "person_id": ann})  # fmt: skip
    before = await api.events_stored()

    refused = await post(api, f"/staffing-drafts/{draft}/adoption", {})

    assert refused.status_code == 422
    problem = refused.json()
    assert problem["code"] == "over_allocation"
    (overbooked,) = problem["overbooked"]
    assert overbooked["person_id"] == ann
    assert [w["week"] for w in overbooked["weeks"]] == ["2027-W10", "2027-W11"]
    assert await api.events_stored() == before  # atomic: not even the first allocation
    assert (await read(api, f"/resource-requests/{first}"))["status"] == "open"

    forced = await post(api, f"/staffing-drafts/{draft}/adoption", {"accept_over_allocation": True})
    assert forced.status_code == 200, forced.text
    assert [a["over_allocated"] for a in forced.json()["adopted"]] == [False, True]


async def test_a_draft_from_a_proposal_compares_with_it_and_its_changes_show(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar()
    ann = await developer(api, "Ann", python=5)
    bob = await developer(api, "Bob", python=3)
    request_id = await raise_request(api)
    proposal = await propose(api)
    draft = await start(api, from_proposal_id=proposal["id"])
    assert (await read(api, f"/staffing-drafts/{draft}"))["assignments"][0]["person_id"] == ann
    swapped = await post(
        api,
        f"/staffing-drafts/{draft}/assignments",
        {"request_id": request_id, "person_id": bob, "hours_per_week": "8"},
    )
    assert swapped.status_code == 200, swapped.text  # fmt: skip

    found = await read(
        api, f"/staffing-drafts/{draft}/comparison?with={proposal['id']}&kind=proposal"
    )

    (row,) = found["requests"]
    assert (row["a"]["person_id"], row["a"]["hours_per_week"]) == (bob, "8")
    assert row["b"]["person_id"] == ann
    assert row["same"] is False
    assert found["b_evaluation"]["value"] == proposal["value"]  # nothing changed since
    assert float(found["value_difference"]) > 0  # Ann, the better fit, is worth more


async def test_bad_draft_commands_are_refused_and_write_nothing(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar()
    ann = await developer(api, "Ann", python=4)
    request_id = await raise_request(api)
    draft = await start(api)
    before = await api.events_stored()

    by_pm = await api.client.post("/staffing-drafts", json={"name": "x"},
                                  headers=api.as_(*PROJECT_MANAGER))  # fmt: skip
    unknown_person = await post(api, f"/staffing-drafts/{draft}/assignments",
                                {"request_id": request_id, "person_id": "nobody"})  # fmt: skip
    backwards = await post(api, f"/staffing-drafts/{draft}/assignments",
                           {"request_id": request_id, "person_id": ann,
                            "start_week": "2027-W12", "end_week": "2027-W10"})  # fmt: skip
    stale = await post(
        api, f"/staffing-drafts/{draft}/rename", {"name": "New"}, **{"If-Match": '"7"'}
    )
    empty = await post(api, f"/staffing-drafts/{draft}/adoption", {})
    not_assigned = await post(api, f"/staffing-drafts/{draft}/assignments/{request_id}/removal", {})
    no_draft = await api.client.get("/staffing-drafts/none", headers=api.as_(*RESOURCE_MANAGER))

    assert by_pm.status_code == 403
    assert unknown_person.status_code == 404
    assert backwards.status_code == 422
    assert stale.status_code in (409, 412)
    assert empty.status_code == 422
    assert not_assigned.status_code == 404
    assert no_draft.status_code == 404
    assert await api.events_stored() == before


async def test_a_proposal_takes_a_bounded_time_budget_and_says_its_gap_if_unproven(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar()
    await developer(api, "Ann", python=4)
    await raise_request(api)

    too_long = await post(api, "/staffing-proposals", {"time_limit_seconds": 61})
    proposal = await propose(api, time_limit_seconds=2)

    assert too_long.status_code == 422
    assert proposal["time_limit_seconds"] == "2"
    assert proposal["optimal"] is True
    assert proposal["mip_gap_percent"] is None
