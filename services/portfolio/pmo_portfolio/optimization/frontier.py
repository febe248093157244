"""The efficient frontier: the best value as the money grows, capacity unchanged.

Level k of `levels` scales every budget envelope by k/levels (10%, 20%, ..., 100% by default),
rounded down to the cent, and solves the MILP again. A level where the mandatory items (and
what they need) do not fit is reported infeasible, with no value.

Values never decrease with the level: a selection that fits a level fits every higher one (the
envelopes only grow), so proven optima are non-decreasing. Should a level stop on its time
limit below the value of a lower level's selection, that selection is carried up instead.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from pmo_portfolio.optimization.milp import TIME_LIMIT, MilpSolution, solve_exact
from pmo_portfolio.optimization.model import FrontierPoint, InfeasibleSelection, SelectionProblem

LEVELS = 10
CENT = Decimal("0.01")


def scaled_budgets(problem: SelectionProblem, fraction: Decimal) -> dict[int, Decimal]:
    if fraction == 1:
        return dict(problem.budgets)
    return {
        year: (amount * fraction).quantize(CENT, rounding=ROUND_DOWN)
        for year, amount in problem.budgets.items()
    }


def efficient_frontier(
    problem: SelectionProblem,
    *,
    levels: int = LEVELS,
    time_limit: float = TIME_LIMIT,
    full: MilpSolution | None = None,
) -> tuple[FrontierPoint, ...]:
    """One point per level, lowest first. `full`: the solution at 100%, when already known."""
    if levels < 1:
        raise ValueError("levels must be at least 1")
    points: list[FrontierPoint] = []
    carried: frozenset[str] | None = None  # the best selection found at a lower level
    for k in range(1, levels + 1):
        fraction = Decimal(k) / Decimal(levels)
        budgets = scaled_budgets(problem, fraction)
        try:
            if k == levels and full is not None:
                solution = full
            else:
                solution = solve_exact(problem, budgets=budgets, time_limit=time_limit)
        except InfeasibleSelection:
            points.append(
                FrontierPoint(
                    budget_fraction=fraction,
                    budgets=budgets,
                    feasible=False,
                    value=None,
                    selected_count=0,
                    optimality_proven=False,
                )
            )
            continue
        selected = solution.selected
        if carried is not None and _value(problem, carried) > _value(problem, selected):
            selected = carried
        carried = selected
        points.append(
            FrontierPoint(
                budget_fraction=fraction,
                budgets=budgets,
                feasible=True,
                value=_value(problem, selected),
                selected_count=len(selected),
                optimality_proven=solution.optimality_proven,
            )
        )
    return tuple(points)


def _value(problem: SelectionProblem, selected: frozenset[str]) -> Decimal:
    return sum((problem.by_id[i].score for i in selected), Decimal(0))
