"""A month's availability report: the same report for each ISO week whose Thursday is in the
month; the latest report of a week holds, whether made for the week or for its month."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from pmo_capacity.domain import AvailabilityReported, ReportAvailability, weeks_of_month
from tests.capacity.unit.test_person_availability import calendar, person

BE = calendar("40")


def test_a_month_is_the_iso_weeks_whose_thursday_falls_in_it() -> None:
    # March 2027: Monday 1 to Wednesday 31; its Thursdays are the 4th to the 25th.
    assert weeks_of_month("2027-03") == ["2027-W09", "2027-W10", "2027-W11", "2027-W12"]
    # April 2027: Thursday 1 April is in week 13, so April has five weeks.
    assert weeks_of_month("2027-04") == [
        "2027-W13", "2027-W14", "2027-W15", "2027-W16", "2027-W17",
    ]  # fmt: skip
    # January 2027 starts on a Friday: its first week is 2027-W01, Monday 4 January.
    assert weeks_of_month("2027-01")[0] == "2027-W01"
    # December 2026: Thursday 31 December is in 2026-W53.
    assert weeks_of_month("2026-12")[-1] == "2026-W53"


def test_a_monthly_report_is_recorded_for_each_week_of_the_month() -> None:
    ann = person()

    ann.report_availability(
        ReportAvailability(month="2027-03", other_duty_hours=Decimal(8), note="support rota"),
        "marc",
    )

    reported = [e for e in ann.pending if isinstance(e, AvailabilityReported)]
    assert [e.week for e in reported] == ["2027-W09", "2027-W10", "2027-W11", "2027-W12"]
    assert {(e.other_duty_hours, e.note) for e in reported} == {(Decimal(8), "support rota")}
    weeks = ("2027-W08", "2027-W09", "2027-W12", "2027-W13")
    assert [ann.available_hours(BE, w) for w in weeks] == [
        Decimal("40.00"), Decimal("32.00"), Decimal("32.00"), Decimal("40.00"),
    ]  # fmt: skip


def test_a_week_reported_after_its_month_holds_and_the_other_weeks_keep_the_month() -> None:
    ann = person()
    ann.report_availability(ReportAvailability(month="2027-03", available_percent=50), "marc")

    ann.report_availability(ReportAvailability(week="2027-W10", absence_hours=40), "marc")

    assert [ann.available_hours(BE, w) for w in ("2027-W09", "2027-W10", "2027-W11")] == [
        Decimal("20.00"), Decimal("0.00"), Decimal("20.00"),
    ]  # fmt: skip


def test_a_month_reported_after_a_week_holds_for_that_week_too() -> None:
    ann = person()
    ann.report_availability(ReportAvailability(week="2027-W10", absence_hours=40), "marc")

    ann.report_availability(ReportAvailability(month="2027-03", available_percent=50), "marc")

    assert ann.available_hours(BE, "2027-W10") == Decimal("20.00")


@pytest.mark.parametrize(
    "body",
    [
        {"week": "2027-W10", "month": "2027-03", "available_percent": 50},
        {"available_percent": 50},
        {"month": "2027-13", "available_percent": 50},
        {"month": "2027-3", "available_percent": 50},
    ],
    ids=["both", "neither", "no month 13", "two digits"],
)
def test_a_report_is_for_a_week_or_a_month(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ReportAvailability.model_validate(body)
