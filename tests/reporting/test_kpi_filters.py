"""The KPI filter, checked before any figure is read: which periods name something, the days
and ISO weeks they span, and what is refused (INVALID_KPI_FILTER, naming the argument)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pmo_reporting.gateway.kpi_budget import ended_weeks
from pmo_reporting.gateway.kpi_filters import (
    InvalidKpiFilter,
    KpiFilter,
    KpiScope,
    kpi_scope,
    parse_kpi_period,
)


@pytest.mark.parametrize(
    ("text", "start", "end", "weeks"),
    [
        ("2027", date(2027, 1, 1), date(2028, 1, 1), ("2026-W53", "2027-W52")),
        ("2027-Q1", date(2027, 1, 1), date(2027, 4, 1), ("2026-W53", "2027-W13")),
        ("2026-q4", date(2026, 10, 1), date(2027, 1, 1), ("2026-W40", "2026-W53")),
        ("2027-03", date(2027, 3, 1), date(2027, 4, 1), ("2027-W09", "2027-W13")),
    ],
)
def test_a_year_a_quarter_or_a_month_is_a_period(
    text: str, start: date, end: date, weeks: tuple[str, str]
) -> None:
    period = parse_kpi_period(text)
    assert (period.start, period.end) == (start, end)
    assert period.weeks == weeks
    assert list(period.years) == [start.year], "the year of its last day is its first's"


@pytest.mark.parametrize("text", ["2027-Q5", "2027-13", "2027-00", "27", "last week", "", "0000"])
def test_anything_else_is_refused_naming_the_period(text: str) -> None:
    with pytest.raises(InvalidKpiFilter) as refused:
        parse_kpi_period(text)
    assert refused.value.code == "invalid_kpi_filter"
    assert refused.value.extensions == {"argument": "period"}


def test_a_filter_is_trimmed_and_an_empty_value_refused() -> None:
    assert kpi_scope(None) == KpiScope()
    scope = kpi_scope(KpiFilter(department=" HR ", programme=None, period=None))
    assert scope == KpiScope(department="HR")
    with pytest.raises(InvalidKpiFilter) as refused:
        kpi_scope(KpiFilter(department="   "))
    assert refused.value.extensions == {"argument": "department"}


def test_a_years_actual_counts_only_the_weeks_that_ended() -> None:
    wednesday = datetime(2027, 3, 10, 12, tzinfo=UTC)  # in 2027-W10
    assert ended_weeks(2027, wednesday) == ("2027-W01", "2027-W09")
    assert ended_weeks(2026, wednesday) == ("2026-W01", "2026-W53")
    assert ended_weeks(2028, wednesday) is None
    assert ended_weeks(2027, datetime(2027, 1, 6, tzinfo=UTC)) is None, "W01 not over yet"
