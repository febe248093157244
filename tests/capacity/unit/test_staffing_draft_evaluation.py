"""A draft judged on the capacity picture now, without touching the store: the optimiser's
value, the hours it fills, what it leaves open and the weeks it would overbook; two plans
side by side; and the property that adopting never overbooks anyone unless told to."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_capacity.application.drafts import (
    Plan,
    book_all,
    compare,
    evaluate,
)
from pmo_capacity.application.staffing import Picture, problem_of
from pmo_capacity.domain import (
    DraftAssignment,
    OverAllocation,
    Person,
    ProposeAllocation,
    RaiseResourceRequest,
    RegisterPerson,
    ReportAvailability,
    RequestSource,
    RequestStatus,
    ResourceRequest,
)
from pmo_capacity.staffing import Pair, value_of
from pmo_kernel.money import Money
from tests.capacity.unit.test_person_availability import calendar

BE = calendar("40")
WEEKS = ("2027-W10", "2027-W11", "2027-W12")


def developer(person_id: str, python: int = 4) -> Person:
    return Person.register(
        person_id,
        RegisterPerson(
            name=person_id.title(), line_manager="marc", team="Delivery", roles=["developer"],
            skills=[{"name": "Python", "level": python}], cost_rate_per_day=Money.of("600"),
            calendar_id="BE",
        ),
        "rita",
    )  # fmt: skip


def request(
    request_id: str, hours: int = 24, start: str = WEEKS[0], end: str = WEEKS[-1]
) -> ResourceRequest:
    return ResourceRequest.raise_request(
        request_id,
        RaiseResourceRequest(
            project_id="erp", role="developer", skills=[{"name": "Python", "min_level": 3}],
            start_week=start, end_week=end, hours_per_week=Decimal(hours),
        ),
        RequestSource.DIRECT,
        "pam",
    )  # fmt: skip


def picture(people: list[Person], requests: list[ResourceRequest]) -> Picture:
    return Picture({p.id: p for p in people}, {"BE": BE}, {r.id: r for r in requests}, 42)


def assigned(request_id: str, person_id: str, hours: int = 24) -> DraftAssignment:
    return DraftAssignment(
        request_id=request_id, project_id="erp", person_id=person_id, start_week=WEEKS[0],
        end_week=WEEKS[-1], hours_per_week=Decimal(hours),
    )  # fmt: skip


def draft(*assignments: DraftAssignment, scope: tuple[str, ...] = ()) -> Plan:
    return Plan("draft", "d-1", 2, scope, assignments)


def test_a_draft_is_valued_as_the_optimiser_values_the_same_pairs() -> None:
    ann, bob = developer("ann", python=5), developer("bob", python=3)
    now = picture([ann, bob], [request("r-1"), request("r-2"), request("r-3")])

    found = evaluate(now, draft(assigned("r-1", "ann"), assigned("r-2", "bob", hours=8)))

    problem = problem_of(now, list(now.requests.values()), None)
    assert found.value == value_of(problem, [Pair("r-1", "ann"), Pair("r-2", "bob")])
    assert found.filled_hours == 24 * 3 + 8 * 3  # the draft's own hours
    assert found.unfilled == ("r-3",)
    assert found.overbooked == ()
    assert found.capacity_position == 42


def test_an_evaluation_names_the_weeks_the_draft_would_overbook_now() -> None:
    ann = developer("ann")
    ann.report_availability(ReportAvailability(week="2027-W11", absence_hours=24), "marc")
    now = picture([ann], [request("r-1"), request("r-2", hours=8)])

    found = evaluate(now, draft(assigned("r-1", "ann"), assigned("r-2", "ann", hours=8)))

    assert [
        (o.person_id, o.week, o.available_hours, o.allocated_hours) for o in found.overbooked
    ] == [
        ("ann", "2027-W11", Decimal("16.00"), Decimal("32.00")),
    ]
    assert ann.pending[-1].event_type == "AvailabilityReported"  # the picture is left alone


def test_a_closed_request_and_an_unqualified_person_are_called_out() -> None:
    ann, cleo = developer("ann"), developer("cleo", python=1)
    filled = request("r-2")
    filled.fill("ann", "a-0", "rita")
    now = picture([ann, cleo], [request("r-1"), filled])

    found = evaluate(now, draft(assigned("r-1", "cleo"), assigned("r-2", "ann")))

    assert found.closed == ("r-2",)
    assert found.ineligible == ("Cleo lacks the role or a skill r-1 asks for",)
    assert found.filled_hours == 24 * 3


def test_two_plans_are_compared_request_by_request_on_the_same_requests() -> None:
    ann, bob = developer("ann", python=5), developer("bob", python=3)
    now = picture([ann, bob], [request("r-1"), request("r-2")])
    a = draft(assigned("r-1", "ann"), assigned("r-2", "bob"))
    b = Plan("proposal", "p-1", 1, ("r-1", "r-2"), (assigned("r-1", "ann"),))

    found = compare(now, a, b)

    assert [(r.request_id, r.same) for r in found.requests] == [("r-1", True), ("r-2", False)]
    assert found.requests[1].b is None
    assert found.filled_hours_difference == -24 * 3
    assert found.value_difference == found.b_evaluation.value - found.a_evaluation.value < 0


def test_adopting_without_accepting_refuses_naming_every_person_and_week() -> None:
    ann, bob = developer("ann"), developer("bob")
    bob.propose_allocation(
        "a-0",
        ProposeAllocation(project_id="crm", start_week=WEEKS[2], end_week=WEEKS[2],
                          hours_per_week=Decimal(30)),
        BE,
        "rita",
    )  # fmt: skip
    requests = {r.id: r for r in (request("r-1"), request("r-2"), request("r-3"))}
    plan = [assigned("r-1", "ann"), assigned("r-2", "ann"), assigned("r-3", "bob")]
    people = {"ann": ann, "bob": bob}

    with pytest.raises(OverAllocation) as refused:
        book_all("d-1", plan, people, {"BE": BE}, requests, "rita", None,
                 accept_over_allocation=False)  # fmt: skip

    overbooked = refused.value.extensions["overbooked"]
    assert [(o["person_id"], [w["week"] for w in o["weeks"]]) for o in overbooked] == [
        ("ann", list(WEEKS)), ("bob", ["2027-W12"]),
    ]  # fmt: skip
    assert "Ann in 2027-W10, 2027-W11, 2027-W12; Bob in 2027-W12" in refused.value.detail


def test_an_accepted_over_allocation_is_flagged_on_the_adopted_assignment() -> None:
    ann = developer("ann")
    requests = {r.id: r for r in (request("r-1"), request("r-2"))}

    adopted = book_all(
        "d-1", [assigned("r-1", "ann"), assigned("r-2", "ann")], {"ann": ann}, {"BE": BE},
        requests, "rita", None, accept_over_allocation=True,
    )  # fmt: skip

    assert [a.over_allocated for a in adopted] == [False, True]
    assert all(r.status is RequestStatus.FILLED for r in requests.values())


# -- the property ------------------------------------------------------------------------------

PEOPLE = ("ann", "bob", "cleo")
ASSIGNMENT = st.tuples(
    st.sampled_from(PEOPLE),
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=0, max_value=2),  # first week
    st.integers(min_value=0, max_value=2),  # weeks long - 1
)


@settings(max_examples=60, deadline=None)
@given(
    absences=st.dictionaries(
        st.tuples(st.sampled_from(PEOPLE), st.sampled_from(WEEKS)),
        st.integers(min_value=0, max_value=40),
        max_size=4,
    ),
    booked=st.dictionaries(st.sampled_from(PEOPLE), st.integers(min_value=1, max_value=40)),
    plan=st.lists(ASSIGNMENT, min_size=1, max_size=6),
)
def test_an_adopted_draft_never_overbooks_anyone(
    absences: dict[tuple[str, str], int],
    booked: dict[str, int],
    plan: list[tuple[str, int, int, int]],
) -> None:
    people = {p: developer(p) for p in PEOPLE}
    for (person_id, week), hours in absences.items():
        people[person_id].report_availability(
            ReportAvailability(week=week, absence_hours=Decimal(hours)), "marc"
        )
    for person_id, hours in booked.items():  # what they already hold, accepted if over
        people[person_id].propose_allocation(
            "held", ProposeAllocation(project_id="crm", start_week=WEEKS[0], end_week=WEEKS[1],
                                      hours_per_week=Decimal(hours), accept_over_allocation=True),
            BE, "rita",
        )  # fmt: skip
    assignments, requests = [], {}
    for n, (person_id, hours, first, length) in enumerate(plan):
        start, end = WEEKS[first], WEEKS[min(first + length, 2)]
        requests[f"r-{n}"] = request(f"r-{n}", hours, start, end)
        assignments.append(
            DraftAssignment(request_id=f"r-{n}", project_id="erp", person_id=person_id,
                            start_week=start, end_week=end, hours_per_week=Decimal(hours))
        )  # fmt: skip
    before = {p: copy.deepcopy(person) for p, person in people.items()}
    judged = evaluate(picture(list(before.values()), list(requests.values())), draft(*assignments))

    try:
        book_all("d-1", assignments, people, {"BE": BE}, requests, "rita", None,
                 accept_over_allocation=False)  # fmt: skip
    except OverAllocation:
        assert judged.overbooked != ()  # the evaluation foresaw it
        return

    assert judged.overbooked == ()
    for person_id, person in people.items():
        for load, was in zip(
            person.loads(BE, WEEKS[0], WEEKS[-1]),
            before[person_id].loads(BE, WEEKS[0], WEEKS[-1]),
            strict=True,
        ):
            # No week the draft touches ends above availability (one overbooked beforehand
            # could only be one the draft leaves alone).
            if load.allocated_hours != was.allocated_hours:
                assert load.allocated_hours <= load.available_hours
