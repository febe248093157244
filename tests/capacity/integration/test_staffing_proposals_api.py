"""Staffing proposals through the capacity REST API, against a real PostgreSQL event store:
proposed on the capacity picture, saved, accepted request by request."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.capacity.integration.conftest import LINE_MANAGER, PROJECT_MANAGER, CapacityApi
from tests.capacity.integration.test_resource_requests_api import raise_request

PROBLEM = "application/problem+json"
RESOURCE_MANAGER = ("rita", "resource_manager")


async def developer(api: CapacityApi, name: str, python: int, **more: Any) -> str:
    return await api.person(
        name=name, roles=["developer"], skills=[{"name": "Python", "level": python}], **more
    )


async def propose(api: CapacityApi, **body: Any) -> dict[str, Any]:
    made = await api.client.post(
        "/staffing-proposals", json=body, headers=api.as_(*RESOURCE_MANAGER)
    )
    assert made.status_code == 201, made.text
    read = await api.client.get(made.headers["location"], headers=api.as_(*RESOURCE_MANAGER))
    assert read.status_code == 200, read.text
    proposal: dict[str, Any] = read.json()
    return proposal


async def test_a_proposal_gives_each_request_to_a_skilled_person_with_room_and_says_why(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar()
    ann = await developer(api, "Ann", python=5)
    bob = await developer(api, "Bob", python=3)
    await developer(api, "Cleo", python=1)  # below the level asked for
    both = await raise_request(api, hours_per_week="24")  # python >= 3, W10-W22
    tester = await raise_request(api, role="tester", skills=[])
    seen = await api.events_stored()

    proposal = await propose(api)

    (assignment,) = proposal["assignments"]
    assert (assignment["request_id"], assignment["person_id"]) == (both, ann)
    assert assignment["decision"] == "open"
    assert any("Python" in r or "python" in r for r in assignment["reasons"])
    assert [alt["person_id"] for alt in assignment["alternatives"]] == [bob]
    assert [(u["request_id"], u["role"]) for u in proposal["unfilled"]] == [(tester, "tester")]
    assert {d["role"] for d in proposal["unfilled_demand"]} == {"tester"}
    assert proposal["optimal"] is True
    assert Decimal(proposal["value"]) >= Decimal(proposal["greedy_value"]) > 0
    assert proposal["capacity_position"] == seen  # the capacity version it was made on
    assert sorted(proposal["request_ids"]) == sorted([both, tester])


async def test_accepting_an_assignment_allocates_the_person_and_fills_the_request_at_once(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar()
    ann = await developer(api, "Ann", python=4)
    request_id = await raise_request(api)
    proposal = await propose(api)
    before = await api.events_stored()

    accepted = await api.client.post(
        f"/staffing-proposals/{proposal['id']}/assignments/{request_id}/acceptance",
        json={}, headers=api.as_(*RESOURCE_MANAGER),
    )  # fmt: skip

    assert accepted.status_code == 200, accepted.text
    allocation_id = accepted.json()["allocation_id"]
    assert await api.events_stored() == before + 3  # proposal, request, person: one append
    person = (await api.client.get(f"/people/{ann}", params={"from_week": "2027-W10",
              "to_week": "2027-W10"}, headers=api.as_(*RESOURCE_MANAGER))).json()  # fmt: skip
    (allocation,) = person["allocations"]
    assert (allocation["allocation_id"], allocation["kind"]) == (allocation_id, "soft")
    assert person["weeks"][0]["allocated_hours"] == "24.00"
    request = (await api.client.get(f"/resource-requests/{request_id}",
               headers=api.as_(*RESOURCE_MANAGER))).json()  # fmt: skip
    assert (request["status"], request["person_id"]) == ("filled", ann)
    answer = accepted.json()  # the other streams it moved, for read-your-writes
    assert (answer["person_id"], answer["person_version"]) == (ann, person["version"])
    assert (answer["request_id"], answer["request_version"]) == (request_id, request["version"])
    again = await api.client.post(
        f"/staffing-proposals/{proposal['id']}/assignments/{request_id}/acceptance",
        json={}, headers=api.as_(*RESOURCE_MANAGER),
    )  # fmt: skip
    assert again.status_code == 409
    assert await api.events_stored() == before + 3


async def test_an_assignment_overtaken_by_an_absence_is_refused_and_writes_nothing(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar()
    ann = await developer(api, "Ann", python=4)
    request_id = await raise_request(api, hours_per_week="32")
    proposal = await propose(api)
    absence = await api.client.post(
        f"/people/{ann}/availability-reports",
        json={"week": "2027-W12", "absence_hours": "16"}, headers=api.as_(*LINE_MANAGER),
    )  # fmt: skip
    assert absence.status_code == 200, absence.text
    before = await api.events_stored()

    refused = await api.client.post(
        f"/staffing-proposals/{proposal['id']}/assignments/{request_id}/acceptance",
        json={}, headers=api.as_(*RESOURCE_MANAGER),
    )  # fmt: skip

    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["code"] == "over_allocation"
    assert await api.events_stored() == before
    redo = await propose(api)
    assert [u["request_id"] for u in redo["unfilled"]] == [request_id]
    assert "2027-W12" in redo["unfilled"][0]["reason"]


async def test_a_declined_assignment_leaves_the_request_open(capacity_api: CapacityApi) -> None:
    api = capacity_api
    await api.calendar()
    await developer(api, "Ann", python=4)
    request_id = await raise_request(api)
    proposal = await propose(api)

    declined = await api.client.post(
        f"/staffing-proposals/{proposal['id']}/assignments/{request_id}/decline",
        json={"reason": "Ann moves to the CRM"}, headers=api.as_(*RESOURCE_MANAGER),
    )  # fmt: skip

    assert declined.status_code == 200, declined.text
    read = (await api.client.get(f"/staffing-proposals/{proposal['id']}",
            headers=api.as_(*RESOURCE_MANAGER))).json()  # fmt: skip
    assert read["assignments"][0]["decision"] == "declined"
    request = (await api.client.get(f"/resource-requests/{request_id}",
               headers=api.as_(*RESOURCE_MANAGER))).json()  # fmt: skip
    assert request["status"] == "open"


async def test_only_staffers_propose_and_bad_requests_write_nothing(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar()
    await developer(api, "Ann", python=4)
    request_id = await raise_request(api)
    before = await api.events_stored()

    by_pm = await api.client.post("/staffing-proposals", json={}, headers=api.as_(*PROJECT_MANAGER))
    unknown = await api.client.post(
        "/staffing-proposals", json={"request_ids": ["nope"]}, headers=api.as_(*RESOURCE_MANAGER)
    )
    extra = await api.client.post(
        "/staffing-proposals", json={"request_ids": [request_id], "budget": 1},
        headers=api.as_(*RESOURCE_MANAGER),
    )  # fmt: skip
    nothing = await api.client.get("/staffing-proposals/none", headers=api.as_(*RESOURCE_MANAGER))

    assert (by_pm.status_code, unknown.status_code, extra.status_code) == (403, 404, 422)
    assert nothing.status_code == 404
    assert await api.events_stored() == before
