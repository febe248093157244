"""What a report is: who reads it (audience), which period it covers, its sections.

A period is a month ("2026-03") or a quarter ("2026-Q1"); each audience has its default
sections (sections.py); a sponsor's report is about one programme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from pmo_reporting.reports.errors import InvalidReportRequest

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class ReportAudience(StrEnum):
    EXECUTIVE_COMMITTEE = "executive_committee"
    SPONSOR = "sponsor"  # of a programme: its items only
    PORTFOLIO_REVIEW = "portfolio_review"  # a committee's review of the whole portfolio


AUDIENCE_TITLES = {
    ReportAudience.EXECUTIVE_COMMITTEE: "Executive committee report",
    ReportAudience.SPONSOR: "Sponsor report",
    ReportAudience.PORTFOLIO_REVIEW: "Portfolio review",
}


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month or quarter: [start, end) in UTC."""

    start: date
    end: date  # the first day after the period
    name: str  # "2026-03" or "2026-Q1"

    @property
    def kind(self) -> str:
        return "quarter" if "Q" in self.name else "month"

    @property
    def start_at(self) -> datetime:
        return datetime(self.start.year, self.start.month, 1, tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        return datetime(self.end.year, self.end.month, 1, tzinfo=UTC)

    @property
    def first_quarter(self) -> tuple[int, int]:
        return (self.start.year, (self.start.month - 1) // 3 + 1)

    def months(self, count: int) -> list[str]:
        """`count` months from the period's first: "2026-03", "2026-04", ..."""
        year, month = self.start.year, self.start.month
        found: list[str] = []
        for _ in range(count):
            found.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found

    def previous(self) -> Period:
        if self.kind == "quarter":
            year, quarter = self.first_quarter
            year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
            return parse_period(f"{year}-Q{quarter}")
        year, month = self.start.year, self.start.month
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return parse_period(f"{year:04d}-{month:02d}")

    @staticmethod
    def containing(day: date, kind: str) -> Period:
        if kind == "quarter":
            return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
        return parse_period(f"{day.year:04d}-{day.month:02d}")


def _month_after(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def parse_period(text: str) -> Period:
    """The period "2026-03" or "2026-Q1" names; INVALID_REPORT_REQUEST for anything else."""
    cleaned = text.strip().upper()
    if found := _QUARTER.match(cleaned):
        year, quarter = int(found[1]), int(found[2])
        start = date(year, 3 * quarter - 2, 1)
        return Period(start, _month_after(year, 3 * quarter), f"{year}-Q{quarter}")
    if (found := _MONTH.match(cleaned)) and 1 <= int(found[2]) <= 12 and int(found[1]) >= 1:
        year, month = int(found[1]), int(found[2])
        return Period(date(year, month, 1), _month_after(year, month), f"{year:04d}-{month:02d}")
    raise InvalidReportRequest(
        f"a period is a month like 2026-03 or a quarter like 2026-Q1, not {text!r}",
        argument="period",
    )


def parse_audience(text: str) -> ReportAudience:
    try:
        return ReportAudience(text.strip().lower().replace("-", "_"))
    except ValueError:
        known = ", ".join(a.value for a in ReportAudience)
        raise InvalidReportRequest(
            f"unknown audience {text!r}; one of {known}", argument="audience"
        ) from None


@dataclass(frozen=True)
class ReportDefinition:
    """One report: its audience, period, sections in order, and for a sponsor its programme."""

    audience: ReportAudience
    period: Period
    sections: tuple[str, ...]
    programme_id: str | None = None

    @property
    def title(self) -> str:
        return AUDIENCE_TITLES[self.audience]

    @property
    def scope(self) -> str:
        """What the report is about: "portfolio", or "programme <id>"."""
        return f"programme {self.programme_id}" if self.programme_id else "portfolio"

    def document(self) -> dict[str, Any]:
        return {
            "audience": self.audience.value,
            "period": self.period.name,
            "sections": list(self.sections),
            "programme_id": self.programme_id,
        }
