"""The capacity REST API against a real PostgreSQL event store."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.capacity.integration.conftest import (
    LINE_MANAGER,
    PROJECT_MANAGER,
    RESOURCE_MANAGER,
    CapacityApi,
)

PROBLEM = "application/problem+json"


def allocation(
    hours: int | str, start: str = "2027-W10", end: str = "2027-W12", **more: Any
) -> dict[str, Any]:
    return {
        "project_id": "erp",
        "start_week": start,
        "end_week": end,
        "hours_per_week": hours,
        **more,
    }


async def test_a_person_reads_with_availability_and_load_per_week(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    assert (await api.calendar("BE", public_holidays=["2027-03-10"])).status_code == 201
    person = await api.person(part_time_percent="80")
    pm = api.as_(*PROJECT_MANAGER)
    proposed = await api.client.post(
        f"/people/{person}/allocations", json=allocation(16), headers=pm
    )
    assert proposed.status_code == 200, proposed.text

    response = await api.client.get(
        f"/people/{person}", params={"from_week": "2027-W09", "to_week": "2027-W11"}, headers=pm
    )

    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    view = response.json()
    assert [(w["week"], w["available_hours"], w["allocated_hours"]) for w in view["weeks"]] == [
        ("2027-W09", "32.00", "0.00"),
        ("2027-W10", "25.60", "16.00"),  # Wednesday 10 March is a holiday: 4 days of 6.4 h
        ("2027-W11", "32.00", "16.00"),
    ]
    assert view["allocations"][0]["kind"] == "soft"
    assert view["cost_rate_per_day"] is None  # a project manager does not see cost rates


async def test_an_overbooking_allocation_is_a_422_naming_the_weeks_and_writes_nothing(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar("FR", hours_per_week="35")
    person = await api.person("FR")
    pm = api.as_(*PROJECT_MANAGER)
    await api.client.post(f"/people/{person}/allocations", json=allocation(30), headers=pm)
    before = await api.events_stored()

    refused = await api.client.post(
        f"/people/{person}/allocations", json=allocation(10, "2027-W12", "2027-W13"), headers=pm
    )

    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM
    problem = refused.json()
    assert problem["code"] == "over_allocation"
    assert problem["overbooked_weeks"] == [
        {"week": "2027-W12", "available_hours": "35.00", "allocated_hours": "40.00"}
    ]
    assert await api.events_stored() == before

    accepted = await api.client.post(
        f"/people/{person}/allocations",
        json=allocation(10, "2027-W12", "2027-W13", accept_over_allocation=True),
        headers=pm,
    )
    assert accepted.status_code == 200
    view = (
        await api.client.get(f"/people/{person}?from_week=2027-W12&to_week=2027-W13", headers=pm)
    ).json()
    assert [w["over_allocated"] for w in view["weeks"]] == [True, False]
    assert [a["over_allocated"] for a in view["allocations"]] == [False, True]


async def test_the_line_manager_reports_and_confirms_and_nobody_else(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar("BE-2")
    person = await api.person("BE-2")
    pm = api.as_(*PROJECT_MANAGER)
    proposed = (
        await api.client.post(f"/people/{person}/allocations", json=allocation(8), headers=pm)
    ).json()
    confirm = f"/people/{person}/allocations/{proposed['allocation_id']}/confirmation"
    report = {"week": "2027-W10", "absence_hours": "16"}
    before = await api.events_stored()

    other_manager = api.as_("olga", "resource_manager")
    assert (await api.client.post(confirm, json={}, headers=other_manager)).status_code == 403
    assert (await api.client.post(confirm, json={}, headers=pm)).status_code == 403
    refused = await api.client.post(
        f"/people/{person}/availability-reports", json=report, headers=other_manager
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM
    assert await api.events_stored() == before

    manager = api.as_(*LINE_MANAGER)
    reported = await api.client.post(
        f"/people/{person}/availability-reports", json=report, headers=manager
    )
    assert reported.status_code == 200
    confirmed = await api.client.post(confirm, json={}, headers=manager)
    assert confirmed.status_code == 200
    view = (
        await api.client.get(
            f"/people/{person}?from_week=2027-W10&to_week=2027-W10", headers=manager
        )
    ).json()
    assert view["weeks"] == [
        {"week": "2027-W10", "available_hours": "24.00", "allocated_hours": "8.00",
         "soft_hours": "0.00", "hard_hours": "8.00", "over_allocated": False}
    ]  # fmt: skip
    assert view["allocations"][0]["confirmed_by"] == "marc"
    assert view["cost_rate_per_day"] == {"amount": "650", "currency": "EUR"}

    feed = (await api.client.get("/events", headers=api.as_("audrey", "auditor"))).json()
    reports = [e for e in feed["events"] if e["event_type"] == "AvailabilityReported"]
    assert reports[-1]["payload"]["reported_by"] == "marc"
    assert reports[-1]["metadata"]["actor"]["id"] == "marc"


async def test_roles_gate_the_commands(capacity_api: CapacityApi) -> None:
    api = capacity_api
    pm = api.as_(*PROJECT_MANAGER)
    body = {"calendar_id": "XX", "name": "X", "hours_per_week": "40"}

    assert (await api.client.post("/calendars", json=body, headers=pm)).status_code == 403
    assert (await api.client.post("/calendars", json=body)).status_code == 401
    await api.calendar("BE-3")
    person = await api.person("BE-3")
    requester = api.as_("rob", "requester")
    assert (await api.client.get(f"/people/{person}", headers=requester)).status_code == 404
    assert (
        await api.client.post(
            f"/people/{person}/allocations", json=allocation(8), headers=requester
        )
    ).status_code == 403
    assert (await api.client.get("/events", headers=pm)).status_code == 403


async def test_bad_input_is_a_4xx_that_writes_nothing(capacity_api: CapacityApi) -> None:
    api = capacity_api
    await api.calendar("BE-4")
    person = await api.person("BE-4")
    pm = api.as_(*PROJECT_MANAGER)
    rm = api.as_(*RESOURCE_MANAGER)
    before = await api.events_stored()

    for url, body, headers in [
        (f"/people/{person}/allocations", allocation(-8), pm),
        (f"/people/{person}/allocations", allocation(8, "2027-W12", "2027-W10"), pm),
        (f"/people/{person}/availability-reports", {"week": "2027-W10"}, api.as_(*LINE_MANAGER)),
        ("/people", {"name": "X", "line_manager": "marc", "team": "T", "roles": ["wizard"],
                     "cost_rate_per_day": {"amount": "1", "currency": "EUR"},
                     "calendar_id": "BE-4"}, rm),
        ("/people", {"name": "X", "line_manager": "marc", "team": "T", "roles": ["developer"],
                     "skills": [{"name": "python", "level": 6}],
                     "cost_rate_per_day": {"amount": "1", "currency": "EUR"},
                     "calendar_id": "BE-4"}, rm),
        ("/people", {"name": "X", "line_manager": "marc", "team": "T", "roles": ["developer"],
                     "cost_rate_per_day": {"amount": "1", "currency": "EUR"},
                     "calendar_id": "nowhere"}, rm),
    ]:  # fmt: skip
        response = await api.client.post(url, json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == PROBLEM

    assert (await api.calendar("BE-4")).status_code == 409
    assert (
        await api.client.get(f"/people/{person}?from_week=2027-W53", headers=pm)
    ).status_code == 422
    assert (
        await api.client.get(f"/people/{person}/allocations/nope", headers=pm)
    ).status_code == 404
    assert (
        await api.client.post(f"/people/{person}/allocations/nope/confirmation", json={},
                              headers=api.as_(*LINE_MANAGER))
    ).status_code == 404  # fmt: skip
    assert await api.events_stored() == before


async def test_if_match_and_idempotency_keys_guard_the_commands(capacity_api: CapacityApi) -> None:
    api = capacity_api
    await api.calendar("BE-5")
    person = await api.person("BE-5")
    pm = api.as_(*PROJECT_MANAGER)

    stale = await api.client.post(
        f"/people/{person}/allocations", json=allocation(8), headers={**pm, "If-Match": '"7"'}
    )
    assert stale.status_code == 409
    keyed = {**pm, "Idempotency-Key": "alloc-1", "If-Match": '"1"'}
    first = await api.client.post(
        f"/people/{person}/allocations", json=allocation(8), headers=keyed
    )
    again = await api.client.post(
        f"/people/{person}/allocations", json=allocation(8), headers=keyed
    )

    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["allocation_id"] == first.json()["allocation_id"]
    view = (
        await api.client.get(f"/people/{person}?from_week=2027-W10&to_week=2027-W10", headers=pm)
    ).json()
    assert len(view["allocations"]) == 1
    assert view["version"] == 2


async def test_a_leaver_shows_no_availability_after_leaving(capacity_api: CapacityApi) -> None:
    api = capacity_api
    await api.calendar("BE-6")
    person = await api.person("BE-6")
    rm = api.as_(*RESOURCE_MANAGER)

    left = await api.client.post(
        f"/people/{person}/leaving", json={"last_day": "2027-03-09"}, headers=rm
    )
    assert left.status_code == 200
    view = (
        await api.client.get(f"/people/{person}?from_week=2027-W10&to_week=2027-W11", headers=rm)
    ).json()
    assert [w["available_hours"] for w in view["weeks"]] == ["16.00", "0.00"]
    assert view["last_day"] == "2027-03-09"


async def test_concurrent_proposals_cannot_overbook_together(capacity_api: CapacityApi) -> None:
    api = capacity_api
    await api.calendar("BE-7")
    person = await api.person("BE-7")
    pm = api.as_(*PROJECT_MANAGER)

    answers = await asyncio.gather(
        *(
            api.client.post(f"/people/{person}/allocations", json=allocation(30), headers=pm)
            for _ in range(4)
        )
    )

    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 409, 422}
    view = (
        await api.client.get(f"/people/{person}?from_week=2027-W10&to_week=2027-W12", headers=pm)
    ).json()
    assert [w["allocated_hours"] for w in view["weeks"]] == ["30.00"] * 3
