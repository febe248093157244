"""What the KPI queries are asked over: a programme, a department and a period, checked once.

A period is a year ("2027"), a quarter ("2027-Q1") or a month ("2027-03"): [start, end) in
UTC. Anything else, an empty department or programme, or a programme the caller could see but
that does not exist, is refused with INVALID_KPI_FILTER (naming the argument), before any
figure is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import strawberry

from pmo_kernel.capacity import week_of
from pmo_kernel.errors import PmoError
from pmo_reporting.reports.definitions import parse_period
from pmo_reporting.reports.errors import InvalidReportRequest

_YEAR = re.compile(r"^\d{4}$")
MAX_TEXT = 200


class InvalidKpiFilter(PmoError):
    """A KPI filter that names nothing: an unknown period, an empty or unknown value."""

    code = "invalid_kpi_filter"
    status = 422
    title = "Invalid KPI filter"


@strawberry.input(description="Every field is optional; the KPIs count what matches all set")
class KpiFilter:
    programme: strawberry.ID | None = strawberry.field(
        default=None, description="The items of one programme (and the demands they came from)"
    )
    department: str | None = strawberry.field(
        default=None, description="The demands and items of one department"
    )
    period: str | None = strawberry.field(
        default=None, description='A year "2027", a quarter "2027-Q1" or a month "2027-03"'
    )


@dataclass(frozen=True)
class KpiPeriod:
    name: str
    start: date
    end: date  # the first day after the period

    @property
    def start_at(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        return datetime(self.end.year, self.end.month, self.end.day, tzinfo=UTC)

    @property
    def years(self) -> range:
        return range(self.start.year, (self.end - timedelta(days=1)).year + 1)

    @property
    def weeks(self) -> tuple[str, str]:
        """The ISO weeks holding its first and its last day."""
        return week_of(self.start), week_of(self.end - timedelta(days=1))

    @property
    def last_month(self) -> str:
        last = self.end - timedelta(days=1)
        return f"{last.year:04d}-{last.month:02d}"


@dataclass(frozen=True)
class KpiScope:
    """A checked filter: None where the caller set nothing."""

    programme: str | None = None
    department: str | None = None
    period: KpiPeriod | None = None


def parse_kpi_period(text: str) -> KpiPeriod:
    cleaned = text.strip()
    if _YEAR.match(cleaned) and int(cleaned) >= 1:
        year = int(cleaned)
        return KpiPeriod(cleaned, date(year, 1, 1), date(year + 1, 1, 1))
    try:
        found = parse_period(cleaned)
    except InvalidReportRequest:
        raise InvalidKpiFilter(
            f"a period is a year like 2027, a quarter like 2027-Q1 or a month like 2027-03, "
            f"not {text[:40]!r}",
            argument="period",
        ) from None
    return KpiPeriod(found.name, found.start, found.end)


def _text(value: str | None, argument: str) -> str | None:
    if value is None:
        return None
    cleaned = value.strip()
    if not cleaned or len(cleaned) > MAX_TEXT:
        raise InvalidKpiFilter(
            f"{argument} must be 1 to {MAX_TEXT} characters when given", argument=argument
        )
    return cleaned


def kpi_scope(filter: KpiFilter | None) -> KpiScope:
    """The filter checked for its shape (whether a programme exists is the query's check)."""
    if filter is None:
        return KpiScope()
    return KpiScope(
        programme=_text(str(filter.programme) if filter.programme is not None else None,
                        "programme"),
        department=_text(filter.department, "department"),
        period=parse_kpi_period(filter.period) if filter.period is not None else None,
    )  # fmt: skip
