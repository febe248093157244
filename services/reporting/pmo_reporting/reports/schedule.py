"""Editions on a schedule: on the first working day (Monday to Friday; public holidays are not
known here) of each month at 06:00 UTC, the executive committee's report on the month just
ended, and when a quarter just ended, the portfolio review of that quarter.

The process sleeps until the next due time (one timer, no polling: the platform's idle CPU is
at its limit), generates what is due, and sleeps again; on start it first makes up for a due
time it slept through (an edition of a due report that does not exist yet).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, time, timedelta

from pmo_kernel.db import create_engine, raw_connection
from pmo_kernel.identity import Principal, Role
from pmo_kernel.settings import Settings
from pmo_reporting.reports.definitions import Period, ReportAudience, ReportDefinition
from pmo_reporting.reports.editions import Editions, define
from pmo_reporting.reports.sources import Sources

log = logging.getLogger(__name__)
DUE_AT = time(6, 0, tzinfo=UTC)
SCHEDULER = Principal(subject="pmo-report-scheduler", roles=frozenset({Role.SERVICE}))


def first_working_day(year: int, month: int) -> date:
    day = date(year, month, 1)
    while day.weekday() >= 5:  # Saturday, Sunday
        day += timedelta(days=1)
    return day


def due_time(year: int, month: int) -> datetime:
    return datetime.combine(first_working_day(year, month), DUE_AT)


def next_due(after: datetime) -> datetime:
    """The first due time strictly after `after`."""
    due = due_time(after.year, after.month)
    if due > after:
        return due
    year, month = (after.year + 1, 1) if after.month == 12 else (after.year, after.month + 1)
    return due_time(year, month)


def last_due(at: datetime) -> datetime:
    """The latest due time at or before `at`."""
    due = due_time(at.year, at.month)
    if due <= at:
        return due
    year, month = (at.year - 1, 12) if at.month == 1 else (at.year, at.month - 1)
    return due_time(year, month)


def due_reports(due: datetime) -> list[ReportDefinition]:
    """What the due time `due` generates: the month before it, and the quarter before it
    when `due` opens a quarter."""
    month = Period.containing(due.date(), "month").previous()
    found = [define(ReportAudience.EXECUTIVE_COMMITTEE, month.name)]
    if due.month in (1, 4, 7, 10):
        quarter = Period.containing(due.date(), "quarter").previous()
        found.append(define(ReportAudience.PORTFOLIO_REVIEW, quarter.name))
    return found


async def _missing(
    editions: Editions, definitions: list[ReportDefinition]
) -> list[ReportDefinition]:
    async with raw_connection(editions.sources.engine) as conn:
        return [
            d for d in definitions
            if not await conn.fetchval(
                f"SELECT EXISTS (SELECT 1 FROM {editions.table} WHERE audience = $1 AND "
                f"period = $2 AND programme_id IS NULL)",
                d.audience.value, d.period.name,
            )
        ]  # fmt: skip


async def generate_due(editions: Editions, due: datetime, *, only_missing: bool) -> list[str]:
    wanted = due_reports(due)
    if only_missing:
        wanted = await _missing(editions, wanted)
    made = []
    for definition in wanted:
        try:
            edition = await editions.generate(definition, SCHEDULER, as_of=due)
        except Exception:  # one report failing must not stop the others, nor the schedule
            log.exception("report edition not generated", extra={"period": definition.period.name})
            continue
        log.info("report edition generated", extra={"edition": edition.id})
        made.append(edition.id)
    return made


async def run_schedule(settings: Settings, stopping: asyncio.Event) -> None:
    engine = create_engine(settings.database_url, pool_size=2)
    editions = Editions(Sources(engine))
    try:
        await generate_due(editions, last_due(datetime.now(UTC)), only_missing=True)
        while not stopping.is_set():
            due = next_due(datetime.now(UTC))
            wait = (due - datetime.now(UTC)).total_seconds()
            try:
                await asyncio.wait_for(stopping.wait(), timeout=max(wait, 0))
                return
            except TimeoutError:
                pass
            await generate_due(editions, due, only_missing=True)
    finally:
        await engine.dispose()
