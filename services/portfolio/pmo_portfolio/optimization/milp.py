"""The exact solver: one binary variable per candidate, solved by HiGHS (`scipy.optimize.milp`).

    maximise    Σ score_i · x_i
    subject to  Σ cost_i,y · x_i        ≤ budget_y             every budget year y
                Σ demand_i,r,p · x_i    ≤ capacity_r,p         every role r and period p
                x_a − x_b               ≤ 0                    every dependency "a needs b"
                x_a + x_b               ≤ 1                    every exclusion a/b
                x_i = 1                                        mandatory items and what they need
                x_i ∈ {0, 1}

Rows no candidate touches are left out, and each resource row is divided by its largest
coefficient (money in the millions next to 0/1 rows otherwise makes HiGHS warn and slows it).
The gap tolerance is 0: "optimal" means the dual bound met the incumbent (HiGHS notices the
objective is integral when scores are, and prunes on that).

Exactness. HiGHS works in floats with feasibility tolerances, so its answer is rounded to 0/1
and checked against the `Decimal` definitions (`SelectionProblem.violations`). Should a
rounded answer overrun an envelope by a hair, a cover cut is added and the model solved again:
C, the fewest selected items (largest first) whose exact amounts alone overrun the envelope,
gets Σ_{i∈C} x_i ≤ |C| − 1. Amounts being non-negative, every selection that cut removes is
exactly infeasible, so the answer returned is exactly feasible and still proven optimal.

Determinism (ties between equal-value optima). The model is built in a canonical order:
variables by candidate id, rows by year, then role and period, then the sorted dependency and
exclusion pairs, whatever order the problem lists them in; and HiGHS's branch and bound is
deterministic. So the same problem always yields the same selection (with the same scipy and
HiGHS build), also when its lists are permuted. Ties are left to the solver, not broken by a
perturbed objective: a lexicographic perturbation must be proven optimal too, and on 250
candidates it doubled the solve time. The one exception is a solve stopped by the time limit,
whose incumbent depends on the clock.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from pmo_portfolio.optimization.model import SelectionProblem, SolverStatus

TIME_LIMIT = 120.0  # seconds per solve
MAX_REPAIRS = 50  # cover cuts before giving up on solver answers that keep missing by a hair


@dataclass(frozen=True)
class MilpSolution:
    """The solver's answer: always an exactly feasible selection (the forced items alone at
    worst, when the solver found nothing better in time)."""

    selected: frozenset[str]
    status: SolverStatus
    optimality_proven: bool
    mip_gap: float | None
    seconds: float
    nodes: int | None
    message: str


@dataclass
class _Rows:
    """The constraint matrix, built row by row as COO triplets."""

    rows: list[int]
    cols: list[int]
    values: list[float]
    upper: list[float]

    def add(self, entries: list[tuple[int, float]], upper: float, normalise: bool) -> None:
        if not entries:
            return
        scale = max(abs(v) for _, v in entries) if normalise else 1.0
        row = len(self.upper)
        for col, value in entries:
            self.rows.append(row)
            self.cols.append(col)
            self.values.append(value / scale)
        self.upper.append(upper / scale)

    def matrix(self, n: int) -> sparse.csr_array:
        return sparse.csr_array(
            (np.array(self.values), (np.array(self.rows), np.array(self.cols))),
            shape=(len(self.upper), n),
        )


def build_rows(
    problem: SelectionProblem, budgets: Mapping[int, Decimal], index: Mapping[str, int]
) -> _Rows:
    rows = _Rows([], [], [], [])
    ordered = sorted(problem.candidates, key=lambda c: c.id)
    for year in sorted(budgets):
        entries = [
            (index[c.id], float(c.cost_by_year[year]))
            for c in ordered
            if c.cost_by_year.get(year, 0) > 0
        ]
        rows.add(entries, float(budgets[year]), normalise=True)
    for role in sorted(problem.capacity):
        for period in sorted(problem.capacity[role]):
            entries = []
            for c in ordered:
                demand = c.demand(role, period)
                if demand > 0:
                    entries.append((index[c.id], float(demand)))
            rows.add(entries, float(problem.capacity[role][period]), normalise=True)
    for item, requires in problem.dependency_pairs:
        rows.add([(index[item], 1.0), (index[requires], -1.0)], 0.0, normalise=False)
    for a, b in problem.exclusion_pairs:
        rows.add([(index[a], 1.0), (index[b], 1.0)], 1.0, normalise=False)
    return rows


def solve_exact(
    problem: SelectionProblem,
    *,
    budgets: Mapping[int, Decimal] | None = None,
    time_limit: float = TIME_LIMIT,
) -> MilpSolution:
    """The selection of greatest total score (optionally under other budget envelopes, e.g. a
    frontier level). Raises `InfeasibleSelection` when the mandatory items do not fit."""
    envelopes = dict(problem.budgets if budgets is None else budgets)
    forced = problem.check_mandatory(envelopes)
    started = time.perf_counter()
    ids = tuple(sorted(problem.by_id))
    index = {item: k for k, item in enumerate(ids)}
    n = len(ids)
    objective = np.array([-float(problem.by_id[i].score) for i in ids])
    lower = np.array([1.0 if i in forced else 0.0 for i in ids])
    rows = build_rows(problem, envelopes, index)

    for _ in range(MAX_REPAIRS + 1):
        remaining = max(time_limit - (time.perf_counter() - started), 0.01)
        result = _solve(objective, lower, rows, n, remaining)
        status, proven = _status(result.status)
        if result.x is None:
            return _fallback(forced, status, result, started)
        x: npt.NDArray[np.float64] = np.asarray(result.x)
        selected = frozenset(ids[k] for k in range(n) if x[k] > 0.5)
        if not problem.violations(selected, envelopes):
            return MilpSolution(
                selected=selected,
                status=status,
                optimality_proven=proven,
                mip_gap=_gap(result),
                seconds=time.perf_counter() - started,
                nodes=getattr(result, "mip_node_count", None),
                message=str(result.message),
            )
        cuts = covers(problem, selected, envelopes)
        if not cuts:  # not an overrun by a hair: nothing sound to cut, so do not trust it
            break
        for cover in cuts:
            rows.add([(index[i], 1.0) for i in cover], float(len(cover) - 1), normalise=False)
    return _fallback(forced, "solver_error", None, started)


def covers(
    problem: SelectionProblem, selected: frozenset[str], budgets: Mapping[int, Decimal]
) -> list[tuple[str, ...]]:
    """For each envelope the selection overruns, the fewest of its items (largest amounts
    first, then id) that overrun it on their own. A rounded 0/1 answer honours every
    dependency and exclusion row exactly, so only envelopes can be overrun."""
    found: list[tuple[str, ...]] = []
    amounts: list[tuple[Decimal, list[tuple[Decimal, str]]]] = [
        (
            budgets[year],
            [(problem.by_id[i].cost_by_year.get(year, Decimal(0)), i) for i in selected],
        )
        for year in sorted(budgets)
    ]
    amounts += [
        (available, [(problem.by_id[i].demand(role, period), i) for i in selected])
        for role in sorted(problem.capacity)
        for period, available in sorted(problem.capacity[role].items())
    ]
    for available, uses in amounts:
        if sum((amount for amount, _ in uses), Decimal(0)) <= available:
            continue
        cover: list[str] = []
        total = Decimal(0)
        for amount, item in sorted(uses, key=lambda use: (-use[0], use[1])):
            cover.append(item)
            total += amount
            if total > available:
                break
        found.append(tuple(cover))
    return found


def _solve(
    objective: npt.NDArray[np.float64],
    lower: npt.NDArray[np.float64],
    rows: _Rows,
    n: int,
    time_limit: float,
) -> Any:  # scipy's OptimizeResult
    constraints = (
        [LinearConstraint(rows.matrix(n), -np.inf, np.array(rows.upper))] if rows.upper else []
    )
    return milp(
        objective,
        integrality=np.ones(n),
        bounds=Bounds(lower, np.ones(n)),
        constraints=constraints,
        options={"disp": False, "time_limit": time_limit, "mip_rel_gap": 0.0},
    )


def _status(code: int) -> tuple[SolverStatus, bool]:
    if code == 0:
        return "optimal", True
    if code == 1:
        return "time_limit", False
    return "solver_error", False


def _gap(result: Any) -> float | None:
    gap = getattr(result, "mip_gap", None)
    return None if gap is None else float(gap)


def _fallback(
    forced: frozenset[str], status: SolverStatus, result: Any, started: float
) -> MilpSolution:
    message = "no solution from the solver; the forced items alone are returned"
    if result is not None:
        message = f"{getattr(result, 'message', '')}; {message}"
    return MilpSolution(
        selected=forced,
        status="solver_error" if status == "optimal" else status,
        optimality_proven=False,
        mip_gap=None,
        seconds=time.perf_counter() - started,
        nodes=None,
        message=message,
    )
