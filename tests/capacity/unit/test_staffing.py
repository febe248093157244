"""Staffing: each open request filled whole by one eligible person with the room for it, the
most effort first, then skill fit and continuity; never an overbooking; every assignment,
alternative and unfilled request explained."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pmo_capacity.staffing import (
    InvalidStaffingProblem,
    Pair,
    StaffingPlan,
    StaffingProblem,
    UnfilledDemand,
    solve_greedy,
    solve_optimal,
    unfilled_demand,
    value_of,
    violations,
)
from tests.capacity.unit.staffing_helpers import WEEKS, need, person


def staffing(*items: object) -> StaffingProblem:
    from pmo_capacity.staffing import Candidate, Need

    return StaffingProblem(
        candidates=tuple(i for i in items if isinstance(i, Candidate)),
        needs=tuple(i for i in items if isinstance(i, Need)),
    )


def both(problem: StaffingProblem) -> list[StaffingPlan]:
    return [solve_optimal(problem), solve_greedy(problem)]


def test_the_need_goes_to_the_person_who_has_the_skill() -> None:
    problem = staffing(
        person("ann", skills={"python": 2}),
        person("bob", skills={"Python": 4}),  # skill names compare casefolded
        need("r1", skills={"python": 3}),
    )
    for plan in both(problem):
        (assignment,) = plan.assignments
        assert (assignment.request_id, assignment.person_id) == ("r1", "bob")
        assert assignment.reasons[:2] == ("has the role developer", "skills python 4 (needs 3)")
        assert assignment.reasons[-1] == "20 h spare left in its tightest week 2027-W01"
        assert assignment.alternatives == ()  # ann lacks the level: not an alternative
        assert plan.unfilled == ()
        assert plan.filled_hours == Decimal(80)


def test_the_optimum_is_proven_and_named() -> None:
    plan = solve_optimal(staffing(person("ann"), need("r1")))
    assert (plan.optimal, plan.solver) == (True, "highs")
    greedy = solve_greedy(staffing(person("ann"), need("r1")))
    assert (greedy.optimal, greedy.solver) == (False, "greedy")
    assert plan.seconds >= 0
    assert greedy.seconds >= 0


def test_nobody_is_ever_overbooked_and_the_request_left_over_says_who_took_the_room() -> None:
    problem = staffing(
        person("ann"),
        need("r1", hours=30, weeks=WEEKS[:4]),
        need("r2", hours=30, weeks=WEEKS[2:6]),  # overlaps r1 in W03-W04
    )
    for plan in both(problem):
        assert violations(problem, plan.assignments) == []
        assert len(plan.assignments) == 1
        (left,) = plan.unfilled
        taken = plan.assignments[0].request_id
        assert left.kind == "taken"
        assert left.reason == (
            f"those with room are booked by the plan: ann on {taken} in 2027-W03–2027-W04"
        )


def test_a_need_nobody_has_the_skill_for_is_left_unfilled_with_the_reason() -> None:
    problem = staffing(
        person("ann", skills={"python": 3}),
        person("tom", "tester", skills={"python": 5}),
        need("r1", skills={"python": 4, "sql": 2}),
        need("r2", "architect"),
    )
    for plan in both(problem):
        assert plan.assignments == ()
        no_skill, no_role = plan.unfilled
        assert (no_skill.request_id, no_skill.kind) == ("r1", "no_skill")
        assert no_skill.reason == "no developer has python ≥ 4 and sql ≥ 2"
        assert (no_role.request_id, no_role.kind) == ("r2", "no_role")
        assert no_role.reason == "nobody has the role architect"
        assert no_skill.effort == Decimal(80)


def test_a_need_everyone_eligible_is_full_for_names_the_weeks() -> None:
    problem = staffing(
        person("ann", spare={"2027-W01": 40, "2027-W02": 10, "2027-W03": 10, "2027-W04": 40}),
        person("bob", spare={"2027-W01": 40, "2027-W02": 40, "2027-W03": 40}),  # W04: none
        need("r1", hours=20),
    )
    for plan in both(problem):
        (left,) = plan.unfilled
        assert left.kind == "no_room"
        assert left.reason == (
            "everyone eligible is full: ann in 2027-W02–2027-W03, bob in 2027-W04"
        )


def test_a_projects_requests_stay_with_the_same_person_when_possible() -> None:
    problem = staffing(
        person("ann"),
        person("bob"),
        need("r1", weeks=WEEKS[:4]),
        need("r2", weeks=WEEKS[4:]),
        need("r3", project="crm", weeks=WEEKS[:4]),
    )
    for plan in both(problem):
        assert plan.person_of("r1") == plan.person_of("r2")
        shared = next(a for a in plan.assignments if a.request_id == "r2")
        assert "also staffed on erp's r1" in shared.reasons


def test_someone_already_on_the_project_is_preferred() -> None:
    problem = staffing(
        person("ann"),
        person("bob", projects=frozenset({"erp"})),
        need("r1", weeks=WEEKS[:4]),
        need("r2", weeks=WEEKS[4:]),
    )
    for plan in both(problem):
        assert plan.pairs == (("r1", "bob"), ("r2", "bob"))
        assert "already works on erp" in plan.assignments[0].reasons


def test_more_filled_effort_always_beats_better_fit_and_continuity() -> None:
    # ann can take the big request, or both small ones (each a perfect fit, on her project):
    # 80 h of effort beats 64 h whatever the fit.
    problem = staffing(
        person("ann", skills={"sql": 5}, projects=frozenset({"crm"})),
        need("big", hours=40, weeks=WEEKS[:2]),
        need("s1", project="crm", skills={"sql": 1}, hours=16, weeks=WEEKS[:2]),
        need("s2", project="crm", skills={"sql": 1}, hours=16, weeks=WEEKS[:2]),
    )
    plan = solve_optimal(problem)
    assert plan.pairs == (("big", "ann"),)
    assert plan.filled_hours == Decimal(80)


def test_the_optimum_fills_what_the_greedy_baseline_blocks() -> None:
    # Greedy gives the largest request to the first person with room, ann, who was the only
    # one able to take r2; the optimum gives r1 to bob instead.
    problem = staffing(
        person("ann", skills={"sap": 3}),
        person("bob"),
        need("r1", hours=40, weeks=WEEKS[:3]),
        need("r2", skills={"sap": 3}, hours=40, weeks=WEEKS[:2]),
    )
    greedy, optimal = solve_greedy(problem), solve_optimal(problem)
    assert greedy.pairs == (("r1", "ann"),)
    assert optimal.pairs == (("r1", "bob"), ("r2", "ann"))
    assert optimal.value > greedy.value
    (alternative,) = next(a for a in greedy.assignments if a.request_id == "r1").alternatives
    assert alternative.person_id == "bob"
    assert alternative.why_not == ("as good for the plan; ann taken on the tie (person id order)")


def test_alternatives_are_named_best_first_with_why_they_were_not_chosen() -> None:
    problem = staffing(
        person("ann", skills={"python": 5}),
        person("bob", skills={"python": 4}),
        person("cat", skills={"python": 3}),
        person("dan", skills={"python": 5}, spare=10),  # no room for it: no alternative
        person("eve", skills={"python": 5}),
        need("r1", skills={"python": 3}),
        need("r2", skills={"python": 5}, hours=40, project="crm"),
    )
    plan = solve_optimal(problem)
    r1 = next(a for a in plan.assignments if a.request_id == "r1")
    r2 = next(a for a in plan.assignments if a.request_id == "r2")
    assert {r1.person_id, r2.person_id} == {"ann", "eve"}  # both 5s: best fit for r1 too
    names = [(alt.person_id, alt.value - r1.value) for alt in r1.alternatives]
    assert names == [(r2.person_id, Decimal(0)), ("bob", Decimal(-1)), ("cat", Decimal(-2))]
    booked, bob, cat = r1.alternatives
    assert booked.why_not == "booked by the plan: r2 in 2027-W01–2027-W04"
    assert bob.why_not == "1 points less for the plan (skill fit 1 vs 2)"
    assert cat.why_not == "2 points less for the plan (skill fit 0 vs 2)"
    assert bob.name == "Bob"


def test_unfilled_demand_is_summed_by_role_skill_and_month() -> None:
    problem = staffing(
        person("ann"),
        # W04 has its Thursday in January, W05 in February.
        need("r1", "tester", skills={"sql": 2, "java": 3}, weeks=("2027-W04", "2027-W05")),
        need("r2", "tester", hours=8, weeks=("2027-W05", "2027-W06")),
        need("r3", "tester", skills={"sql": 3}, hours=4, weeks=("2027-W05",)),
    )
    plan = solve_optimal(problem)
    assert unfilled_demand(problem, plan) == (
        UnfilledDemand("tester", None, "2027-02", Decimal(16), ("r2",)),
        UnfilledDemand("tester", "java", "2027-01", Decimal(20), ("r1",)),
        UnfilledDemand("tester", "java", "2027-02", Decimal(20), ("r1",)),
        UnfilledDemand("tester", "sql", "2027-01", Decimal(20), ("r1",)),
        UnfilledDemand("tester", "sql", "2027-02", Decimal(24), ("r1", "r3")),
    )
    assert unfilled_demand(problem, solve_optimal(staffing(person("ann"), need("r1")))) == ()


def test_the_value_is_effort_first_then_fit_and_continuity() -> None:
    # One need: the effort quantum is its whole effort (1 unit), W = 9 x 1 + 1 = 10 points;
    # fit python 5 vs 3 = 2; already on the project = 2.
    problem = staffing(
        person("ann", skills={"python": 5}, projects=frozenset({"erp"})),
        need("r1", skills={"python": 3}),
    )
    assert value_of(problem, [Pair("r1", "ann")]) == Decimal(14)
    assert solve_optimal(problem).value == Decimal(14)
    assert value_of(problem, []) == Decimal(0)


def test_violations_are_measured_exactly() -> None:
    problem = staffing(
        person("ann", spare=dict.fromkeys(WEEKS, "39.99")),
        person("bob", "tester"),
        need("r1", hours="20.00"),
        need("r2", hours="19.99"),
        need("r3", skills={"sql": 1}),
    )
    assert violations(problem, [Pair("r1", "ann"), Pair("r2", "ann")]) == []
    broken = [Pair("r1", "ann"), Pair("r3", "ann"), Pair("r1", "bob"), Pair("r9", "ann")]
    assert violations(problem, broken) == [
        "r9 -> ann names an unknown request or person",
        "r1 is assigned more than once (ann, bob)",
        "bob lacks the role developer for r1",
        "ann has sql 0, r3 needs 1",
        *(f"ann overbooked in {w}: 40.00 h for 39.99 h spare (r1, r3)" for w in WEEKS[:4]),
    ]


def test_a_malformed_problem_is_refused_naming_every_defect() -> None:
    with pytest.raises(InvalidStaffingProblem) as refused:
        staffing(
            person("ann"),
            person("ann"),
            need("r1", hours=0),
            need("r2", weeks=()),
            need("r3", weeks=("2027-W03", "2027-W02")),
            need("r4", skills={"sql": 6}),
            need("r5", hours="7.125"),
        )
    assert refused.value.extensions["defects"] == [
        "duplicate person ids: ann",
        "r1: 0 h/week (0-168 and > 0, in 0.01)",
        "r2: no weeks",
        "r3: weeks must be ascending and distinct",
        "r4: skill sql minimum 6 is not 1..5",
        "r5: 7.125 h/week (0-168 and > 0, in 0.01)",
    ]
    with pytest.raises(InvalidStaffingProblem, match="unknown"):
        value_of(staffing(person("ann")), [Pair("r9", "ann")])


def test_an_empty_problem_has_an_empty_optimal_plan() -> None:
    plan = solve_optimal(staffing(person("ann")))
    assert (plan.assignments, plan.unfilled, plan.optimal) == ((), (), True)
    assert plan.value == Decimal(0)


def test_an_overbooking_by_the_solver_is_cut_with_the_fewest_largest_requests() -> None:
    from pmo_capacity.staffing.milp import _covers, build

    problem = staffing(
        person("ann", spare=40),
        need("r1", hours=30),
        need("r2", hours=8),
        need("r3", hours=12),
    )
    model, _ = build(problem)
    column = {n.request_id: k for k, (n, _) in enumerate(model.pairs)}
    # All three take 50 h of ann's 40 in each of W01-W04: r1 and r3 (42 h) already overrun.
    cuts = _covers(problem, model, {"r1": "ann", "r2": "ann", "r3": "ann"})
    assert cuts == [tuple(sorted((column["r1"], column["r3"])))] * 4
    assert _covers(problem, model, {"r1": "ann", "r2": "ann"}) == []


def test_a_solve_stopped_by_its_time_limit_still_returns_a_valid_plan_no_worse_than_greedy() -> (
    None
):
    from bench.staffing import generate

    problem = generate(300, 240)
    plan = solve_optimal(problem, time_limit=0.01)  # proven or not, depending on the machine
    assert violations(problem, plan.assignments) == []
    assert plan.value >= solve_greedy(problem).value
    assert plan.solver == "highs" or not plan.optimal
