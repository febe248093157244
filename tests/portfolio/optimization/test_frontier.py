"""The efficient frontier: the best value at 10%, 20%, ..., 100% of every budget envelope."""

from __future__ import annotations

from decimal import Decimal

from pmo_portfolio.optimization import efficient_frontier, optimise
from tests.portfolio.optimization import YEAR, item, problem


def test_ten_levels_from_10_to_100_percent_with_non_decreasing_values() -> None:
    p = problem(
        item("M", 1, 25, mandatory=True),
        item("A", 10, 20),
        item("B", 8, 30),
        item("C", 6, 15),
        item("D", 4, 10, architect=8),
        budget=100,
    )
    result = optimise(p)
    points = result.frontier
    assert [p.budget_fraction for p in points] == [Decimal(k) / 10 for k in range(1, 11)]
    assert points[4].budgets == {YEAR: Decimal("50.00")}
    # M alone needs 25: 10% and 20% cannot hold the mandatory item.
    assert [p.feasible for p in points] == [False, False] + [True] * 8
    assert points[0].value is None
    assert points[0].selected_count == 0
    values = [p.value for p in points[2:] if p.value is not None]
    assert values == sorted(values)
    assert points[2].value == Decimal(1)  # 30: M and nothing else fits beside it
    assert points[-1].value == result.total_value == Decimal(29)
    assert points[-1].selected_count == len(result.selected)
    assert all(p.optimality_proven for p in points[2:])


def test_budgets_are_scaled_to_the_cent_rounding_down() -> None:
    p = problem(item("A", 1, 1), budget="100.05")
    points = efficient_frontier(p, levels=3)
    assert [pt.budgets[YEAR] for pt in points] == [
        Decimal("33.35"),
        Decimal("66.70"),
        Decimal("100.05"),
    ]


def test_the_frontier_can_be_skipped() -> None:
    assert optimise(problem(item("A", 1, 1)), frontier_levels=0).frontier == ()
