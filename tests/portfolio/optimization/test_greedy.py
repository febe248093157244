"""The greedy baseline takes the densest items first: feasible, explained, and beatable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pmo_portfolio.optimization import (
    InfeasibleSelection,
    greedy_select,
    greedy_selection,
    optimise,
)
from tests.portfolio.optimization import item, problem


def test_greedy_takes_the_densest_first_and_can_miss_the_optimum() -> None:
    # A is densest (60/51), then nothing else fits; B + C is worth 100.
    p = problem(item("A", 60, 51), item("B", 50, 50), item("C", 50, 50), budget=100)
    greedy = greedy_select(p)
    assert greedy.selected == ("A",)
    assert greedy.total_value == Decimal(60)
    assert (greedy.method, greedy.status, greedy.optimality_proven) == (
        "greedy",
        "heuristic",
        False,
    )
    assert optimise(p, frontier_levels=0).total_value == Decimal(100)


def test_greedy_brings_required_items_along_when_the_bundle_fits() -> None:
    p = problem(
        item("A", 50, 10),
        item("B", 1, 40),
        item("C", 20, 40),
        item("D", 30, 60),
        dependencies=[("A", "B")],
        budget=100,
    )
    # A (density 5) comes first and brings B along: 50 spent. C and D tie at density 0.5;
    # D (higher score) comes first but does not fit in the 50 left, C does.
    assert greedy_selection(p) == {"A", "B", "C"}


def test_greedy_takes_mandatory_items_first_and_honours_exclusions() -> None:
    p = problem(
        item("M", 1, 50, mandatory=True),
        item("A", 40, 10),
        item("B", 30, 10),
        item("C", 5, 10),
        exclusions=[("A", "B")],
    )
    assert greedy_selection(p) == {"M", "A", "C"}


def test_greedy_skips_items_worth_nothing() -> None:
    assert greedy_selection(problem(item("A", 0, 0), item("B", 1, 1))) == {"B"}


def test_greedy_refuses_infeasible_mandatory_items_like_the_milp() -> None:
    p = problem(item("M", 1, 60, mandatory=True), item("N", 1, 60, mandatory=True))
    with pytest.raises(InfeasibleSelection, match="budget 2027"):
        greedy_select(p)
