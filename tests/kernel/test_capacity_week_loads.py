"""The kernel's weekly loads: over a range, each week's availability is the one-week rule's
(`available_hours`: the fast path over a range counts worked days once and must not drift from
it), and allocations load the weeks they cover, soft and hard apart."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_kernel.capacity import (
    Booking,
    Contract,
    Report,
    available_hours,
    week_loads,
    week_of,
    weeks_between,
)

START = date(2027, 12, 6)  # a Monday: the range crosses into 2028 (ISO weeks 2027-W49..)
DAY = st.integers(0, 70).map(lambda n: START + timedelta(days=n))
WEEK = st.integers(0, 9).map(lambda n: week_of(START + timedelta(weeks=n)))
FIRST, LAST = week_of(START), week_of(START + timedelta(weeks=9))


@settings(max_examples=60, deadline=None)
@given(
    hours=st.decimals(min_value=1, max_value=60, places=2),
    holidays=st.frozensets(DAY, max_size=8),
    part_time=st.decimals(min_value=1, max_value=100, places=2),
    last_day=st.none() | DAY,
    reports=st.dictionaries(
        WEEK,
        st.builds(Report, available_percent=st.decimals(min_value=0, max_value=100, places=2))
        | st.builds(
            Report,
            absence_hours=st.decimals(min_value=0, max_value=40, places=2),
            other_duty_hours=st.none() | st.decimals(min_value=0, max_value=20, places=2),
        ),
    ),
)
def test_each_weeks_availability_is_the_one_week_rule(
    hours: Decimal,
    holidays: frozenset[date],
    part_time: Decimal,
    last_day: date | None,
    reports: dict[str, Report],
) -> None:
    contract = Contract(hours, holidays, part_time, last_day)

    loads = week_loads(contract, reports, [], FIRST, LAST)

    assert [(load.week, load.available_hours) for load in loads] == [
        (week, available_hours(contract, week, reports.get(week)))
        for week in weeks_between(FIRST, LAST)
    ]


def test_allocations_load_the_weeks_they_cover_soft_and_hard_apart() -> None:
    contract = Contract(Decimal(40))
    bookings = [
        Booking("2027-W52", "2028-W01", Decimal("16.5"), hard=True),
        Booking("2028-W01", "2028-W01", Decimal(30), hard=False),
    ]

    loads = week_loads(contract, {}, bookings, "2027-W51", "2028-W02")

    assert [(x.week, x.soft_hours, x.hard_hours, x.allocated_hours) for x in loads] == [
        ("2027-W51", Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
        ("2027-W52", Decimal("0.00"), Decimal("16.50"), Decimal("16.50")),
        ("2028-W01", Decimal("30.00"), Decimal("16.50"), Decimal("46.50")),
        ("2028-W02", Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
    ]
    assert [x.over_allocated for x in loads] == [False, False, True, False]


def test_a_percent_booking_loads_its_share_of_each_weeks_availability() -> None:
    contract = Contract(Decimal(40), part_time_percent=Decimal(80))  # 32 h a week
    reports = {"2028-W02": Report(absence_hours=Decimal(12))}  # 20 h left that week
    bookings = [
        Booking("2028-W01", "2028-W02", None, hard=True, percent_of_availability=Decimal(25))
    ]

    loads = week_loads(contract, reports, bookings, "2028-W01", "2028-W02")

    assert [(x.available_hours, x.hard_hours) for x in loads] == [
        (Decimal("32.00"), Decimal("8.00")),
        (Decimal("20.00"), Decimal("5.00")),
    ]
