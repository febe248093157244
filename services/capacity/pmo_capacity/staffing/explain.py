"""Why this plan: reasons per assignment, the alternatives, and why each unfilled need is.

Computed after solving, from the problem and the chosen pairs alone, the same way for both
solvers:

- reasons: the role, the skill levels held against those required, continuity (already on the
  project, other requests of the project given to the same person), and the spare hours the
  person keeps in the need's tightest week;
- alternatives: the other eligible people who had room for the need on their own (before this
  plan), by pair value descending then person id, at most `ALTERNATIVES`; each says why not:
  the plan books them in some of the need's weeks (named, with the requests), or the swap is
  worth less for the plan (how much, and what it loses), or as much (a tie);
- unfilled: nobody has the role; nobody with the role has every skill; everyone eligible is
  short of spare hours in some of its weeks (named per person); or the people who had room
  are booked by the plan in the weeks named.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from pmo_capacity.staffing.model import (
    Alternative,
    Assignment,
    Candidate,
    Need,
    StaffingPlan,
    StaffingProblem,
    Unfilled,
    UnfilledKind,
)
from pmo_capacity.staffing.scoring import fit, pair_value, pairs_of, value_of

ALTERNATIVES = 3
LISTED = 4  # people or requests named in one reason before "and N more"


def assemble(
    problem: StaffingProblem,
    chosen: Mapping[str, str],
    *,
    optimal: bool,
    solver: str,
    seconds: float,
) -> StaffingPlan:
    """The explained plan for `chosen` (request id -> person id), which must be valid."""
    booked: dict[str, dict[str, list[Need]]] = defaultdict(lambda: defaultdict(list))
    for request, person in chosen.items():
        need = problem.need[request]
        for week in need.weeks:
            booked[person][week].append(need)
    explainer = _Explainer(problem, dict(chosen), booked)
    assignments = tuple(
        explainer.assignment(problem.need[request], problem.person[chosen[request]])
        for request in sorted(chosen)
    )
    unfilled = tuple(explainer.unfilled(n) for n in problem.requests if n.request_id not in chosen)
    return StaffingPlan(
        assignments=assignments,
        unfilled=unfilled,
        value=explainer.value,
        optimal=optimal,
        solver=solver,
        seconds=seconds,
        filled_hours=sum((problem.need[r].effort for r in chosen), Decimal(0)),
    )


class _Explainer:
    def __init__(
        self,
        problem: StaffingProblem,
        chosen: dict[str, str],
        booked: Mapping[str, Mapping[str, list[Need]]],
    ) -> None:
        self.problem = problem
        self.chosen = chosen
        self.booked = booked
        self.value = value_of(problem, pairs_of(chosen))

    def _hours(self, person: str, week: str, without: str | None = None) -> Decimal:
        needs = self.booked.get(person, {}).get(week, [])
        return sum((n.hours_per_week for n in needs if n.request_id != without), Decimal(0))

    # -- assignments ---------------------------------------------------------------------------

    def assignment(self, need: Need, candidate: Candidate) -> Assignment:
        return Assignment(
            request_id=need.request_id,
            person_id=candidate.person_id,
            value=pair_value(self.problem, candidate, need),
            reasons=self._reasons(need, candidate),
            alternatives=self._alternatives(need, candidate),
        )

    def _reasons(self, need: Need, candidate: Candidate) -> tuple[str, ...]:
        reasons = [f"has the role {need.role}"]
        if need.skills:
            held = ", ".join(
                f"{skill} {candidate.skills[skill]} (needs {level})"
                for skill, level in need.skills.items()
            )
            reasons.append(f"skills {held}")
        else:
            reasons.append("no skill required")
        if need.project_id in candidate.projects:
            reasons.append(f"already works on {need.project_id}")
        siblings = sorted(
            r
            for r, p in self.chosen.items()
            if p == candidate.person_id
            and r != need.request_id
            and self.problem.need[r].project_id == need.project_id
        )
        if siblings:
            reasons.append(f"also staffed on {need.project_id}'s {_names(siblings)}")
        left, week = min(
            (candidate.spare(w) - self._hours(candidate.person_id, w), w) for w in need.weeks
        )
        reasons.append(f"{left} h spare left in its tightest week {week}")
        return tuple(reasons)

    def _alternatives(self, need: Need, chosen: Candidate) -> tuple[Alternative, ...]:
        others = [
            self.problem.person[p]
            for p in self.problem.eligible[need.request_id]
            if p != chosen.person_id and self.problem.person[p].has_room_for(need)
        ]
        ranked = sorted(others, key=lambda c: (-pair_value(self.problem, c, need), c.person_id))[
            :ALTERNATIVES
        ]
        return tuple(
            Alternative(
                person_id=c.person_id,
                name=c.name,
                value=pair_value(self.problem, c, need),
                why_not=self._why_not(need, chosen, c),
            )
            for c in ranked
        )

    def _why_not(self, need: Need, chosen: Candidate, other: Candidate) -> str:
        clashes = self._clashes(need, other)
        if clashes:
            return f"booked by the plan: {clashes}"
        swapped = dict(self.chosen)
        swapped[need.request_id] = other.person_id
        delta = value_of(self.problem, pairs_of(swapped)) - self.value
        if delta == 0:
            return f"as good for the plan; {chosen.person_id} taken on the tie (person id order)"
        if delta > 0:
            return f"would be worth {delta} points more: a heuristic plan, not an optimum"
        losses = []
        if fit(other, need) < fit(chosen, need):
            losses.append(f"skill fit {fit(other, need)} vs {fit(chosen, need)}")
        if need.project_id in chosen.projects and need.project_id not in other.projects:
            losses.append(f"not on {need.project_id} yet")
        own = pair_value(self.problem, other, need) - pair_value(self.problem, chosen, need)
        if delta < own:
            losses.append(f"breaks continuity on {need.project_id}")
        return f"{-delta} points less for the plan ({'; '.join(losses) or 'lower value'})"

    def _clashes(self, need: Need, person: Candidate) -> str:
        """The need's weeks in which the plan leaves `person` too little room for it, and the
        requests booking them, or "" when they could still take it."""
        weeks = [
            w
            for w in need.weeks
            if person.spare(w) - self._hours(person.person_id, w) < need.hours_per_week
        ]
        if not weeks:
            return ""
        requests = sorted(
            {n.request_id for w in weeks for n in self.booked.get(person.person_id, {}).get(w, [])}
        )
        return f"{_names(requests)} in {_span(need, weeks)}"

    # -- unfilled ------------------------------------------------------------------------------

    def unfilled(self, need: Need) -> Unfilled:
        kind, reason = self._unfilled_reason(need)
        return Unfilled(
            request_id=need.request_id,
            project_id=need.project_id,
            role=need.role,
            effort=need.effort,
            kind=kind,
            reason=reason,
        )

    def _unfilled_reason(self, need: Need) -> tuple[UnfilledKind, str]:
        with_role = [c for c in self.problem.people if need.role in c.roles]
        if not with_role:
            return "no_role", f"nobody has the role {need.role}"
        eligible = [self.problem.person[p] for p in self.problem.eligible[need.request_id]]
        if not eligible:
            wanted = " and ".join(f"{s} ≥ {level}" for s, level in need.skills.items())
            return "no_skill", f"no {need.role} has {wanted}"
        roomy = [c for c in eligible if c.has_room_for(need)]
        if not roomy:
            short = [f"{c.person_id} in {_span(need, c.short_weeks(need))}" for c in eligible]
            return "no_room", f"everyone eligible is full: {_names(short)}"
        booked = []
        for c in roomy:
            clashes = self._clashes(need, c)
            if not clashes:
                return "taken", f"{c.person_id} still has room (the plan is not proven optimal)"
            booked.append(f"{c.person_id} on {clashes}")
        return "taken", f"those with room are booked by the plan: {'; '.join(booked[:LISTED])}" + (
            f"; and {len(booked) - LISTED} more" if len(booked) > LISTED else ""
        )


def _names(items: Sequence[str]) -> str:
    if len(items) <= LISTED:
        return ", ".join(items)
    return ", ".join(items[:LISTED]) + f" and {len(items) - LISTED} more"


def _span(need: Need, weeks: Iterable[str]) -> str:
    """Weeks of the need as runs ("2027-W05–2027-W08, 2027-W11"), consecutive in its list."""
    position = {w: k for k, w in enumerate(need.weeks)}
    runs: list[list[str]] = []
    for week in weeks:
        if runs and position[week] == position[runs[-1][-1]] + 1:
            runs[-1].append(week)
        else:
            runs.append([week])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)
