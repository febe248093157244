"""On small random problems: neither solver's plan breaks a rule; the optimum is what trying
every plan finds, and never worse than greedy; permuting the problem's lists changes nothing.
The enumeration and its feasibility check are written from the definitions, with plain
integers, independently of the code under test; plans are scored by `value_of`, the
objective's definition."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from typing import TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_capacity.staffing import (
    Candidate,
    Need,
    Pair,
    StaffingPlan,
    StaffingProblem,
    solve_greedy,
    solve_optimal,
    value_of,
    violations,
)

T = TypeVar("T")
WEEKS = ("2027-W01", "2027-W02", "2027-W03", "2027-W04")
ROLES = ("developer", "tester")
SKILLS = ("python", "sql")
PROJECTS = ("erp", "crm")

candidates = st.builds(
    lambda k, roles, skills, spare, projects: Candidate(
        person_id=f"p{k}",
        name=f"Person {k}",
        roles=frozenset(roles),
        skills=skills,
        spare_hours={w: Decimal(h) for w, h in zip(WEEKS, spare, strict=True) if h},
        projects=frozenset(projects),
    ),
    st.integers(0, 99),
    st.sets(st.sampled_from(ROLES), min_size=1),
    st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5)),
    st.tuples(*[st.sampled_from((0, 8, 16, 24, 40))] * len(WEEKS)),
    st.sets(st.sampled_from(PROJECTS)),
)
needs = st.builds(
    lambda k, project, role, skills, start, length, hours: Need(
        request_id=f"r{k}",
        project_id=project,
        role=role,
        skills=skills,
        weeks=WEEKS[start : start + length],
        hours_per_week=Decimal(hours),
    ),
    st.integers(0, 99),
    st.sampled_from(PROJECTS),
    st.sampled_from(ROLES),
    st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 4), max_size=1),
    st.integers(0, len(WEEKS) - 1),
    st.integers(1, len(WEEKS)),
    st.sampled_from(("8", "16", "24", "12.50")),
)
problems = st.builds(
    StaffingProblem,
    st.lists(candidates, min_size=1, max_size=3, unique_by=lambda c: c.person_id).map(tuple),
    st.lists(needs, min_size=1, max_size=4, unique_by=lambda n: n.request_id).map(tuple),
)


def qualifies(person: Candidate, need: Need) -> bool:
    return need.role in person.roles and all(
        person.skills.get(s, 0) >= level for s, level in need.skills.items()
    )


def feasible(problem: StaffingProblem, plan: dict[str, str]) -> bool:
    """Nobody over their spare hours in any week, in hundredths of an hour."""
    for person in problem.candidates:
        for week in WEEKS:
            booked = sum(
                int(n.hours_per_week * 100)
                for n in problem.needs
                if plan.get(n.request_id) == person.person_id and week in n.weeks
            )
            if booked > int(person.spare_hours.get(week, 0) * 100):
                return False
    return True


def brute_force(problem: StaffingProblem) -> Decimal:
    """The best value over every plan: each need to nobody or to one eligible person."""
    options = [
        [None, *(p.person_id for p in problem.candidates if qualifies(p, n))] for n in problem.needs
    ]
    best = Decimal(0)
    for choice in itertools.product(*options):
        plan = {n.request_id: p for n, p in zip(problem.needs, choice, strict=True) if p}
        if feasible(problem, plan):
            best = max(best, value_of(problem, [Pair(r, p) for r, p in plan.items()]))
    return best


def shuffled(problem: StaffingProblem, seed: int) -> StaffingProblem:
    rng = random.Random(seed)

    def mixed(items: tuple[T, ...]) -> tuple[T, ...]:
        return tuple(rng.sample(items, len(items)))

    return StaffingProblem(
        candidates=tuple(
            Candidate(
                person_id=c.person_id,
                name=c.name,
                roles=c.roles,
                skills=dict(mixed(tuple(c.skills.items()))),
                spare_hours=dict(mixed(tuple(c.spare_hours.items()))),
                projects=c.projects,
            )
            for c in mixed(problem.candidates)
        ),
        needs=tuple(
            Need(
                request_id=n.request_id,
                project_id=n.project_id,
                role=n.role,
                skills=dict(mixed(tuple(n.skills.items()))),
                weeks=n.weeks,
                hours_per_week=n.hours_per_week,
            )
            for n in mixed(problem.needs)
        ),
    )


def same(a: StaffingPlan, b: StaffingPlan) -> bool:
    return (a.assignments, a.unfilled, a.value, a.optimal) == (
        b.assignments,
        b.unfilled,
        b.value,
        b.optimal,
    )


@settings(max_examples=40, deadline=None)
@given(problems)
def test_no_plan_from_either_solver_breaks_a_rule(problem: StaffingProblem) -> None:
    for plan in (solve_optimal(problem), solve_greedy(problem)):
        assert violations(problem, plan.assignments) == []
        assert feasible(problem, dict(plan.pairs))
        assert plan.value == value_of(problem, plan.assignments)
        staffed = {a.request_id for a in plan.assignments}
        assert staffed.isdisjoint(u.request_id for u in plan.unfilled)
        assert staffed | {u.request_id for u in plan.unfilled} == {
            n.request_id for n in problem.needs
        }


@settings(max_examples=40, deadline=None)
@given(problems)
def test_the_optimum_is_what_trying_every_plan_finds_and_beats_greedy(
    problem: StaffingProblem,
) -> None:
    optimal = solve_optimal(problem)
    assert optimal.optimal
    assert optimal.value == brute_force(problem)
    assert optimal.value >= solve_greedy(problem).value


@settings(max_examples=40, deadline=None)
@given(problems, st.integers(0, 2**32))
def test_permuting_the_lists_gives_the_same_plan(problem: StaffingProblem, seed: int) -> None:
    other = shuffled(problem, seed)
    assert same(solve_optimal(problem), solve_optimal(other))
    assert same(solve_greedy(problem), solve_greedy(other))
