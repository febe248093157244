"""The exact selection: best total score within every constraint, explained, reproducible."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from bench.optimizer import generate
from pmo_portfolio.optimization import (
    InfeasibleSelection,
    SelectionProblem,
    optimise,
    solve_exact,
)
from tests.portfolio.optimization import Q1, Q2, YEAR, item, problem, value


def hand_made() -> SelectionProblem:
    """Budget 100, architect 10: {A, B} (17) is the unique optimum; B needs A, A excludes C,
    E needs C. Budget and architect capacity end up with no slack; developers keep 10 of 20."""
    return problem(
        item("A", 10, 60, architect=4, developer=5),
        item("B", 7, 40, architect=6, developer=5),
        item("C", 6, 50, architect=1),
        item("E", 1, 0),
        dependencies=[("B", "A"), ("E", "C")],
        exclusions=[("A", "C")],
    )


def test_the_optimum_is_selected_with_its_value_and_usage() -> None:
    result = optimise(hand_made(), frontier_levels=0)
    assert result.selected == ("A", "B")  # by score descending
    assert result.total_value == Decimal(17)
    assert result.total_cost == Decimal(100)
    assert result.budget[YEAR].used == result.budget[YEAR].available == Decimal(100)
    assert result.capacity["developer"][Q2].slack == Decimal(10)
    assert (result.status, result.optimality_proven, result.method) == ("optimal", True, "milp")
    assert result.mip_gap == pytest.approx(0)
    assert result.solve_seconds >= 0


def test_binding_constraints_are_named() -> None:
    result = optimise(hand_made(), frontier_levels=0)
    assert result.binding_constraints == (
        "budget 2027",
        "capacity architect 2027-Q1",
        "dependency B needs A",
        "exclusion A/C",
    )


def test_the_items_around_the_cut_are_explained() -> None:
    result = optimise(hand_made(), frontier_levels=0)
    # Above: least dense selected first (A: 10/60 < B: 7/40).
    assert [c.id for c in result.above_cut] == ["A", "B"]
    # Below: densest left out first; E costs nothing but brings C along.
    free, c = result.below_cut
    assert (free.id, free.value_density, free.requires) == ("E", None, ("C",))
    assert free.blocked_by == ("budget 2027", "capacity architect 2027-Q1", "exclusion A/C")
    assert (c.id, c.value_density, c.requires) == ("C", Decimal("0.12"), ())
    assert c.blocked_by == ("budget 2027", "capacity architect 2027-Q1", "exclusion A/C")


def test_one_constraint_relaxed_is_visible_below_the_cut() -> None:
    p = problem(item("A", 10, 60), item("B", 9, 50), budget=100)
    (b,) = optimise(p, frontier_levels=0).below_cut
    assert b.blocked_by == ("budget 2027",)  # only the budget keeps B out


def test_mandatory_items_are_selected_even_when_worth_less() -> None:
    p = problem(item("A", 10, 60), item("M", 1, 50, mandatory=True), item("B", 5, 40))
    result = optimise(p, frontier_levels=0)
    assert set(result.selected) == {"M", "B"}
    assert "M" not in [c.id for c in result.above_cut]  # mandatory: not discretionary


def test_dependencies_are_honoured_with_what_the_mandatory_items_need() -> None:
    p = problem(
        item("A", 10, 30),
        item("B", 0, 30),
        item("M", 1, 10, mandatory=True),
        item("N", 0, 10),
        item("X", 9, 40),
        dependencies=[("A", "B"), ("M", "N")],
    )
    # M brings N (20 of 100); then A with B (60, worth 10) beats X (40, worth 9), not both.
    assert solve_exact(p).selected == {"M", "N", "A", "B"}


def test_exclusions_are_honoured() -> None:
    p = problem(item("A", 10, 10), item("B", 10, 10), item("C", 1, 10), exclusions=[("A", "B")])
    selected = solve_exact(p).selected
    assert not {"A", "B"} <= selected
    assert value(p, selected) == Decimal(11)


@pytest.mark.parametrize(
    ("cost", "architect", "exclusions", "constraint"),
    [
        (60, 0, [], "budget 2027"),
        (0, 6, [], "capacity architect 2027-Q1"),
        (0, 0, [("M", "N")], "exclusion M/N"),
    ],
)
def test_mandatory_items_that_cannot_fit_together_are_refused_naming_the_constraint(
    cost: int, architect: int, exclusions: list[tuple[str, str]], constraint: str
) -> None:
    p = problem(
        item("M", 1, cost, architect, mandatory=True),
        item("N", 1, cost, architect, mandatory=True),
        item("O", 5, 1),
        exclusions=exclusions,
    )
    with pytest.raises(InfeasibleSelection) as raised:
        optimise(p)
    assert [v.constraint for v in raised.value.violations] == [constraint]
    assert constraint in raised.value.detail
    assert raised.value.extensions["mandatory"] == ["M", "N"]
    assert raised.value.code == "infeasible_selection"


def test_an_infeasibility_through_a_dependency_names_the_dependency() -> None:
    p = problem(
        item("M", 1, mandatory=True),
        item("N", 1, mandatory=True),
        item("X", 1),
        dependencies=[("N", "X")],
        exclusions=[("M", "X")],
    )
    with pytest.raises(InfeasibleSelection, match=r"exclusion M/X") as raised:
        solve_exact(p)
    assert "X (dependency N needs X)" in raised.value.detail


def test_a_budget_missed_by_a_cent_is_missed_despite_float_tolerances() -> None:
    p = problem(item("A", 10, "1000000.01"), item("B", 1, 1), budget="1000000.00")
    assert solve_exact(p).selected == {"B"}


def test_the_same_problem_gives_the_same_selection_whatever_its_order() -> None:
    # Ten identical items, five fit: many optima; the choice must not depend on the order.
    rng = random.Random(4)
    twins = [item(f"T{k}", 5, 20, architect=1) for k in range(10)]
    first = solve_exact(problem(*twins)).selected
    for _ in range(5):
        rng.shuffle(twins)
        again = problem(*twins, exclusions=[("T3", "T7"), ("T1", "T2")])
        reversed_ = problem(*twins, exclusions=[("T2", "T1"), ("T7", "T3")])
        assert solve_exact(again).selected == solve_exact(reversed_).selected
        assert solve_exact(problem(*twins)).selected == first
    assert len(first) == 5


def test_several_years_and_periods_are_each_constrained() -> None:
    def two_years(
        id: str, score: int, first: int, second: int, q1: int, q2: int
    ) -> dict[str, object]:
        return {
            "id": id,
            "title": id,
            "score": score,
            "cost_by_year": {2027: first, 2028: second},
            "demand_by_role_period": {"architect": {Q1: q1, "2028-Q1": q2}},
        }

    p = SelectionProblem.model_validate(
        {
            "currency": "EUR",
            "candidates": [
                two_years("A", 10, 50, 0, 5, 0),
                two_years("B", 10, 0, 50, 0, 5),
                two_years("C", 25, 30, 30, 5, 5),
            ],
            "budgets": {2027: 60, 2028: 60},
            "capacity": {"architect": {Q1: 8, "2028-Q1": 20}},
        }
    )
    result = optimise(p, frontier_levels=0)
    # A + B (20) < C (25); A + C breaks 2027 (80 > 60) and architect Q1 (10 > 8),
    # B + C breaks 2028.
    assert result.selected == ("C",)
    assert result.budget[2028].used == Decimal(30)


def test_a_solve_stopped_by_its_time_limit_says_so_and_stays_feasible() -> None:
    p = generate(100)  # the benchmark's instance: about a second to prove optimal
    solution = solve_exact(p, time_limit=0.05)
    assert solution.status == "time_limit"
    assert not solution.optimality_proven
    assert not p.violations(solution.selected)
    assert set(p.forced) <= solution.selected
