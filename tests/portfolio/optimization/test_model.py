"""A selection problem is refused when it names what does not exist or leaves an envelope out."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from pmo_portfolio.optimization import Candidate, SelectionProblem
from tests.portfolio.optimization import Q1, YEAR, item, problem


def test_a_well_formed_problem_is_accepted_and_indexed() -> None:
    p = problem(item("A", 10, 60, architect=4), item("B", 7, 40), dependencies=[("B", "A")])
    assert p.by_id["A"].total_cost == Decimal(60)
    assert p.requirements == {"A": (), "B": ("A",)}
    assert p.currency == "EUR"


def test_dependencies_and_exclusions_naming_unknown_candidates_are_refused() -> None:
    with pytest.raises(
        ValidationError, match=r"dependency \(A, Z\) names unknown candidate\(s\) Z"
    ):
        problem(item("A", 1), dependencies=[("A", "Z")])
    with pytest.raises(ValidationError, match=r"exclusion \(Y, A\) names unknown candidate\(s\) Y"):
        problem(item("A", 1), exclusions=[("Y", "A")])


def test_a_candidate_related_to_itself_is_refused() -> None:
    with pytest.raises(ValidationError, match="relates a candidate to itself"):
        problem(item("A", 1), exclusions=[("A", "A")])


def test_duplicate_candidate_ids_are_refused() -> None:
    with pytest.raises(ValidationError, match="duplicate candidate ids: A"):
        problem(item("A", 1), item("A", 2))


def test_a_cost_in_a_year_without_budget_is_refused_not_read_as_zero() -> None:
    late = Candidate(id="L", title="Late", score=Decimal(1), cost_by_year={2029: Decimal(5)})
    with pytest.raises(ValidationError, match=r"candidate L costs money in year\(s\) 2029"):
        problem(late)


def test_demand_for_a_role_or_period_without_capacity_is_refused() -> None:
    tester = Candidate(
        id="T", title="T", score=Decimal(1), demand_by_role_period={"tester": {Q1: Decimal(3)}}
    )
    with pytest.raises(ValidationError, match="candidate T demands role 'tester', which has no"):
        problem(tester)
    late = Candidate(
        id="Q", title="Q", score=Decimal(1), demand_by_role_period={"architect": {"2031-Q4": 1}}
    )
    with pytest.raises(ValidationError, match=r"role 'architect' in period\(s\) 2031-Q4"):
        problem(late)


def test_negative_scores_costs_and_capacities_are_refused() -> None:
    with pytest.raises(ValidationError):
        item("A", -1)
    with pytest.raises(ValidationError):
        item("A", 1, cost=-5)
    with pytest.raises(ValidationError):
        problem(item("A", 1), architect=-1)


def test_money_has_one_known_currency_and_at_most_cents() -> None:
    with pytest.raises(ValidationError, match="unknown currency code"):
        SelectionProblem(currency="XYZ", candidates=(item("A", 1),), budgets={YEAR: Decimal(1)})
    with pytest.raises(ValidationError):
        item("A", 1, cost="10.001")
    assert (
        SelectionProblem(
            currency="chf", candidates=(item("A", 1),), budgets={YEAR: Decimal(1)}
        ).currency
        == "CHF"
    )


def test_models_are_frozen_and_refuse_unknown_fields() -> None:
    p = problem(item("A", 1))
    with pytest.raises(ValidationError):
        p.currency = "USD"
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Candidate.model_validate({"id": "A", "title": "A", "score": 1, "colour": "red"})


def test_the_problem_round_trips_through_json() -> None:
    p = problem(item("A", "7.5", "12.50", architect=2), item("B", 3), exclusions=[("A", "B")])
    assert SelectionProblem.model_validate_json(p.model_dump_json()) == p
