"""Optimal staffing: which person fills which open resource request, never overbooking
anyone, filling the most effort, then the best skill fit and continuity. Pure computation,
no I/O.

    plan = solve_optimal(problem)     # exact (MILP, HiGHS), explained
    baseline = solve_greedy(problem)  # largest needs first, best person with room
    gaps = unfilled_demand(problem, plan)

See `model` for the problem and the plan, `milp` for the formulation, weights, exactness and
determinism, `scoring` for the objective and the exact check, `explain` for the reasons and
alternatives, `demand` for unfilled demand by role, skill and month.
"""

from __future__ import annotations

from pmo_capacity.staffing.demand import unfilled_demand
from pmo_capacity.staffing.greedy import solve_greedy
from pmo_capacity.staffing.milp import TIME_LIMIT, solve_optimal
from pmo_capacity.staffing.model import (
    Alternative,
    Assignment,
    Candidate,
    InvalidStaffingProblem,
    Need,
    StaffingPlan,
    StaffingProblem,
    StaffingSolverError,
    Unfilled,
    UnfilledDemand,
)
from pmo_capacity.staffing.scoring import Pair, Staffed, pair_value, value_of, violations
from pmo_kernel.capacity import month_of

__all__ = [
    "TIME_LIMIT",
    "Alternative",
    "Assignment",
    "Candidate",
    "InvalidStaffingProblem",
    "Need",
    "Pair",
    "Staffed",
    "StaffingPlan",
    "StaffingProblem",
    "StaffingSolverError",
    "Unfilled",
    "UnfilledDemand",
    "month_of",
    "pair_value",
    "solve_greedy",
    "solve_optimal",
    "unfilled_demand",
    "value_of",
    "violations",
]
