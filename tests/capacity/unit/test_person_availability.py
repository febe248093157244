"""Effective availability: calendar hours x part-time x the line manager's report, per week."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from pmo_capacity.domain import (
    DefineCalendar,
    Person,
    RecordLeaving,
    RegisterPerson,
    ReportAvailability,
    WorkingCalendar,
)
from pmo_kernel.errors import PermissionDenied
from pmo_kernel.money import Money

# 2027-W18 runs from Monday 3 May to Sunday 9 May and holds Ascension (Thursday 6 May);
# Labour Day, 1 May 2027, is a Saturday.
ASCENSION_2027 = date(2027, 5, 6)


def calendar(hours: str = "38", *holidays: date) -> WorkingCalendar:
    return WorkingCalendar.define(
        DefineCalendar(
            calendar_id="BE", name="Belgium", hours_per_week=Decimal(hours),
            public_holidays=list(holidays),
        ),
        "rita",
    )  # fmt: skip


def person(part_time: str = "100", line_manager: str = "marc") -> Person:
    return Person.register(
        "p-1",
        RegisterPerson(
            name="Ann Peeters", line_manager=line_manager, team="Delivery",
            roles=["project_manager"], skills=[{"name": "Prince2", "level": 4}],
            cost_rate_per_day=Money.of("650"), calendar_id="BE",
            part_time_percent=Decimal(part_time),
        ),
        "rita",
    )  # fmt: skip


def test_a_full_timer_is_available_their_contract_hours_in_a_week_without_holidays() -> None:
    assert person().available_hours(calendar("38"), "2027-W17") == Decimal("38.00")


def test_part_time_reduces_the_weekly_hours_in_proportion() -> None:
    assert person("80").available_hours(calendar("40"), "2027-W17") == Decimal("32.00")


def test_a_public_holiday_removes_its_day_from_the_week() -> None:
    be = calendar("40", ASCENSION_2027)

    assert person().available_hours(be, "2027-W18") == Decimal("32.00")
    assert person().available_hours(be, "2027-W17") == Decimal("40.00")


def test_a_holiday_on_a_weekend_changes_nothing() -> None:
    assert person().available_hours(calendar("40", date(2027, 5, 1)), "2027-W17") == Decimal(
        "40.00"
    )


def test_a_part_timer_loses_their_share_of_a_holiday() -> None:
    assert person("50").available_hours(calendar("40", ASCENSION_2027), "2027-W18") == Decimal(
        "16.00"
    )


def test_a_reported_percentage_scales_the_calendar_hours() -> None:
    ann = person()
    ann.report_availability(ReportAvailability(week="2027-W17", available_percent=50), "marc")

    assert ann.available_hours(calendar("40"), "2027-W17") == Decimal("20.00")
    assert ann.available_hours(calendar("40"), "2027-W16") == Decimal("40.00")


def test_reported_absence_and_other_duties_are_taken_off_never_below_zero() -> None:
    ann = person()
    ann.report_availability(
        ReportAvailability(week="2027-W17", absence_hours=16, other_duty_hours=8), "marc"
    )
    ann.report_availability(ReportAvailability(week="2027-W20", absence_hours=50), "marc")

    assert ann.available_hours(calendar("40"), "2027-W17") == Decimal("16.00")
    assert ann.available_hours(calendar("40"), "2027-W20") == Decimal("0.00")


def test_each_report_is_a_new_event_naming_its_reporter_and_the_latest_holds() -> None:
    ann = person()
    ann.report_availability(ReportAvailability(week="2027-W17", available_percent=50), "marc")
    ann.report_availability(ReportAvailability(week="2027-W17", available_percent=75), "marc")

    reports = [e for e in ann.pending if e.event_type == "AvailabilityReported"]
    assert [(e.reported_by, e.available_percent) for e in reports] == [  # type: ignore[attr-defined]
        ("marc", 50),
        ("marc", 75),
    ]
    assert ann.available_hours(calendar("40"), "2027-W17") == Decimal("30.00")


def test_only_the_line_manager_reports_availability() -> None:
    ann = person(line_manager="marc")

    with pytest.raises(PermissionDenied, match="line manager marc"):
        ann.report_availability(ReportAvailability(week="2027-W17", absence_hours=8), "eve")
    assert [e.event_type for e in ann.pending] == ["PersonRegistered"]


def test_a_leaver_has_no_availability_after_their_last_day() -> None:
    ann = person()
    ann.record_leaving(RecordLeaving(last_day=date(2027, 4, 28)), "rita")  # a Wednesday, W17
    be = calendar("40")

    assert ann.available_hours(be, "2027-W16") == Decimal("40.00")
    assert ann.available_hours(be, "2027-W17") == Decimal("24.00")  # Monday to Wednesday
    assert ann.available_hours(be, "2027-W18") == Decimal("0.00")
    assert ann.available_hours(be, "2028-W10") == Decimal("0.00")


@pytest.mark.parametrize(
    "body",
    [
        {"week": "2027-W17"},
        {"week": "2027-W17", "available_percent": 50, "absence_hours": 8},
        {"week": "2027-W17", "absence_hours": -1},
        {"week": "2027-W17", "available_percent": 101},
        {"week": "2027-W54", "available_percent": 50},
    ],
)
def test_a_report_says_its_availability_one_way_with_sound_numbers(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ReportAvailability.model_validate(body)


def test_a_week_53_is_taken_in_a_year_that_has_one_and_refused_in_one_that_lacks_it() -> None:
    assert ReportAvailability(week="2026-W53", available_percent=50).week == "2026-W53"
    with pytest.raises(ValidationError, match="no week 53"):
        ReportAvailability(week="2027-W53", available_percent=50)
