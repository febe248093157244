"""The capacity picture: free person-days per role and quarter, folded from the capacity facts
by the capacity service's availability rule, less allocations, 8 hours a person-day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_kernel.capacity import Report, week_of
from pmo_portfolio.capacity.picture import (
    AllocationFacts,
    CalendarFacts,
    CapacityFacts,
    PersonFacts,
    mondays_of,
    picture,
    quarter_of,
)

BE = CalendarFacts(Decimal(40))
Q1 = "2027-Q1"  # 13 ISO weeks: Mondays 2027-01-04 to 2027-03-29


def dev(person_id: str = "p-1", **more: object) -> PersonFacts:
    fields: dict[str, object] = {"roles": ("developer",), "calendar_id": "BE", **more}
    return PersonFacts(person_id, **fields)  # type: ignore[arg-type]


def free(*people: PersonFacts, quarters: tuple[str, ...] = (Q1,), calendar: CalendarFacts = BE,
         **options: object) -> dict[str, dict[str, Decimal]]:  # fmt: skip
    facts = CapacityFacts(7, people, {"BE": calendar})
    return picture(facts, quarters, **options).free_person_days  # type: ignore[arg-type]


def test_a_full_time_developer_frees_five_days_a_week_of_the_quarters_thirteen_weeks() -> None:
    assert free(dev()) == {"developer": {Q1: Decimal("65.00")}}


def test_the_picture_carries_the_capacity_version_it_was_folded_at() -> None:
    assert picture(CapacityFacts(42, (dev(),), {"BE": BE}), [Q1]).version == 42


def test_a_public_holiday_is_not_worked() -> None:
    easter_monday = CalendarFacts(Decimal(40), frozenset({date(2027, 3, 29)}))

    assert free(dev(), calendar=easter_monday) == {"developer": {Q1: Decimal("64.00")}}


def test_a_part_timer_frees_their_share_of_the_calendar() -> None:
    assert free(dev(part_time_percent=Decimal(50))) == {"developer": {Q1: Decimal("32.50")}}


def test_the_latest_report_of_a_week_holds_as_a_percentage_or_as_hours_taken() -> None:
    reports = {
        "2027-W02": Report(available_percent=Decimal(50)),
        "2027-W03": Report(absence_hours=Decimal(16), other_duty_hours=Decimal(8)),
        "2027-W04": Report(absence_hours=Decimal(60)),  # never below zero
    }

    # 65 days less 2.5 (half of W02), 3 (24 h of W03) and 5 (all of W04).
    assert free(dev(reports=reports)) == {"developer": {Q1: Decimal("54.50")}}


def test_soft_and_hard_allocations_use_capacity_and_released_ones_no_longer_do() -> None:
    soft = AllocationFacts("crm", "2027-W01", "2027-W13", Decimal(20))
    released = AllocationFacts("erp", "2027-W01", "2027-W13", Decimal(20), released=True)

    assert free(dev(allocations=(soft, released))) == {"developer": {Q1: Decimal("32.50")}}


def test_a_percent_allocation_takes_its_share_of_what_an_absence_leaves_of_the_week() -> None:
    # Half of each week: 20 h, but 12 h of W02 where 16 h of absence leave 24 h (free: 12 h).
    half = AllocationFacts("crm", "2027-W01", "2027-W13", None, percent_of_availability=Decimal(50))
    twenty = AllocationFacts("crm", "2027-W01", "2027-W13", Decimal(20))
    absent = {"2027-W02": Report(absence_hours=Decimal(16))}

    assert free(dev(allocations=(half,), reports=absent)) == {"developer": {Q1: Decimal("31.50")}}
    # 20 h a week stay 20 h of W02: 4 h free.
    assert free(dev(allocations=(twenty,), reports=absent)) == {"developer": {Q1: Decimal("30.50")}}


def test_an_over_allocated_week_frees_nothing_and_takes_nothing_from_the_other_weeks() -> None:
    crunch = AllocationFacts("crm", "2027-W01", "2027-W01", Decimal(60))

    assert free(dev(allocations=(crunch,))) == {"developer": {Q1: Decimal("60.00")}}


def test_allocations_to_the_projects_a_scenario_weighs_are_not_counted_as_used() -> None:
    crm = AllocationFacts("crm", "2027-W01", "2027-W13", Decimal(40))

    assert free(dev(allocations=(crm,)), ignoring_projects={"crm"}) == {
        "developer": {Q1: Decimal("65.00")}
    }


def test_a_leaver_is_available_up_to_their_last_day() -> None:
    # Weeks 1-5 in full, then Monday to Wednesday of week 6: 224 hours.
    leaver = dev(last_day=date(2027, 2, 10))

    assert free(leaver) == {"developer": {Q1: Decimal("28.00")}}


def test_a_person_with_several_roles_counts_once_for_their_first_role() -> None:
    architect = PersonFacts("p-2", ("architect", "developer"), "BE")

    assert free(dev(), architect, roles=("developer", "tester")) == {
        "architect": {Q1: Decimal("65.00")},
        "developer": {Q1: Decimal("65.00")},
        "tester": {Q1: Decimal("0")},
    }


def test_a_week_belongs_to_the_quarter_of_its_monday() -> None:
    # 2026-W53 runs from Monday 2026-12-28 to Friday 2027-01-01: the fourth quarter's.
    new_year = CalendarFacts(Decimal(40), frozenset({date(2027, 1, 1)}))

    assert free(dev(), quarters=("2026-Q4", Q1), calendar=new_year) == {
        "developer": {"2026-Q4": Decimal("64.00"), Q1: Decimal("65.00")}
    }
    assert len(mondays_of("2026-Q4")) == 13
    assert mondays_of(Q1)[0] == date(2027, 1, 4)


def test_a_quarter_that_starts_on_a_monday_holds_that_week() -> None:
    assert (mondays_of("2024-Q1")[-1], mondays_of("2024-Q2")[0]) == (
        date(2024, 3, 25), date(2024, 4, 1),
    )  # fmt: skip


def test_someone_whose_calendar_is_not_known_yet_counts_for_nothing() -> None:
    assert free(dev(calendar_id="FR"), roles=("developer",)) == {"developer": {Q1: Decimal("0")}}


def test_person_days_are_rounded_down_to_the_cent() -> None:
    # A fifth of 38.85 h a week: 7.77 h, 13 weeks: 101.01 h, or 12.62625 person-days.
    calendar = CalendarFacts(Decimal("38.85"))
    fifths = {week_of(monday): Report(available_percent=Decimal(20)) for monday in
              mondays_of(Q1)}  # fmt: skip

    assert free(dev(reports=fifths), calendar=calendar) == {"developer": {Q1: Decimal("12.62")}}


# -- a brute-force count, day by day ----------------------------------------------------------

QUARTERS = ("2026-Q4", "2027-Q1", "2027-Q2")
FIRST, LAST = date(2026, 9, 28), date(2027, 7, 4)  # every day of those quarters' weeks
DAYS = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
WEEKS = sorted({week_of(day) for day in DAYS})


def counted_day_by_day(facts: CapacityFacts, quarters: list[str]) -> dict[str, dict[str, Decimal]]:
    """Each day worked adds its hours to its week; weeks are taken by their Monday's quarter."""
    hours: dict[str, dict[str, Decimal]] = {}
    for person in facts.people:
        calendar = facts.calendars[person.calendar_id]
        per_quarter = hours.setdefault(person.roles[0], dict.fromkeys(quarters, Decimal(0)))
        weekly: dict[date, Decimal] = {}
        for day in DAYS:
            monday = day - timedelta(days=day.weekday())
            worked = (
                day.weekday() < 5
                and day not in calendar.public_holidays
                and (person.last_day is None or day <= person.last_day)
            )
            share = calendar.hours_per_week / 5 * person.part_time_percent / 100
            weekly[monday] = weekly.get(monday, Decimal(0)) + (share if worked else 0)
        for monday, contract in weekly.items():
            if quarter_of(monday) not in per_quarter:
                continue
            report = person.reports.get(week_of(monday))
            available = contract
            if report is not None and report.available_percent is not None:
                available = contract * report.available_percent / 100
            elif report is not None:
                taken = (report.absence_hours or 0) + (report.other_duty_hours or 0)
                available = max(Decimal(0), contract - taken)
            available = available.quantize(Decimal("0.01"))
            allocated = sum(
                a.hours_per_week
                if a.hours_per_week is not None
                else (available * (a.percent_of_availability or 0) / 100).quantize(Decimal("0.01"))
                for a in person.allocations
                if not a.released and a.start_week <= week_of(monday) <= a.end_week
            )
            per_quarter[quarter_of(monday)] += max(Decimal(0), available - allocated)
    return {
        role: {q: (h / 8).quantize(Decimal("0.01"), rounding=ROUND_DOWN) for q, h in hq.items()}
        for role, hq in sorted(hours.items())
    }


hours = st.decimals(min_value=0, max_value=50, places=2)
reports = st.dictionaries(
    st.sampled_from(WEEKS),
    st.one_of(
        st.builds(Report, available_percent=st.decimals(min_value=0, max_value=100, places=2)),
        st.builds(Report, absence_hours=hours, other_duty_hours=st.none() | hours),
    ),
    max_size=4,
)
percents = st.decimals(min_value=Decimal("0.01"), max_value=100, places=2)
allocations = st.lists(
    st.builds(
        lambda weeks, load, released: AllocationFacts(
            "x", min(weeks), max(weeks), load[0], released, percent_of_availability=load[1]
        ),
        st.lists(st.sampled_from(WEEKS), min_size=2, max_size=2),
        st.one_of(st.tuples(hours, st.none()), st.tuples(st.none(), percents)),
        st.booleans(),
    ),
    max_size=3,
)
people = st.lists(
    st.builds(
        PersonFacts,
        person_id=st.uuids().map(str),
        roles=st.sampled_from([("developer",), ("tester",), ("tester", "developer")]),
        calendar_id=st.just("C"),
        part_time_percent=st.sampled_from([Decimal(50), Decimal(80), Decimal(100)]),
        last_day=st.none() | st.sampled_from(DAYS),
        reports=reports,
        allocations=allocations.map(tuple),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=25, deadline=None)
@given(
    people=people,
    hours_per_week=st.sampled_from([Decimal(36), Decimal(38), Decimal("37.5"), Decimal(40)]),
    holidays=st.frozensets(st.sampled_from(DAYS), max_size=8),
    quarters=st.lists(st.sampled_from(QUARTERS), min_size=1, max_size=3, unique=True),
)
def test_the_picture_equals_a_day_by_day_count(
    people: list[PersonFacts], hours_per_week: Decimal, holidays: frozenset[date],
    quarters: list[str],
) -> None:  # fmt: skip
    facts = CapacityFacts(1, tuple(people), {"C": CalendarFacts(hours_per_week, holidays)})

    assert picture(facts, quarters).free_person_days == counted_day_by_day(facts, sorted(quarters))
