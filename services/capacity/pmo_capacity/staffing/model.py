"""The staffing problem and its answer: who can take which open resource request.

Vocabulary of the capacity domain: weeks are ISO weeks ("2027-W05"), roles are `PersonRole`
values, skills are names (compared casefolded) with a level 1 (notions) to 5 (expert), hours
are `Decimal`. A candidate's `spare_hours` is what is still free in a week once the
allocations they already hold are taken off their availability; a week they do not list has
none. Inputs are validated and frozen here (mappings become read-only, skill names
casefolded), so the solvers can trust them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType
from typing import Literal

from pmo_capacity.domain.model import HOURS_PER_WEEK_MAX
from pmo_kernel.errors import DomainError, PmoError

WEEK = re.compile(r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")
HUNDREDTH = Decimal("0.01")

# The objective's weights (milp module doc): per filled need, at most FIT_CAP points of skill
# fit, ON_PROJECT points if the person already works on the project, and REUSE points when the
# project's requests share a person; one quantum of effort is worth more than all of them.
FIT_CAP = 4
ON_PROJECT = 2
REUSE = 3
SECONDARY_PER_NEED = FIT_CAP + ON_PROJECT + REUSE


class InvalidStaffingProblem(DomainError):
    """The problem is malformed: the message lists every defect found."""

    code = "invalid_staffing_problem"
    title = "Invalid staffing problem"


class StaffingSolverError(PmoError):
    """The solver kept answering plans that overbook someone by a float hair, even after the
    cuts meant to exclude them: no plan is returned rather than an overbooking one."""

    code = "staffing_solver_error"
    title = "Staffing optimiser failed"


def _hours(value: Decimal) -> bool:
    """Hours of a week are 0 to 168, in hundredths (as the capacity domain keeps them)."""
    return value.is_finite() and 0 <= value <= HOURS_PER_WEEK_MAX and value % HUNDREDTH == 0


def _frozen(mapping: Mapping[str, Decimal]) -> MappingProxyType[str, Decimal]:
    return MappingProxyType({week: Decimal(hours) for week, hours in sorted(mapping.items())})


def _skills(skills: Mapping[str, int]) -> MappingProxyType[str, int]:
    return MappingProxyType(
        {name.strip().casefold(): level for name, level in sorted(skills.items())}
    )


@dataclass(frozen=True)
class Candidate:
    """A person as the optimiser sees them."""

    person_id: str
    name: str
    roles: frozenset[str]  # PersonRole values
    skills: Mapping[str, int]  # skill name (casefolded) -> level 1..5
    spare_hours: Mapping[str, Decimal]  # ISO week -> hours still free; missing week = 0
    projects: frozenset[str] = frozenset()  # projects they already work on (continuity)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(self.roles))
        object.__setattr__(self, "skills", _skills(self.skills))
        object.__setattr__(self, "spare_hours", _frozen(self.spare_hours))
        object.__setattr__(self, "projects", frozenset(self.projects))

    def spare(self, week: str) -> Decimal:
        return self.spare_hours.get(week, Decimal(0))

    def qualifies_for(self, need: Need) -> bool:
        """Eligible: has the need's role and every required skill at least at its level."""
        return need.role in self.roles and all(
            self.skills.get(skill, 0) >= level for skill, level in need.skills.items()
        )

    def has_room_for(self, need: Need) -> bool:
        """Their spare hours take the need on its own in every one of its weeks."""
        return all(self.spare(week) >= need.hours_per_week for week in need.weeks)

    def short_weeks(self, need: Need) -> tuple[str, ...]:
        """The need's weeks in which they have fewer spare hours than it asks."""
        return tuple(w for w in need.weeks if self.spare(w) < need.hours_per_week)

    def defects(self) -> list[str]:
        found = []
        if not self.person_id:
            found.append("a candidate has an empty person_id")
        for skill, level in self.skills.items():
            if not 1 <= level <= 5:
                found.append(f"{self.person_id}: skill {skill} level {level} is not 1..5")
        for week, hours in self.spare_hours.items():
            if not WEEK.match(week):
                found.append(f"{self.person_id}: {week!r} is not an ISO week")
            if not _hours(hours):
                found.append(f"{self.person_id}: {hours} spare hours in {week} (0-168, in 0.01)")
        return found


@dataclass(frozen=True)
class Need:
    """An open resource request: one person with `role` and every skill in `skills` at least
    at its level, for `hours_per_week` in each of `weeks`."""

    request_id: str
    project_id: str
    role: str
    skills: Mapping[str, int]  # required skill -> minimum level (may be empty)
    weeks: tuple[str, ...]  # ISO weeks, ascending
    hours_per_week: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "skills", _skills(self.skills))
        object.__setattr__(self, "weeks", tuple(self.weeks))
        object.__setattr__(self, "hours_per_week", Decimal(self.hours_per_week))

    @property
    def effort(self) -> Decimal:
        """Hours over the whole request: what filling it delivers."""
        return self.hours_per_week * len(self.weeks)

    def defects(self) -> list[str]:
        found = []
        if not self.request_id:
            found.append("a need has an empty request_id")
        if not (self.role and self.project_id):
            found.append(f"{self.request_id}: a need names its role and its project")
        if not self.weeks:
            found.append(f"{self.request_id}: no weeks")
        bad = [w for w in self.weeks if not WEEK.match(w)]
        if bad:
            found.append(f"{self.request_id}: not ISO weeks: {', '.join(map(repr, bad))}")
        elif list(self.weeks) != sorted(set(self.weeks)):
            found.append(f"{self.request_id}: weeks must be ascending and distinct")
        if not (_hours(self.hours_per_week) and self.hours_per_week > 0):
            found.append(
                f"{self.request_id}: {self.hours_per_week} h/week (0-168 and > 0, in 0.01)"
            )
        for skill, level in self.skills.items():
            if not 1 <= level <= 5:
                found.append(f"{self.request_id}: skill {skill} minimum {level} is not 1..5")
        return found


@dataclass(frozen=True)
class StaffingProblem:
    """Which candidate fills which need (module docs of `milp` for the objective). Raises
    `InvalidStaffingProblem` naming every defect: duplicate ids, hours that are not positive
    hundredths, empty or unordered weeks, levels outside 1..5."""

    candidates: tuple[Candidate, ...]
    needs: tuple[Need, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "candidates", tuple(self.candidates))
        object.__setattr__(self, "needs", tuple(self.needs))
        found: list[str] = []
        for kind, ids in (
            ("person", [c.person_id for c in self.candidates]),
            ("request", [n.request_id for n in self.needs]),
        ):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                found.append(f"duplicate {kind} ids: {', '.join(repeated)}")
        for candidate in self.candidates:
            found += candidate.defects()
        for need in self.needs:
            found += need.defects()
        if found:
            raise InvalidStaffingProblem("; ".join(found), defects=found)

    # Canonical orders and indexes, computed once per (immutable) problem: every solver and
    # explanation walks these, never the caller's list order.

    @cached_property
    def people(self) -> tuple[Candidate, ...]:
        return tuple(sorted(self.candidates, key=lambda c: c.person_id))

    @cached_property
    def requests(self) -> tuple[Need, ...]:
        return tuple(sorted(self.needs, key=lambda n: n.request_id))

    @cached_property
    def person(self) -> Mapping[str, Candidate]:
        return {c.person_id: c for c in self.people}

    @cached_property
    def need(self) -> Mapping[str, Need]:
        return {n.request_id: n for n in self.requests}

    @cached_property
    def eligible(self) -> Mapping[str, tuple[str, ...]]:
        """Request id -> the ids of the people eligible for it, by person id."""
        return {
            n.request_id: tuple(c.person_id for c in self.people if c.qualifies_for(n))
            for n in self.requests
        }

    @cached_property
    def effort_quantum(self) -> Decimal:
        """The greatest common divisor of the needs' efforts (hours): two sets of needs that
        deliver different effort differ by at least this much."""
        cents = [int(n.effort / HUNDREDTH) for n in self.requests]
        return Decimal(math.gcd(*cents) or 1) * HUNDREDTH

    @cached_property
    def points_per_quantum(self) -> int:
        """W: more than the most that skill fit and continuity can add up to over all needs,
        so one more quantum of filled effort outweighs any of them."""
        return SECONDARY_PER_NEED * len(self.needs) + 1


@dataclass(frozen=True)
class Alternative:
    """Someone else who could have taken the request on their own (eligible, with room in
    every week before this plan), with the value the pair would bring and why they were not
    chosen."""

    person_id: str
    name: str
    value: Decimal
    why_not: str


@dataclass(frozen=True)
class Assignment:
    """A need filled whole by one person. `value` is the pair's own part of the objective
    (effort, skill fit, already on the project); `reasons` say why this person."""

    request_id: str
    person_id: str
    value: Decimal
    reasons: tuple[str, ...] = ()
    alternatives: tuple[Alternative, ...] = ()


UnfilledKind = Literal["no_role", "no_skill", "no_room", "taken"]


@dataclass(frozen=True)
class Unfilled:
    """A need left unfilled, and why:

    - ``no_role``: nobody has the role;
    - ``no_skill``: some have the role, nobody also has every skill at its level;
    - ``no_room``: everyone eligible lacks spare hours in some of its weeks (named);
    - ``taken``: someone eligible had room, but the plan gives it to other requests."""

    request_id: str
    project_id: str
    role: str
    effort: Decimal
    kind: UnfilledKind
    reason: str


@dataclass(frozen=True)
class StaffingPlan:
    """Assignments (by request id), the needs left unfilled (by request id) with their reason,
    the plan's value (`value_of`), and how the solver ended."""

    assignments: tuple[Assignment, ...]
    unfilled: tuple[Unfilled, ...]
    value: Decimal
    optimal: bool  # proven optimal by the MILP; never for greedy
    solver: str  # "highs", "greedy"
    seconds: float
    filled_hours: Decimal  # Σ effort of the assigned needs
    # Not proven optimal: how far the plan's value may be below the best, in percent of the
    # solver's upper bound on it (HiGHS's dual bound when it stopped); None when proven or unknown.
    mip_gap_percent: Decimal | None = None

    def person_of(self, request_id: str) -> str | None:
        for assignment in self.assignments:
            if assignment.request_id == request_id:
                return assignment.person_id
        return None

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """(request id, person id) per assignment, by request id."""
        return tuple((a.request_id, a.person_id) for a in self.assignments)


@dataclass(frozen=True)
class UnfilledDemand:
    """Unfilled hours of one role (and one required skill, or None for needs requiring no
    skill) in one month ("2027-03"), with the requests they come from."""

    role: str
    skill: str | None
    month: str
    hours: Decimal
    requests: tuple[str, ...]
