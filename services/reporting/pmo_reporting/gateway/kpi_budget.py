"""Budget, committed and actual per year, for the budget KPI.

- budget: Σ the year's open envelopes (the roadmap's rule: portfolio_roadmap.build_roadmap);
- committed: Σ cost_per_year[year] of the approved, planned items (the same rule), of the
  programme or department when filtered;
- actual: no read model of the delivery status reports' spend exists yet, so actual is what
  the read models do know was spent: the labour cost of the confirmed (hard, not released)
  allocations to the year's committed items, over the ISO weeks of the year that have ended
  (hours × the person's day rate ÷ their calendar's hours a day). A person paid in another
  currency is left out. It is an aggregate: no one's rate is shown. Once the status reports
  are projected (branch delivery-read: `delivery_status_reports.actual_cost`, cumulative to
  date), a year's actual becomes Σ over the items (AC of its last report in the year − AC of
  its last report before it), and this estimate goes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pmo_kernel.access import Audience
from pmo_kernel.capacity import WORKING_DAYS, monday_of, week_of
from pmo_kernel.identity import Principal, Role
from pmo_reporting.gateway.access import PeopleAudience
from pmo_reporting.gateway.capacity import read_loads
from pmo_reporting.gateway.capacity_loads import hours_per_week, person_loads
from pmo_reporting.gateway.capacity_readmodel import CapacityReadModel, PeopleFilter
from pmo_reporting.gateway.context import GatewayServices
from pmo_reporting.gateway.kpi_filters import KpiScope
from pmo_reporting.gateway.kpi_readmodel import KpiReadModel
from pmo_reporting.gateway.portfolio_roadmap import build_roadmap

Row = dict[str, Any]
ZERO = Decimal(0)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
# The budget KPI is for the portfolio's readers; its actual sums everyone's confirmed hours.
_KPIS = Principal(subject="pmo-kpis", roles=frozenset({Role.SERVICE}))


@dataclass(frozen=True)
class BudgetYear:
    year: int
    budget: Decimal | None
    committed: Decimal
    actual: Decimal

    @property
    def remaining(self) -> Decimal | None:
        return self.budget - self.committed if self.budget is not None else None

    @property
    def committed_percent(self) -> Decimal | None:
        if not self.budget:
            return None
        return (self.committed * 100 / self.budget).quantize(TENTH)


def ended_weeks(year: int, now: datetime) -> tuple[str, str] | None:
    """The ISO weeks of `year` (those of its ISO calendar) that ended before `now`'s day."""
    first = f"{year:04d}-W01"
    last = min(week_of(date(year, 12, 28)), week_of(now.date() - timedelta(days=7)))
    return (first, last) if monday_of(last) >= monday_of(first) else None


def labour_cost(
    people: Sequence[Row],
    calendars: Mapping[str, Row],
    reports: Mapping[str, Sequence[Row]],
    allocations: Mapping[str, Sequence[Row]],
    projects: set[str],
    currency: str,
    weeks: tuple[str, str],
) -> Decimal:
    """The cost of the confirmed hours allocated to `projects` over `weeks`."""
    total = ZERO
    for person in people:
        if person["cost_rate_currency"] != currency:
            continue
        calendar = calendars.get(person["calendar_id"])
        hours_a_day = hours_per_week(calendar) / WORKING_DAYS
        if not hours_a_day:
            continue
        for allocation in allocations.get(person["id"], ()):
            if allocation["kind"] != "hard" or allocation["project_id"] not in projects:
                continue
            loads = person_loads(
                person, calendar, reports.get(person["id"], ()), [allocation], *weeks
            )
            hours = sum((load.hard_hours for load in loads), ZERO)
            total += hours / hours_a_day * Decimal(person["cost_rate_amount"])
    return total.quantize(CENT)


async def actual_cost(
    capacity: CapacityReadModel,
    year: int,
    projects: set[str],
    currency: str,
    now: datetime,
) -> Decimal:
    weeks = ended_weeks(year, now)
    if weeks is None or not projects:
        return ZERO
    rows = await read_loads(capacity, PeopleFilter(), PeopleAudience(_KPIS), *weeks)
    return labour_cost(
        rows.people, rows.calendars, rows.reports, rows.allocations, projects, currency, weeks
    )


async def budget_years(
    read_model: KpiReadModel,
    services: GatewayServices,
    scope: KpiScope,
    audience: Audience,
    now: datetime,
) -> tuple[str, list[BudgetYear]]:
    """The currency and, per year of the period (every year with an envelope or a commitment
    when none), the budget, committed and actual amounts."""
    items = [
        row for row in await read_model.items(scope, audience)
        if row["state"] == "approved" and row["planned_start_quarter"] is not None
    ]  # fmt: skip
    envelopes = await services.portfolio_read_model.envelopes(open_only=True)
    roadmap = build_roadmap(items, envelopes)
    years = {figures.year: figures for figures in roadmap.years}
    wanted = list(scope.period.years) if scope.period is not None else sorted(years)
    found = []
    for year in wanted:
        figures = years.get(year)
        projects = {str(row["id"]) for row in items if str(year) in (row["cost_per_year"] or {})}
        actual = await actual_cost(
            services.capacity_read_model, year, projects, roadmap.currency, now
        )
        found.append(
            BudgetYear(
                year=year,
                budget=figures.envelope if figures is not None else None,
                committed=figures.committed if figures is not None else ZERO,
                actual=actual,
            )
        )
    return roadmap.currency, found
