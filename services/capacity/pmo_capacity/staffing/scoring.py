"""The one objective both solvers are judged by, and the exact feasibility check, in `Decimal`.

    value = Σ_assigned [ W · effort_n / q  +  fit(p, n)  +  ON_PROJECT · [n's project ∈ p's] ]
            + REUSE · Σ_projects (requests filled − distinct people filling them)

q is the effort quantum (`StaffingProblem.effort_quantum`), W the points per quantum
(`points_per_quantum`), fit the levels above the required minima (capped at FIT_CAP). The
first two terms of a pair are its own value (`pair_value`); the reuse term belongs to the plan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from pmo_capacity.staffing.model import (
    FIT_CAP,
    ON_PROJECT,
    REUSE,
    Candidate,
    InvalidStaffingProblem,
    Need,
    StaffingProblem,
)


@dataclass(frozen=True, slots=True)
class Pair:
    """A bare (request, person) pair, as the solvers produce them."""

    request_id: str
    person_id: str


def pairs_of(chosen: Mapping[str, str]) -> list[Pair]:
    """request id -> person id, as pairs by request id."""
    return [Pair(r, p) for r, p in sorted(chosen.items())]


class Staffed(Protocol):
    """A (request, person) pair: an `Assignment`, or anything shaped like one."""

    @property
    def request_id(self) -> str: ...

    @property
    def person_id(self) -> str: ...


def fit(candidate: Candidate, need: Need) -> int:
    """Skill levels above the required minima, summed, capped at FIT_CAP."""
    above = sum(candidate.skills.get(skill, 0) - level for skill, level in need.skills.items())
    return max(0, min(above, FIT_CAP))


def effort_units(problem: StaffingProblem, need: Need) -> int:
    return int(need.effort / problem.effort_quantum)


def pair_points(problem: StaffingProblem, candidate: Candidate, need: Need) -> int:
    on_project = ON_PROJECT if need.project_id in candidate.projects else 0
    return (
        problem.points_per_quantum * effort_units(problem, need) + fit(candidate, need) + on_project
    )


def pair_value(problem: StaffingProblem, candidate: Candidate, need: Need) -> Decimal:
    return Decimal(pair_points(problem, candidate, need))


def _resolved(
    problem: StaffingProblem, assignments: Iterable[Staffed]
) -> tuple[list[tuple[Candidate, Need]], list[str]]:
    """The pairs naming a known person and request, and a sentence per one that does not."""
    pairs = []
    unknown = []
    for a in assignments:
        candidate, need = problem.person.get(a.person_id), problem.need.get(a.request_id)
        if candidate is None or need is None:
            unknown.append(f"{a.request_id} -> {a.person_id} names an unknown request or person")
        else:
            pairs.append((candidate, need))
    return pairs, sorted(unknown)


def value_of(problem: StaffingProblem, assignments: Iterable[Staffed]) -> Decimal:
    """The plan's value (module doc), whether feasible or not (see `violations`). Raises
    `InvalidStaffingProblem` when an assignment names an unknown request or person."""
    pairs, unknown = _resolved(problem, assignments)
    if unknown:
        raise InvalidStaffingProblem("; ".join(unknown), defects=unknown)
    filled: dict[str, int] = defaultdict(int)
    people: dict[str, set[str]] = defaultdict(set)
    points = 0
    for candidate, need in pairs:
        points += pair_points(problem, candidate, need)
        filled[need.project_id] += 1
        people[need.project_id].add(candidate.person_id)
    points += REUSE * sum(filled[p] - len(people[p]) for p in filled)
    return Decimal(points)


def violations(problem: StaffingProblem, assignments: Iterable[Staffed]) -> list[str]:
    """Every rule the assignments break, exactly (empty: a valid plan), in a fixed order:
    unknown requests or people, requests assigned more than once, ineligible pairs, then
    overbooked person-weeks."""
    resolved, found = _resolved(problem, assignments)
    pairs = sorted(resolved, key=lambda p: (p[1].request_id, p[0].person_id))
    by_request: dict[str, list[str]] = defaultdict(list)
    for candidate, need in pairs:
        by_request[need.request_id].append(candidate.person_id)
    for request, persons in sorted(by_request.items()):
        if len(persons) > 1:
            found.append(f"{request} is assigned more than once ({', '.join(persons)})")
    for candidate, need in pairs:
        if need.role not in candidate.roles:
            found.append(f"{candidate.person_id} lacks the role {need.role} for {need.request_id}")
        for skill, level in need.skills.items():
            held = candidate.skills.get(skill, 0)
            if held < level:
                found.append(
                    f"{candidate.person_id} has {skill} {held}, {need.request_id} needs {level}"
                )
    booked: dict[tuple[str, str], list[Need]] = defaultdict(list)
    for candidate, need in pairs:
        for week in need.weeks:
            booked[candidate.person_id, week].append(need)
    for (person, week), needs in sorted(booked.items()):
        hours = sum((n.hours_per_week for n in needs), Decimal(0))
        spare = problem.person[person].spare(week)
        if hours > spare:
            requests = ", ".join(n.request_id for n in needs)
            found.append(
                f"{person} overbooked in {week}: {hours} h for {spare} h spare ({requests})"
            )
    return found
