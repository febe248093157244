"""What a planned portfolio item asks of the capacity service: one request per role and quarter,
over the ISO weeks whose Monday is in the quarter, at 8 h a person-day spread over them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pmo_capacity.application.planned_items import (
    HOURS_PER_PERSON_DAY,
    SEAT_HOURS,
    requests_of_plan,
    seats_of,
)
from pmo_kernel.capacity import weeks_of_quarter
from pmo_kernel.consumer import Unprocessable


@pytest.mark.parametrize(
    ("quarter", "first", "last", "count"),
    [
        ("2027-Q1", "2027-W01", "2027-W13", 13),  # 1 January 2027 is a Friday
        ("2024-Q3", "2024-W27", "2024-W40", 14),  # Monday 1 July to Monday 30 September
        ("2026-Q4", "2026-W41", "2026-W53", 13),  # 2026 has a week 53: Monday 28 December
    ],
)
def test_a_quarter_holds_the_weeks_whose_monday_falls_in_it(
    quarter: str, first: str, last: str, count: int
) -> None:
    weeks = weeks_of_quarter(quarter)

    assert (weeks[0], weeks[-1], len(weeks)) == (first, last, count)


def test_each_role_and_quarter_is_a_request_of_its_person_days_at_8_hours_a_week() -> None:
    wanted = requests_of_plan(
        "D-7", {"developer": {"2027-Q1": "65", "2024-Q3": "10"}, "tester": {"2027-Q1": "1"}}
    )

    assert HOURS_PER_PERSON_DAY == 8
    assert {request_id: (c.role, c.start_week, c.end_week, c.hours_per_week)
            for request_id, c in wanted.items()} == {
        "item-D-7-developer-2027-Q1": ("developer", "2027-W01", "2027-W13", Decimal("40.00")),
        "item-D-7-developer-2024-Q3": ("developer", "2024-W27", "2024-W40", Decimal("5.71")),
        "item-D-7-tester-2027-Q1": ("tester", "2027-W01", "2027-W13", Decimal("0.62")),
    }  # fmt: skip
    assert {c.project_id for c in wanted.values()} == {"D-7"}


def test_an_unknown_role_or_no_effort_asks_for_nothing() -> None:
    assert requests_of_plan("D-7", {"wizard": {"2027-Q1": "10"}, "tester": {"2027-Q1": "0"}}) == {}


def test_more_than_a_request_can_hold_is_unprocessable() -> None:
    with pytest.raises(Unprocessable, match="developer in 2027-Q1"):
        requests_of_plan("D-7", {"developer": {"2027-Q1": "100000"}})


def test_a_demand_of_more_than_a_full_time_week_is_split_into_even_seats() -> None:
    wanted = requests_of_plan("D-7", {"developer": {"2027-Q1": "200"}})  # 123.08 h a week

    assert {request_id: c.hours_per_week for request_id, c in wanted.items()} == {
        "item-D-7-developer-2027-Q1": Decimal("30.77"),
        "item-D-7-developer-2027-Q1-seat-2": Decimal("30.77"),
        "item-D-7-developer-2027-Q1-seat-3": Decimal("30.77"),
        "item-D-7-developer-2027-Q1-seat-4": Decimal("30.77"),
    }
    assert sum(c.hours_per_week for c in wanted.values()) == Decimal("123.08")
    assert all(c.hours_per_week <= SEAT_HOURS for c in wanted.values())


def test_seats_share_the_hours_evenly_and_the_last_takes_the_cents_left() -> None:
    assert seats_of(Decimal("40")) == [Decimal("40")]
    assert seats_of(Decimal("40.01")) == [Decimal("20.00"), Decimal("20.01")]
    assert seats_of(Decimal("100")) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
