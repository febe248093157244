"""The capacity service's picture in the portfolio, on real PostgreSQL: the capacity feed keeps
the facts from the capacity events, scenarios plan with the free person-days and keep the
capacity version, decisions freeze it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from pmo_capacity.domain.commands import RecordLeaving, ReleaseAllocation, ReportAvailability
from pmo_kernel.consumer import Unprocessable
from pmo_portfolio.capacity.picture import picture
from tests.portfolio.integration.capacity_log import (
    LINE_MANAGER,
    RESOURCE_MANAGER,
    CapacityLog,
    feed,
    tables,
)
from tests.portfolio.integration.support import ANALYST, BOARD, Portfolio

Q1 = "2027-Q1"
CRITERIA = [
    {"key": "value", "label": "Business value", "weight": "100",
     "scale": {"min": 0, "max": 10}, "direction": "higher_is_better", "dimension": "value"},
]  # fmt: skip


async def test_the_feed_keeps_the_capacity_facts_and_the_highest_position_applied(
    portfolio: Portfolio,
) -> None:
    p, log = portfolio, CapacityLog()
    calendar, defined = log.calendar(holidays=(date(2027, 3, 29),))
    ann, registered = log.person("ann", "developer")
    ann.report_availability(ReportAvailability(week="2027-W02", available_percent=Decimal(50)),
                            LINE_MANAGER)  # fmt: skip
    reported = log.publish(ann)
    allocated = log.allocate(ann, calendar, "a-1", "ops", ("2027-W01", "2027-W13"), "8")
    kept = log.allocate(ann, calendar, "a-2", "run", ("2027-W01", "2027-W13"), "4")
    ann.confirm_allocation("a-2", LINE_MANAGER)
    ann.release_allocation("a-1", ReleaseAllocation(reason="Done"), RESOURCE_MANAGER)
    ann.record_leaving(RecordLeaving(last_day=date(2027, 3, 5)), RESOURCE_MANAGER)
    moved = log.publish(ann)

    await feed(p.container, *defined, *registered, *reported, *allocated, *kept, *moved)

    facts = await p.container.service.capacity.facts([Q1])
    assert facts.version == log.position == await p.container.service.capacity.version()
    (person,) = facts.people
    assert (person.roles, person.calendar_id, person.part_time_percent, person.last_day) == (
        ("developer",), "BE", Decimal(100), date(2027, 3, 5),
    )  # fmt: skip
    assert [(a.project_id, a.hours_per_week) for a in person.allocations] == [("run", Decimal(4))]
    assert person.reports["2027-W02"].available_percent == 50
    assert facts.calendars["BE"].public_holidays == {date(2027, 3, 29)}
    # 9 weeks to Friday 5 March (360 h) less half of W02 (20 h) and 4 h a week allocated.
    assert picture(facts, [Q1]).free_person_days == {"developer": {Q1: Decimal("38.00")}}


async def test_an_allocation_of_a_percent_of_availability_loads_its_share_of_each_week(
    portfolio: Portfolio,
) -> None:
    p, log = portfolio, CapacityLog()
    calendar, defined = log.calendar()
    ann, registered = log.person("ann", "developer")
    ann.report_availability(ReportAvailability(week="2027-W03", absence_hours=Decimal(20)),
                            LINE_MANAGER)  # fmt: skip
    reported = log.publish(ann)
    allocated = log.allocate(ann, calendar, "a-1", "crm", ("2027-W01", "2027-W13"), percent="25")
    assert (allocated[0].data["hours_per_week"], allocated[0].data["percent_of_availability"]) == (
        None, "25",
    )  # fmt: skip

    await feed(p.container, *defined, *registered, *reported, *allocated)

    facts = await p.container.service.capacity.facts([Q1])
    (person,) = facts.people
    assert [(a.hours_per_week, a.percent_of_availability) for a in person.allocations] == [
        (None, Decimal(25)),
    ]  # fmt: skip
    # 520 h less 20 h absent, less a quarter of each week: 10 h, but 5 h of W03 (375 h free).
    assert picture(facts, [Q1]).free_person_days == {"developer": {Q1: Decimal("46.87")}}


async def test_a_redelivered_capacity_event_writes_nothing(portfolio: Portfolio) -> None:
    p, log = portfolio, CapacityLog()
    calendar, defined = log.calendar()
    ann, registered = log.person("ann", "developer")
    allocated = log.allocate(ann, calendar, "a-1", "ops", ("2027-W01", "2027-W13"), "8")
    everything = [*defined, *registered, *allocated]
    await feed(p.container, *everything)
    before = await tables(p.container)

    await feed(p.container, *everything)

    assert await tables(p.container) == before


async def test_a_gap_in_a_persons_stream_is_refused(portfolio: Portfolio) -> None:
    p, log = portfolio, CapacityLog()
    calendar, defined = log.calendar()
    ann, _registered = log.person("ann", "developer")
    allocated = log.allocate(ann, calendar, "a-1", "ops", ("2027-W01", "2027-W13"), "8")

    with pytest.raises(Unprocessable, match="event version 2 after 0"):
        await feed(p.container, *defined, *allocated)


async def test_events_the_picture_does_not_use_still_move_the_capacity_version(
    portfolio: Portfolio,
) -> None:
    p, log = portfolio, CapacityLog()
    _, defined = log.calendar()
    request = replace(defined[0], event_id=uuid4(), stream_type="request", subject="r-1",
                      event_type="ResourceRequestRaised", position=500)  # fmt: skip

    await feed(p.container, *defined, request)

    assert await p.container.service.capacity.version() == 500
    await feed(p.container, replace(defined[0], position=90))  # an older one: never backwards
    assert await p.container.service.capacity.version() == 500


async def scored_and_planned(p: Portfolio, items: dict[str, tuple[int, str]]) -> str:
    """Approved items scored with model `sm`, planned over 2027-Q1 with all their effort
    (person-days, all of it developer's); returns the committee's meeting."""
    await p.post("/scoring-models", {"model_id": "sm", "name": "Value", "criteria": CRITERIA},
                 ANALYST, 201)  # fmt: skip
    await p.post("/scoring-models/sm/publication", None, ANALYST)
    meeting = await p.committee()
    for item_id, (mark, effort) in items.items():
        await p.candidate(item_id, cost="100000", effort=effort)
        await p.post(f"/items/{item_id}/scores", {"model_id": "sm", "scores": {"value": mark},
                     "justifications": {"value": "Agreed"}}, BOARD)  # fmt: skip
        await p.decide(meeting, item_id)
        await p.plan(item_id, Q1, Q1, {2027: "100000"})
    return meeting


def from_portfolio(scenario_id: str, **inputs: Any) -> dict[str, Any]:
    return {"scenario_id": scenario_id, "name": scenario_id, "description": "2027",
            "inputs": {"from_portfolio": {"scoring_model_id": "sm"},
                       "budgets": {"2027": "1000000"}, "currency": "EUR", **inputs}}  # fmt: skip


async def test_a_scenario_on_the_capacity_picture_leaves_out_what_the_developers_cannot_do(
    portfolio: Portfolio,
) -> None:
    p, log = portfolio, CapacityLog()
    await scored_and_planned(p, {"crm": (9, "100"), "erp": (7, "60")})
    # Two developers, 65 days each in 2027-Q1, 13 of bob's taken by other work: 117 days for
    # 160 demanded. An allocation to crm itself is its demand being met, not capacity used.
    calendar, defined = log.calendar()
    ann, ann_registered = log.person("ann", "developer")
    bob, bob_registered = log.person("bob", "developer", "tester")
    busy = log.allocate(bob, calendar, "a-1", "ops", ("2027-W01", "2027-W13"), "8")
    own = log.allocate(ann, calendar, "a-2", "crm", ("2027-W01", "2027-W13"), "40")
    await feed(p.container, *defined, *ann_registered, *bob_registered, *busy, *own)

    saved = await p.post(
        "/scenarios", from_portfolio("picture", capacity_from="capacity_service"), ANALYST, 201
    )

    assert saved["details"]["selected"] == ["crm"]
    assert saved["details"]["capacity_version"] == log.position
    shown = await p.get("/scenarios/picture")
    assert shown["inputs"]["capacity"] == {"developer": {Q1: "117.00"}}
    assert shown["inputs"]["capacity_version"] == log.position
    demand = {c["id"]: c["demand_by_role_period"] for c in shown["inputs"]["candidates"]}
    assert demand == {"crm": {"developer": {Q1: "100.00"}}, "erp": {"developer": {Q1: "60.00"}}}
    (left_out,) = shown["explanation"]["below_cut"]
    assert (left_out["id"], left_out["blocked_by"]) == ("erp", [f"capacity developer {Q1}"])


async def test_a_scenario_with_typed_in_capacity_records_no_capacity_version(
    portfolio: Portfolio,
) -> None:
    p, log = portfolio, CapacityLog()
    await scored_and_planned(p, {"crm": (9, "100")})
    await feed(p.container, *log.calendar()[1])

    await p.post("/scenarios", from_portfolio("typed", capacity={"delivery": {Q1: "100"}}),
                 ANALYST, 201)  # fmt: skip

    shown = await p.get("/scenarios/typed")
    assert shown["inputs"]["capacity_version"] is None
    assert shown["inputs"]["capacity"] == {"delivery": {Q1: "100"}}


async def test_explicit_candidates_are_weighed_against_the_picture_of_their_quarters(
    portfolio: Portfolio,
) -> None:
    p, log = portfolio, CapacityLog()
    _, defined = log.calendar()
    _, registered = log.person("tess", "tester")
    await feed(p.container, *defined, *registered)
    candidates = [
        {"id": "a", "title": "A", "score": "5", "demand_by_role_period": {"tester": {Q1: "60"}}},
        {"id": "b", "title": "B", "score": "4", "demand_by_role_period": {"tester": {Q1: "10"},
                                                                          "architect": {Q1: "1"}}},
    ]  # fmt: skip
    body = {"scenario_id": "explicit", "name": "explicit", "description": "2027",
            "inputs": {"candidates": candidates, "budgets": {"2027": "1"}, "currency": "EUR",
                       "capacity_from": "capacity_service"}}  # fmt: skip

    saved = await p.post("/scenarios", body, ANALYST, 201)

    assert saved["details"]["selected"] == ["a"]  # nobody is an architect
    shown = await p.get("/scenarios/explicit")
    assert shown["inputs"]["capacity"] == {"architect": {Q1: "0.00"}, "tester": {Q1: "65.00"}}


async def test_a_scenario_on_the_picture_before_any_capacity_event_is_refused(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    await scored_and_planned(p, {"crm": (9, "100")})

    refused = await p.post(
        "/scenarios", from_portfolio("early", capacity_from="capacity_service"), ANALYST, 422
    )
    both = await p.post("/scenarios", from_portfolio(
        "both", capacity_from="capacity_service", capacity={"developer": {Q1: "1"}},
    ), ANALYST, 422)  # fmt: skip

    assert "received no capacity event yet" in refused["detail"]
    assert "not both" in str(both)
    assert await p.stream("scenario", "early") == []


async def test_a_decision_freezes_the_capacity_version_it_was_taken_on(
    portfolio: Portfolio,
) -> None:
    p, log = portfolio, CapacityLog()
    meeting = await p.committee()
    await p.candidate("before")
    await p.candidate("after")
    await p.decide(meeting, "before")
    _, defined = log.calendar()
    await feed(p.container, *defined)

    await p.decide(meeting, "after")

    minutes = (await p.get(f"/meetings/{meeting}"))["minutes"]
    assert [(d["item_id"], d["capacity_version"]) for d in minutes] == [
        ("before", None), ("after", log.position),
    ]  # fmt: skip
    (decided,) = (await p.get("/items/after"))["decisions"]
    assert decided["capacity_version"] == log.position
