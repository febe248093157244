"""The roadmap: planned items per quarter, each year's commitments against its envelope."""

from __future__ import annotations

import re

import pytest

from pmo_kernel.errors import DomainError
from pmo_kernel.money import Money
from pmo_portfolio.domain.governance import ItemPlanned
from pmo_portfolio.domain.planning import (
    ArbitrationItem,
    PlannedItem,
    QuarterColumn,
    YearBudget,
    arbitration_case,
    build_roadmap,
    envelopes_by_year,
)
from tests.portfolio.unit.governance_helpers import at_gate, candidate
from tests.portfolio.unit.planning_helpers import LATER, NOW, PLANNER, envelope, eur, planned


def test_each_quarter_shows_the_items_starting_running_and_ending_in_it() -> None:
    # Given A over 2027-Q1..Q3, B over 2027-Q2..2028-Q1 and C in 2027-Q3 only
    items = [
        planned("A", "2027-Q1", "2027-Q3"),
        planned("B", "2027-Q2", "2028-Q1"),
        planned("C", "2027-Q3", "2027-Q3"),
    ]

    # When the roadmap is built
    roadmap = build_roadmap(items)

    # Then every quarter from the first start to the last end has its column
    assert roadmap.quarters == [
        QuarterColumn("2027-Q1", starting=("A",), running=(), ending=()),
        QuarterColumn("2027-Q2", starting=("B",), running=("A",), ending=()),
        QuarterColumn("2027-Q3", starting=("C",), running=("B",), ending=("A", "C")),
        QuarterColumn("2027-Q4", starting=(), running=("B",), ending=()),
        QuarterColumn("2028-Q1", starting=(), running=(), ending=("B",)),
    ]
    assert roadmap.quarters[2].active == ("A", "B", "C")


def test_committed_is_the_sum_of_planned_costs_per_year_against_the_envelope() -> None:
    # Given two items costing money in 2027 and 2028, and envelopes for both years
    items = [
        planned("A", "2027-Q1", "2028-Q2", {2027: "300000", 2028: "100000"}),
        planned("B", "2027-Q3", "2027-Q4", {2027: "200000"}),
    ]
    envelopes = {2027: eur("600000"), 2028: eur("100000")}

    # When the roadmap is built
    roadmap = build_roadmap(items, envelopes)

    # Then each year shows what is committed and what remains, and nothing needs arbitration
    assert roadmap.years == [
        YearBudget(2027, eur("600000"), eur("500000"), eur("100000"), False, eur("0")),
        YearBudget(2028, eur("100000"), eur("100000"), eur("0"), False, eur("0")),
    ]
    assert roadmap.arbitration_needed == []
    assert roadmap.currency == "EUR"


def test_an_over_committed_year_is_flagged_and_needs_arbitration() -> None:
    # Given EUR 700,000 committed in 2027 against an envelope of EUR 500,000
    items = [
        planned("A", "2027-Q1", "2027-Q4", {2027: "300000"}),
        planned("B", "2027-Q1", "2027-Q2", {2027: "400000"}),
    ]

    # When the roadmap is built
    roadmap = build_roadmap(items, {2027: eur("500000")})

    # Then 2027 is over-committed by EUR 200,000 and needs arbitration
    assert roadmap.year(2027) == YearBudget(
        2027, eur("500000"), eur("700000"), eur("0"), True, eur("200000")
    )
    assert roadmap.arbitration_needed == [2027]


def test_a_year_committing_money_without_an_envelope_is_unfunded_not_over_committed() -> None:
    roadmap = build_roadmap([planned("A", "2029-Q1", "2029-Q2", {2029: "10"})])

    budget = roadmap.year(2029)
    assert (budget.envelope, budget.over_committed, budget.unfunded) == (None, False, True)
    assert roadmap.unfunded_years == [2029]
    assert roadmap.arbitration_needed == []


def test_an_envelope_without_items_leaves_its_whole_amount_remaining() -> None:
    roadmap = build_roadmap([], {2027: eur("500000")})
    assert roadmap.quarters == []
    assert roadmap.years == [
        YearBudget(2027, eur("500000"), eur("0"), eur("500000"), False, eur("0"))
    ]


def test_the_arbitration_case_lists_the_items_of_the_year_dearest_first() -> None:
    # Given an over-committed 2027 with three items costing money in it and one that does not
    items = [
        planned("A", "2027-Q1", "2027-Q4", {2027: "300000"}, title="CRM"),
        planned("B", "2027-Q1", "2027-Q2", {2027: "400000"}, title="Data lake"),
        planned("C", "2027-Q2", "2027-Q2", {2027: "300000"}, title="App"),
        planned("D", "2028-Q1", "2028-Q2", {2028: "999999"}, title="Later"),
    ]
    roadmap = build_roadmap(items, {2027: eur("800000")})

    # When the arbitration case for 2027 is taken
    case = arbitration_case(2027, roadmap)

    # Then it has the year's figures and its items, dearest first, ties by id
    assert (case.year, case.envelope, case.committed, case.over_by) == (
        2027,
        eur("800000"),
        eur("1000000"),
        eur("200000"),
    )
    assert case.items == (
        ArbitrationItem("B", "Data lake", eur("400000")),
        ArbitrationItem("A", "CRM", eur("300000")),
        ArbitrationItem("C", "App", eur("300000")),
    )
    assert case.item_ids == ("B", "A", "C")


def test_the_arbitration_case_feeds_the_request_on_the_envelope() -> None:
    # Given the 2027 envelope of EUR 500,000 and a roadmap committing EUR 700,000
    budget = envelope("500000")
    items = [planned("A", "2027-Q1", "2027-Q4", {2027: "700000"})]
    roadmap = build_roadmap(items, envelopes_by_year([budget]))

    # When the application layer requests arbitration with the case's figures
    case = arbitration_case(2027, roadmap)
    budget.request_arbitration(
        case.committed, case.over_by, case.item_ids, actor_id=PLANNER, now=LATER
    )

    # Then the envelope records it
    assert budget.arbitration_requests[-1].item_ids == ("A",)


def test_no_arbitration_case_for_a_year_within_its_envelope_or_unknown() -> None:
    roadmap = build_roadmap([planned("A", "2027-Q1", "2027-Q1", {2027: "1"})], {2027: eur("5")})
    with pytest.raises(
        DomainError, match=re.escape("2027 is not over-committed: 1.00 EUR committed of 5")
    ):
        arbitration_case(2027, roadmap)
    with pytest.raises(DomainError, match="the roadmap has nothing for 2031"):
        arbitration_case(2031, roadmap)


def test_a_roadmap_mixing_currencies_is_refused() -> None:
    items = [PlannedItem("A", "2027-Q1", "2027-Q2", {2027: Money.of("1", "USD")})]
    with pytest.raises(DomainError, match=r"mixes currencies \(EUR, USD\)"):
        build_roadmap(items, {2027: eur("5")})


def test_a_roadmap_with_malformed_plans_is_refused() -> None:
    with pytest.raises(DomainError, match="ends in 2027-Q1, before it starts in 2027-Q2"):
        build_roadmap([planned("A", "2027-Q2", "2027-Q1")])
    with pytest.raises(DomainError, match="is not a quarter"):
        build_roadmap([planned("A", "2027-5", "2027-Q1")])
    with pytest.raises(DomainError, match="more than once on the roadmap: A"):
        build_roadmap([planned("A", "2027-Q1", "2027-Q1")] * 2)


def test_only_open_envelopes_count_and_two_open_for_one_year_are_refused() -> None:
    closed = envelope("100", year=2026)
    closed.close(actor_id=PLANNER, now=NOW)
    assert envelopes_by_year([closed, envelope("500", year=2027)]) == {2027: eur("500")}
    with pytest.raises(DomainError, match="2027 has two open budget envelopes: 2027 and IT-2027"):
        envelopes_by_year([envelope(year=2027), envelope(year=2027, envelope_id="IT-2027")])


def test_a_planned_approved_item_and_its_planned_event_give_the_same_roadmap_entry() -> None:
    # Given an approved item past G2, planned over 2027
    item = at_gate("G2")
    item.plan("2027-Q1", "2027-Q4", {2027: eur("120000")}, actor_id=PLANNER, now=NOW)
    event = item.pending[-1]
    assert isinstance(event, ItemPlanned)

    # Then the roadmap reads it from the item or from its event alike
    from_item = PlannedItem.from_item(item)
    assert from_item == PlannedItem(
        "D-1", "2027-Q1", "2027-Q4", {2027: eur("120000")}, "Replace the ticketing system"
    )
    assert PlannedItem.from_event(event, item.title) == from_item


def test_an_item_not_approved_and_planned_is_not_on_the_roadmap() -> None:
    with pytest.raises(DomainError, match="item D-1 is not on the roadmap"):
        PlannedItem.from_item(candidate())
    with pytest.raises(DomainError, match="item D-1 is not on the roadmap"):
        PlannedItem.from_item(at_gate("G2"))
