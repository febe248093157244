"""Unfilled demand: the hours a plan leaves unstaffed, by role, required skill and month.

A week counts in the month holding its Thursday (as an ISO week counts in the year holding
its Thursday), so every week is in exactly one month. A need requiring several skills counts
its hours under each of them (it is unmet demand for each skill); a need requiring none counts
under skill None. So the hours of one role add up over its skill-None rows and any one skill's
rows, not over all rows.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from pmo_capacity.staffing.model import StaffingPlan, StaffingProblem, UnfilledDemand
from pmo_kernel.capacity import month_of


def unfilled_demand(problem: StaffingProblem, plan: StaffingPlan) -> tuple[UnfilledDemand, ...]:
    """Unfilled hours by (role, skill or None, month), sorted by role, then skill (None first),
    then month."""
    hours: dict[tuple[str, str | None, str], Decimal] = defaultdict(Decimal)
    requests: dict[tuple[str, str | None, str], set[str]] = defaultdict(set)
    for unfilled in plan.unfilled:
        need = problem.need[unfilled.request_id]
        skills: list[str | None] = [*need.skills] or [None]
        for week in need.weeks:
            for skill in skills:
                key = (need.role, skill, month_of(week))
                hours[key] += need.hours_per_week
                requests[key].add(need.request_id)
    order = sorted(hours, key=lambda k: (k[0], k[1] is not None, k[1] or "", k[2]))
    return tuple(
        UnfilledDemand(
            role,
            skill,
            month,
            hours[role, skill, month],
            tuple(sorted(requests[role, skill, month])),
        )
        for role, skill, month in order
    )
