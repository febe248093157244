"""The greedy baseline: what a resource manager working down a list would do, to measure the
MILP against.

Walk the needs by effort descending (ties by request id); give each to the eligible person
with room left for it in every one of its weeks whose pair adds the most value given the
assignments made so far (its pair value, plus REUSE when that person already took another of
the project's requests; ties by person id); leave it unfilled when nobody has room. Exact
`Decimal` arithmetic throughout, judged by the same `value_of`; the plan is always valid, so
it never beats a proven MILP optimum.
"""

from __future__ import annotations

import time
from collections import defaultdict
from decimal import Decimal

from pmo_capacity.staffing.explain import assemble
from pmo_capacity.staffing.model import REUSE, StaffingPlan, StaffingProblem
from pmo_capacity.staffing.scoring import pair_points


def greedy_pairs(problem: StaffingProblem) -> dict[str, str]:
    """The greedy plan (module doc) as request id -> person id."""
    left = {c.person_id: dict(c.spare_hours) for c in problem.people}
    staffed: dict[str, set[str]] = defaultdict(set)  # project -> people given its requests
    chosen: dict[str, str] = {}
    for need in sorted(problem.requests, key=lambda n: (-n.effort, n.request_id)):
        best: tuple[int, str] | None = None
        for person in problem.eligible[need.request_id]:
            spare = left[person]
            if all(spare.get(w, Decimal(0)) >= need.hours_per_week for w in need.weeks):
                gain = pair_points(problem, problem.person[person], need)
                gain += REUSE if person in staffed[need.project_id] else 0
                if best is None or gain > best[0]:
                    best = (gain, person)
        if best is None:
            continue
        person = best[1]
        chosen[need.request_id] = person
        staffed[need.project_id].add(person)
        for week in need.weeks:
            left[person][week] -= need.hours_per_week
    return chosen


def solve_greedy(problem: StaffingProblem) -> StaffingPlan:
    """The greedy plan, explained like the MILP's (never `optimal`). `seconds` covers the
    greedy pass, not the explanations."""
    started = time.perf_counter()
    chosen = greedy_pairs(problem)
    seconds = time.perf_counter() - started
    return assemble(problem, chosen, optimal=False, solver="greedy", seconds=seconds)
