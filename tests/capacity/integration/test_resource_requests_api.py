"""Resource requests through the capacity REST API, against a real PostgreSQL event store."""

from __future__ import annotations

from typing import Any

from tests.capacity.integration.conftest import PROJECT_MANAGER, CapacityApi

PROBLEM = "application/problem+json"
ANALYST = ("paul", "pmo_analyst")


def body(project_id: str = "erp", **more: Any) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "role": "developer",
        "skills": [{"name": "python", "min_level": 3}],
        "start_week": "2027-W10",
        "end_week": "2027-W22",
        "hours_per_week": "24",
        **more,
    }


async def raise_request(api: CapacityApi, who: tuple[str, str] = PROJECT_MANAGER,
                        **more: Any) -> str:  # fmt: skip
    response = await api.client.post("/resource-requests", json=body(**more), headers=api.as_(*who))
    assert response.status_code == 201, response.text
    request_id: str = response.json()["id"]
    assert response.headers["location"] == f"/resource-requests/{request_id}"
    return request_id


async def test_a_raised_request_reads_back_and_lists_by_project_and_status(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    pm = api.as_(*PROJECT_MANAGER)
    first = await raise_request(api, project_id="crm", note="go-live in June")
    second = await raise_request(api, project_id="crm", role="tester")
    await raise_request(api, project_id="billing")
    cancelled = await api.client.post(
        f"/resource-requests/{second}/cancellation", json={"reason": "outsourced"}, headers=pm
    )
    assert cancelled.status_code == 200, cancelled.text

    read = await api.client.get(f"/resource-requests/{first}", headers=pm)
    listed = await api.client.get(
        "/resource-requests", params={"project_id": "crm", "status": "open"}, headers=pm
    )
    every = await api.client.get("/resource-requests", params={"project_id": "crm"}, headers=pm)

    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    assert {k: read.json()[k] for k in ("project_id", "role", "source", "raised_by", "status",
                                         "hours_per_week", "note")} == {
        "project_id": "crm", "role": "developer", "source": "direct", "raised_by": "paula",
        "status": "open", "hours_per_week": "24", "note": "go-live in June",
    }  # fmt: skip
    assert [r["id"] for r in listed.json()] == [first]
    assert {(r["id"], r["status"]) for r in every.json()} == {
        (first, "open"),
        (second, "cancelled"),
    }
    assert next(r for r in every.json() if r["id"] == second)["cancel_reason"] == "outsourced"


async def test_the_raiser_or_an_analyst_revises_another_project_manager_may_not(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    request_id = await raise_request(api)
    revise = f"/resource-requests/{request_id}/revision"
    before = await api.events_stored()

    refused = await api.client.post(
        revise, json={"hours_per_week": "8"}, headers=api.as_("peter", "project_manager")
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM
    assert await api.events_stored() == before

    own = await api.client.post(
        revise, json={"hours_per_week": "16"}, headers=api.as_(*PROJECT_MANAGER)
    )
    analyst = await api.client.post(
        revise, json={"end_week": "2027-W30"}, headers=api.as_(*ANALYST)
    )
    assert (own.status_code, analyst.status_code) == (200, 200), analyst.text
    view = (await api.client.get(f"/resource-requests/{request_id}",
                                 headers=api.as_(*ANALYST))).json()  # fmt: skip
    assert (view["version"], view["hours_per_week"], view["end_week"]) == (3, "16", "2027-W30")


async def test_callers_without_a_token_or_the_role_are_refused(capacity_api: CapacityApi) -> None:
    api = capacity_api
    request_id = await raise_request(api)
    requester = api.as_("rob", "requester")
    before = await api.events_stored()

    assert (await api.client.post("/resource-requests", json=body())).status_code == 401
    assert (await api.client.get("/resource-requests")).status_code == 401
    assert (
        await api.client.post("/resource-requests", json=body(), headers=requester)
    ).status_code == 403
    assert (
        await api.client.post(f"/resource-requests/{request_id}/cancellation",
                              json={"reason": "no"}, headers=requester)
    ).status_code == 403  # fmt: skip
    assert (await api.client.get("/resource-requests", headers=requester)).status_code == 403
    auditor = api.as_("audrey", "auditor")
    assert (await api.client.get(f"/resource-requests/{request_id}", headers=auditor)).is_success
    assert (
        await api.client.post("/resource-requests", json=body(), headers=auditor)
    ).status_code == 403
    assert await api.events_stored() == before


async def test_bad_input_is_a_422_that_writes_nothing(capacity_api: CapacityApi) -> None:
    api = capacity_api
    pm = api.as_(*PROJECT_MANAGER)
    request_id = await raise_request(api)
    before = await api.events_stored()

    for url, sent in [
        ("/resource-requests", body(hours_per_week="-8")),
        ("/resource-requests", body(start_week="2027-W22", end_week="2027-W10")),
        ("/resource-requests", body(start_week="2027-W01", end_week="2030-W10")),
        ("/resource-requests", body(role="wizard")),
        ("/resource-requests", body(skills=[{"name": "sql", "min_level": 2},
                                            {"name": "SQL", "min_level": 3}])),
        ("/resource-requests", body(source="portfolio")),  # the source is not the caller's
        (f"/resource-requests/{request_id}/revision", {"end_week": "2027-W01"}),
        (f"/resource-requests/{request_id}/revision", {}),
        (f"/resource-requests/{request_id}/cancellation", {"reason": ""}),
    ]:  # fmt: skip
        response = await api.client.post(url, json=sent, headers=pm)
        assert response.status_code == 422, (sent, response.text)
        assert response.headers["content-type"] == PROBLEM

    unknown = await api.client.get("/resource-requests/nope", headers=pm)
    assert unknown.status_code == 404
    assert await api.events_stored() == before


async def test_if_match_and_idempotency_keys_guard_the_request_commands(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    pm = api.as_(*PROJECT_MANAGER)
    request_id = await raise_request(api)
    revise = f"/resource-requests/{request_id}/revision"

    stale = await api.client.post(
        revise, json={"hours_per_week": "8"}, headers={**pm, "If-Match": '"7"'}
    )
    assert stale.status_code == 409
    assert stale.headers["content-type"] == PROBLEM
    keyed = {**pm, "Idempotency-Key": "raise-1"}
    first = await api.client.post("/resource-requests", json=body(), headers=keyed)
    again = await api.client.post("/resource-requests", json=body(), headers=keyed)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]

    cancel = f"/resource-requests/{request_id}/cancellation"
    done = await api.client.post(
        cancel, json={"reason": "not needed"}, headers={**pm, "If-Match": '"1"'}
    )
    assert done.status_code == 200
    assert done.headers["etag"] == '"2"'
    twice = await api.client.post(cancel, json={"reason": "again"}, headers=pm)
    assert twice.status_code == 409  # only an open request is cancelled
