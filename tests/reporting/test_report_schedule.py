"""When periodic reports are due, and which: pure functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pmo_reporting.reports.definitions import ReportAudience, parse_period
from pmo_reporting.reports.editions import define
from pmo_reporting.reports.errors import InvalidReportRequest
from pmo_reporting.reports.schedule import due_reports, first_working_day, last_due, next_due


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_month_starting_on_a_weekend_is_due_on_its_first_monday() -> None:
    assert first_working_day(2026, 8).isoformat() == "2026-08-03"  # Saturday 1st
    assert first_working_day(2026, 9).isoformat() == "2026-09-01"  # Tuesday 1st


def test_the_next_due_time_is_the_next_first_working_day_at_six() -> None:
    assert next_due(at("2026-07-15T12:00")) == at("2026-08-03T06:00")
    assert next_due(at("2026-08-03T05:59")) == at("2026-08-03T06:00")
    assert next_due(at("2026-08-03T06:00")) == at("2026-09-01T06:00")
    assert next_due(at("2026-12-10T00:00")) == at("2027-01-01T06:00")
    assert last_due(at("2026-08-02T00:00")) == at("2026-07-01T06:00")


def test_a_due_time_opening_a_quarter_also_makes_the_quarters_portfolio_review() -> None:
    made = [(d.audience, d.period.name) for d in due_reports(at("2026-07-01T06:00"))]
    assert made == [
        (ReportAudience.EXECUTIVE_COMMITTEE, "2026-06"),
        (ReportAudience.PORTFOLIO_REVIEW, "2026-Q2"),
    ]
    january = [(d.audience, d.period.name) for d in due_reports(at("2027-01-01T06:00"))]
    assert january[1] == (ReportAudience.PORTFOLIO_REVIEW, "2026-Q4")
    assert [d.period.name for d in due_reports(at("2026-08-03T06:00"))] == ["2026-07"]


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "2026", "March 2026", "2026-00", ""])
def test_a_period_that_is_neither_a_month_nor_a_quarter_is_refused(text: str) -> None:
    with pytest.raises(InvalidReportRequest) as refused:
        parse_period(text)
    assert refused.value.code == "invalid_report_request"
    assert refused.value.extensions == {"argument": "period"}


def test_periods_span_their_months() -> None:
    quarter = parse_period("2026-q4")
    assert (quarter.name, quarter.start.isoformat(), quarter.end.isoformat()) == (
        "2026-Q4", "2026-10-01", "2027-01-01",
    )  # fmt: skip
    assert parse_period("2026-12").months(3) == ["2026-12", "2027-01", "2027-02"]


def test_a_sponsor_report_needs_its_programme_and_only_it_has_one() -> None:
    with pytest.raises(InvalidReportRequest):
        define(ReportAudience.SPONSOR, "2026-03")
    with pytest.raises(InvalidReportRequest):
        define(ReportAudience.EXECUTIVE_COMMITTEE, "2026-03", programme_id="PG-1")
    with pytest.raises(InvalidReportRequest):
        define(ReportAudience.EXECUTIVE_COMMITTEE, "2026-03", sections=["risks"])
