"""A scenario built from the portfolio: each open item valued at its consolidated score and
costed by its plan, or unplanned by its estimated cost in the first budget year, and given a
delivery capacity, demanding its effort over its planned quarters; an item that cannot be valued,
costed or staffed is skipped, with the reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pmo_kernel.errors import DomainError
from pmo_kernel.money import Money
from pmo_portfolio.application.selection import demand_of, portfolio_candidates, problem_of
from pmo_portfolio.domain.governance import PortfolioItem
from pmo_portfolio.domain.planning import ScenarioInputs
from tests.portfolio.unit import ALICE, SIMPLE, evaluation
from tests.portfolio.unit.governance_helpers import ANALYST, at_gate, business_case, candidate

BUDGETS = {2027: Decimal("1000000"), 2028: Decimal("1000000")}


def scored(item: PortfolioItem, value: int = 8) -> PortfolioItem:
    item.record_score(evaluation(SIMPLE, ALICE, {"value": value, "risk": 2}, item_id=item.id))
    return item


def test_an_unplanned_candidate_costs_its_estimate_in_the_first_budget_year() -> None:
    chosen = portfolio_candidates(
        [scored(candidate("120000", item_id="D-1"))], SIMPLE, budgets=BUDGETS, currency="EUR"
    )

    (only,) = chosen.candidates
    assert (only.id, only.score, only.cost_by_year) == (
        "D-1", Decimal("78.00"), {2027: Decimal("120000")},
    )  # fmt: skip
    assert chosen.skipped == {}


def test_a_planned_item_costs_what_its_plan_says_year_by_year() -> None:
    item = scored(at_gate("G2", item_id="D-2"))
    item.plan("2027-Q3", "2028-Q2", {2027: Money.of("50000"), 2028: Money.of("70000")},
              actor_id=ANALYST)  # fmt: skip

    (only,) = portfolio_candidates([item], SIMPLE, budgets=BUDGETS, currency="EUR").candidates

    assert only.cost_by_year == {2027: Decimal("50000"), 2028: Decimal("70000")}


def test_items_that_cannot_be_valued_or_costed_are_skipped_with_the_reason() -> None:
    items = [
        scored(candidate("120000", item_id="D-1")),
        candidate("120000", item_id="D-unscored"),
        scored(candidate("120000", "USD", item_id="D-dollars")),
        scored(candidate(None, item_id="D-free", business_case_version=None)),
    ]

    chosen = portfolio_candidates(items, SIMPLE, budgets=BUDGETS, currency="EUR")

    assert [c.id for c in chosen.candidates] == ["D-1"]
    assert chosen.skipped == {
        "D-dollars": "it costs in USD, the scenario is in EUR",
        "D-free": "it has neither a plan nor an estimated cost",
        "D-unscored": f"it has no score with scoring model {SIMPLE.reference}",
    }


def test_a_plan_spending_in_a_year_without_budget_is_skipped() -> None:
    item = scored(at_gate("G2", item_id="D-2"))
    item.plan("2029-Q1", "2029-Q2", {2029: Money.of("1")}, actor_id=ANALYST)

    with pytest.raises(DomainError, match="D-2: it costs money in 2029, which has no budget"):
        portfolio_candidates([item], SIMPLE, budgets=BUDGETS, currency="EUR")


def test_a_selection_problem_refuses_what_the_optimiser_cannot_take_naming_it() -> None:
    negative = {"id": "A", "title": "A", "score": "-1"}
    inputs = ScenarioInputs.model_validate(
        {"candidates": [negative], "budgets": {2027: "10"}, "currency": "EUR"}
    )

    with pytest.raises(DomainError, match=r"scenario S cannot be saved: candidates\.0\.score"):
        problem_of(inputs, "scenario S cannot be saved")


# -- demand on people -------------------------------------------------------------------------


def planned(item_id: str, start: str, end: str, effort: str | None = "180") -> PortfolioItem:
    """A scored item approved at G2 and planned from `start` to `end`, its business case
    estimating `effort` person-days."""
    case = business_case(effort_person_days=effort)
    item = scored(at_gate("G2", item_id=item_id, business_case=case))
    years = range(int(start[:4]), int(end[:4]) + 1)
    item.plan(start, end, {year: Money.of("10000") for year in years}, actor_id=ANALYST)
    return item


def quarters(*names: str, each: str = "1000") -> dict[str, Decimal]:
    return dict.fromkeys(names, Decimal(each))


def test_a_planned_item_demands_its_effort_evenly_over_its_quarters_as_delivery() -> None:
    item = planned("D-2", "2027-Q3", "2028-Q2")  # 180 person-days over 4 quarters
    capacity = {"delivery": quarters("2027-Q3", "2027-Q4", "2028-Q1", "2028-Q2")}

    (only,) = portfolio_candidates(
        [item], SIMPLE, budgets=BUDGETS, currency="EUR", capacity=capacity
    ).candidates

    assert only.demand_by_role_period == {
        "delivery": {q: Decimal("45.00") for q in ("2027-Q3", "2027-Q4", "2028-Q1", "2028-Q2")}
    }


def test_an_uneven_split_leaves_the_rounding_on_the_last_quarter() -> None:
    item = planned("D-2", "2027-Q1", "2027-Q3", effort="100")

    demand = demand_of(item)["delivery"]

    assert demand == {
        "2027-Q1": Decimal("33.33"),
        "2027-Q2": Decimal("33.33"),
        "2027-Q3": Decimal("33.34"),
    }
    assert sum(demand.values()) == Decimal("100")


def test_without_a_delivery_capacity_no_candidate_demands_anything() -> None:
    item = planned("D-2", "2027-Q1", "2027-Q4")

    (only,) = portfolio_candidates([item], SIMPLE, budgets=BUDGETS, currency="EUR").candidates

    assert only.demand_by_role_period == {}


@pytest.mark.parametrize(
    "item",
    [
        pytest.param(scored(candidate("120000", item_id="D-1")), id="unplanned"),
        pytest.param(planned("D-2", "2027-Q1", "2027-Q4", effort=None), id="no effort given"),
    ],
)
def test_an_unplanned_item_or_one_without_effort_demands_nothing(item: PortfolioItem) -> None:
    capacity = {"delivery": quarters("2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4")}

    (only,) = portfolio_candidates(
        [item], SIMPLE, budgets=BUDGETS, currency="EUR", capacity=capacity
    ).candidates

    assert only.demand_by_role_period == {}


def test_an_item_planned_in_a_quarter_without_delivery_capacity_is_skipped() -> None:
    items = [planned("D-1", "2027-Q1", "2027-Q2"), planned("D-2", "2027-Q2", "2027-Q4")]
    capacity = {"delivery": quarters("2027-Q1", "2027-Q2")}

    chosen = portfolio_candidates(items, SIMPLE, budgets=BUDGETS, currency="EUR", capacity=capacity)

    assert [c.id for c in chosen.candidates] == ["D-1"]
    assert chosen.skipped == {"D-2": "it needs delivery in 2027-Q3, 2027-Q4, which has no capacity"}
