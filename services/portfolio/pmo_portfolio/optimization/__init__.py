"""Optimal portfolio selection: which candidates to fund, maximising total score within the
budget envelopes per year and the capacity per role and period, honouring mandatory items,
dependencies and exclusions. Pure computation, no I/O.

    result = optimise(problem)        # exact (MILP, HiGHS), explained, with its frontier
    baseline = greedy_select(problem)  # value-density greedy, for comparison

See `model` for the problem and the result, `milp` for the formulation, exactness and
tie-breaking, `explain` for binding constraints and the cut, `frontier` for the frontier.
"""

from __future__ import annotations

from pmo_portfolio.optimization.explain import CUT_SIZE, assemble
from pmo_portfolio.optimization.frontier import LEVELS, efficient_frontier
from pmo_portfolio.optimization.greedy import greedy_select, greedy_selection
from pmo_portfolio.optimization.milp import TIME_LIMIT, MilpSolution, solve_exact
from pmo_portfolio.optimization.model import (
    Candidate,
    CutItem,
    EnvelopeUsage,
    FrontierPoint,
    InfeasibleSelection,
    SelectionProblem,
    SelectionResult,
    Violation,
)

__all__ = [
    "Candidate",
    "CutItem",
    "EnvelopeUsage",
    "FrontierPoint",
    "InfeasibleSelection",
    "MilpSolution",
    "SelectionProblem",
    "SelectionResult",
    "Violation",
    "efficient_frontier",
    "greedy_select",
    "greedy_selection",
    "optimise",
    "solve_exact",
]


def optimise(
    problem: SelectionProblem,
    *,
    time_limit: float = TIME_LIMIT,
    frontier_levels: int = LEVELS,
    cut_size: int = CUT_SIZE,
) -> SelectionResult:
    """The selection of greatest total score, explained. `time_limit` applies to each solve
    (the selection, then each frontier level); `frontier_levels=0` skips the frontier.
    Raises `InfeasibleSelection` when the mandatory items cannot all be selected."""
    solution = solve_exact(problem, time_limit=time_limit)
    frontier = (
        efficient_frontier(problem, levels=frontier_levels, time_limit=time_limit, full=solution)
        if frontier_levels
        else ()
    )
    return assemble(
        problem,
        solution.selected,
        method="milp",
        status=solution.status,
        optimality_proven=solution.optimality_proven,
        mip_gap=solution.mip_gap,
        solve_seconds=solution.seconds,
        frontier=frontier,
        cut_size=cut_size,
    )
