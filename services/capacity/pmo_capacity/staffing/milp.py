"""The exact staffing solver: one binary per eligible (person, need) pair, solved by HiGHS
(`scipy.optimize.milp`).

    maximise    Σ_pn v_pn · x_pn  +  REUSE · Σ_(p,j) (Σ_{n∈j} x_pn − z_pj)
    subject to  Σ_n h_n · x_pn   ≤ spare_p,w        every person p and week w
                Σ_p x_pn         ≤ 1                every need n
                x_pn − z_pj      ≤ 0                every need n of project j
                x_pn, z_pj ∈ {0, 1}

A need is filled whole by one person (h_n hours in every one of its weeks) or not at all. x_pn
exists only when p has n's role and every required skill at its minimum level, and has the
spare hours for n alone in each of its weeks (otherwise x_pn = 1 is infeasible anyway).
z_pj = 1 when p works on any of project j's requests; minimising it counts the distinct people
per project. It exists only for the (person, project) pairs with two needs or more for the
person to take: with one, Σ x − z is 0 at best and the pair needs no z.

Weights (integers, so HiGHS knows the objective is integral and prunes on it):
v_pn = W · effort_n / q + fit_pn + ON_PROJECT · [p already works on n's project], where
effort_n = h_n · |weeks_n|, q the greatest common divisor of all efforts (two plans filling
different effort differ by at least q), fit_pn the levels above the required minima summed
and capped at FIT_CAP = 4, ON_PROJECT = 2, and REUSE = 3 per request beyond the first a
person takes on a project. One need can add at most FIT_CAP + ON_PROJECT + REUSE = 9 points
besides its effort, so W = 9 · (number of needs) + 1 makes one more quantum of filled effort
worth more than every fit and continuity point together: the plan fills the most effort
possible, and among those, the best fit and continuity (traded 1 level of fit = 1 point,
already on the project = 2, each shared request = 3).

Rows. Person-week rows have the same coefficient per need in every week (its hours per week),
so a week is fully described by which of the person's needs cover it: weeks with the same
pattern keep only the smallest spare; a row whose needs all fit together is dropped; and a row
is dropped when another covers a superset of its needs with no more spare (it is implied).
Over 52 weeks this leaves a few rows per person.

Exactness. HiGHS works in floats with tolerances, so its answer is rounded to 0/1 and checked
exactly (`scoring.violations`). Should a person-week be overbooked by a hair, a cover cut is
added and the model solved again: C, the fewest of the person's requests that week (largest
hours first) whose exact hours alone exceed the spare, gets Σ_{n∈C} x_pn ≤ |C| − 1, which
removes only exactly infeasible plans. After MAX_REPAIRS rounds `StaffingSolverError` is raised:
an overbooking plan is never returned.

Determinism. Variables are built by request id then person id, z by person then project,
rows in a canonical order, whatever the order of the problem's lists and mappings; HiGHS's
branch and bound is deterministic, so the same problem yields the same plan (with the same
scipy and HiGHS build). Only a solve stopped by its time limit depends on the clock: its
incumbent is returned with `optimal=False`, or the greedy plan (solver "greedy") when HiGHS
has none or a worse one.

Honesty. A plan not proven optimal carries `mip_gap_percent`: (bound − value) / bound · 100,
where bound is the best value HiGHS could not rule out when it stopped (the negated dual bound
of the minimisation: the objective is −value exactly, see `scoring.value_of`), and value is the
saved plan's, so the figure is right whichever of the incumbent and the greedy plan is saved.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from pmo_capacity.staffing.explain import assemble
from pmo_capacity.staffing.greedy import greedy_pairs
from pmo_capacity.staffing.model import (
    REUSE,
    Candidate,
    Need,
    StaffingPlan,
    StaffingProblem,
    StaffingSolverError,
)
from pmo_capacity.staffing.scoring import pair_points, pairs_of, value_of, violations

TIME_LIMIT = 60.0
MAX_REPAIRS = 50


@dataclass
class _Model:
    pairs: list[tuple[Need, Candidate]] = field(default_factory=list)  # x columns
    links: list[tuple[str, str]] = field(default_factory=list)  # z columns: (person, project)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    capacity_rows: int = 0  # person-week rows kept after aggregation

    @property
    def size(self) -> int:
        return len(self.pairs) + len(self.links)

    def add(self, entries: list[tuple[int, float]], upper: float) -> None:
        row = len(self.upper)
        for col, value in entries:
            self.rows.append(row)
            self.cols.append(col)
            self.values.append(value)
        self.upper.append(upper)

    def matrix(self) -> sparse.csr_array:
        return sparse.csr_array(
            (np.array(self.values), (np.array(self.rows), np.array(self.cols))),
            shape=(len(self.upper), self.size),
        )


def build(problem: StaffingProblem) -> tuple[_Model, npt.NDArray[np.float64]]:
    """The model (module doc) and its objective, to minimise (negated values)."""
    model = _Model()
    for need in problem.requests:
        for person in problem.eligible[need.request_id]:
            candidate = problem.person[person]
            if candidate.has_room_for(need):
                model.pairs.append((need, candidate))
    columns: dict[str, list[int]] = defaultdict(list)  # person -> their x columns
    by_need: dict[str, list[int]] = defaultdict(list)
    by_link: dict[tuple[str, str], list[int]] = defaultdict(list)
    for col, (need, candidate) in enumerate(model.pairs):
        columns[candidate.person_id].append(col)
        by_need[need.request_id].append(col)
        by_link[candidate.person_id, need.project_id].append(col)
    model.links = sorted(link for link, cols in by_link.items() if len(cols) > 1)

    objective = [float(-pair_points(problem, c, n)) for n, c in model.pairs]
    linked = {col for link in model.links for col in by_link[link]}
    objective = [v - REUSE if col in linked else v for col, v in enumerate(objective)]
    objective += [float(REUSE)] * len(model.links)

    for person in sorted(columns):
        for needs, spare in _capacity_rows(model, problem.person[person], columns[person]):
            model.add([(col, float(model.pairs[col][0].hours_per_week)) for col in needs], spare)
            model.capacity_rows += 1
    for request in sorted(by_need):
        if len(by_need[request]) > 1:
            model.add([(col, 1.0) for col in by_need[request]], 1.0)
    for k, link in enumerate(model.links, start=len(model.pairs)):
        for col in by_link[link]:
            model.add([(col, 1.0), (k, -1.0)], 0.0)
    return model, np.array(objective)


def _capacity_rows(
    model: _Model, candidate: Candidate, columns: list[int]
) -> list[tuple[tuple[int, ...], float]]:
    """The person's week rows that can bind, aggregated (module doc), in canonical order."""
    covering: dict[str, list[int]] = defaultdict(list)
    for col in columns:
        for week in model.pairs[col][0].weeks:
            covering[week].append(col)
    tightest: dict[frozenset[int], Decimal] = {}
    for week, cols in covering.items():
        spare = candidate.spare(week)
        if sum((model.pairs[c][0].hours_per_week for c in cols), Decimal(0)) <= spare:
            continue
        pattern = frozenset(cols)
        if pattern not in tightest or spare < tightest[pattern]:
            tightest[pattern] = spare
    kept: list[tuple[frozenset[int], Decimal]] = []
    for pattern, spare in sorted(tightest.items(), key=lambda r: (-len(r[0]), r[1], sorted(r[0]))):
        if not any(pattern <= other and bound <= spare for other, bound in kept):
            kept.append((pattern, spare))
    return sorted((tuple(sorted(p)), float(s)) for p, s in kept)


def solve_optimal(problem: StaffingProblem, *, time_limit: float = TIME_LIMIT) -> StaffingPlan:
    """The plan of greatest value (module doc), explained. `seconds` covers building, solving
    and checking, not the explanations."""
    started = time.perf_counter()
    model, objective = build(problem)
    x_count = len(model.pairs)
    for _ in range(MAX_REPAIRS + 1):
        if model.size == 0:
            return _plan(problem, {}, True, "highs", started)
        remaining = max(time_limit - (time.perf_counter() - started), 0.01)
        result = _solve(model, objective, remaining)
        if result.x is None:
            return _unproven(problem, {}, started, _bound(result))
        x: npt.NDArray[np.float64] = np.asarray(result.x)
        chosen = {
            model.pairs[k][0].request_id: model.pairs[k][1].person_id
            for k in range(x_count)
            if x[k] > 0.5
        }
        broken = violations(problem, pairs_of(chosen))
        if not broken:
            if result.status == 0:
                return _plan(problem, chosen, True, "highs", started)
            return _unproven(problem, chosen, started, _bound(result))
        cuts = _covers(problem, model, chosen)
        if not cuts:  # not an overbooking by a hair: nothing sound to cut, so do not trust it
            break
        for cover in cuts:
            model.add([(col, 1.0) for col in cover], float(len(cover) - 1))
    raise StaffingSolverError(
        "the solver's plans kept overbooking someone after the repair cuts", violations=broken
    )


def _covers(
    problem: StaffingProblem, model: _Model, chosen: dict[str, str]
) -> list[tuple[int, ...]]:
    column = {(n.request_id, c.person_id): k for k, (n, c) in enumerate(model.pairs)}
    booked: dict[tuple[str, str], list[Need]] = defaultdict(list)
    for request, person in sorted(chosen.items()):
        for week in problem.need[request].weeks:
            booked[person, week].append(problem.need[request])
    found: list[tuple[int, ...]] = []
    for (person, week), needs in sorted(booked.items()):
        spare = problem.person[person].spare(week)
        if sum((n.hours_per_week for n in needs), Decimal(0)) <= spare:
            continue
        cover: list[int] = []
        total = Decimal(0)
        for need in sorted(needs, key=lambda n: (-n.hours_per_week, n.request_id)):
            cover.append(column[need.request_id, person])
            total += need.hours_per_week
            if total > spare:
                break
        found.append(tuple(sorted(cover)))
    return found


def _bound(result: Any) -> Decimal | None:
    """The greatest value HiGHS had not ruled out when it stopped (module doc), if it said."""
    dual = getattr(result, "mip_dual_bound", None)
    if dual is None or not np.isfinite(dual):
        return None
    return Decimal(str(-float(dual)))


def gap_percent(value: Decimal, bound: Decimal | None) -> Decimal | None:
    """How far `value` may be below the best: (bound − value) / bound, in percent."""
    if bound is None or bound <= 0:
        return None
    return (max(bound - value, Decimal(0)) / bound * 100).quantize(Decimal("0.01"))


def _unproven(
    problem: StaffingProblem, incumbent: dict[str, str], started: float, bound: Decimal | None
) -> StaffingPlan:
    """Stopped before proving optimality: the solver's best plan, or the greedy one if better,
    with its gap to the solver's bound."""
    greedy = greedy_pairs(problem)
    if value_of(problem, pairs_of(greedy)) > value_of(problem, pairs_of(incumbent)):
        plan = _plan(problem, greedy, False, "greedy", started)
    else:
        plan = _plan(problem, incumbent, False, "highs", started)
    return replace(plan, mip_gap_percent=gap_percent(plan.value, bound))


def _plan(
    problem: StaffingProblem, chosen: dict[str, str], optimal: bool, solver: str, started: float
) -> StaffingPlan:
    seconds = time.perf_counter() - started
    return assemble(problem, chosen, optimal=optimal, solver=solver, seconds=seconds)


def _solve(model: _Model, objective: npt.NDArray[np.float64], time_limit: float) -> Any:
    constraints = (
        [LinearConstraint(model.matrix(), -np.inf, np.array(model.upper))] if model.upper else []
    )
    return milp(
        objective,
        integrality=np.ones(model.size),
        bounds=Bounds(np.zeros(model.size), np.ones(model.size)),
        constraints=constraints,
        options={"disp": False, "time_limit": time_limit, "mip_rel_gap": 0.0},
    )
