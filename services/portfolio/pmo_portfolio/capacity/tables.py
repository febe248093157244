"""Reading the capacity facts the feed keeps (migrations 0007, 0008), for the picture and the
version decisions freeze."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.capacity import Report, week_of
from pmo_kernel.db import raw_connection
from pmo_portfolio.capacity.picture import (
    AllocationFacts,
    CalendarFacts,
    CapacityFacts,
    PersonFacts,
    mondays_of,
)


class CapacityTables:
    def __init__(self, engine: AsyncEngine, schema: str) -> None:
        self.engine = engine
        s = f'"{schema}"'
        self._version = f"SELECT position FROM {s}.capacity_version"
        self._people = (
            f"SELECT person_id, roles, calendar_id, part_time_percent, last_day "
            f"FROM {s}.capacity_people ORDER BY person_id"
        )
        self._calendars = (
            f"SELECT calendar_id, hours_per_week, public_holidays FROM {s}.capacity_calendars"
        )
        # ISO weeks as text (2027-W05) sort as they follow each other.
        self._reports = (
            f"SELECT person_id, week, available_percent, absence_hours, other_duty_hours "
            f"FROM {s}.capacity_reports WHERE week BETWEEN $1 AND $2"
        )
        self._allocations = (
            f"SELECT person_id, project_id, start_week, end_week, hours_per_week, "
            f"percent_of_availability "
            f"FROM {s}.capacity_allocations "
            f"WHERE NOT released AND start_week <= $2 AND end_week >= $1"
        )

    async def version(self, conn: asyncpg.Connection | None = None) -> int | None:
        """The capacity version: the highest capacity log position applied; None before any."""
        if conn is not None:
            return await self._read_version(conn)
        async with raw_connection(self.engine) as own:
            return await self._read_version(own)

    async def _read_version(self, conn: asyncpg.Connection) -> int | None:
        position = await conn.fetchval(self._version)
        return None if position is None else int(position)

    async def facts(self, quarters: Iterable[str]) -> CapacityFacts:
        """The facts for the weeks of `quarters`, read in one snapshot with their version."""
        mondays = sorted(monday for quarter in quarters for monday in mondays_of(quarter))
        async with (
            raw_connection(self.engine) as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            version = await self._read_version(conn)
            if not mondays:
                return CapacityFacts(version)
            first, last = week_of(mondays[0]), week_of(mondays[-1])
            people = await conn.fetch(self._people)
            calendars = await conn.fetch(self._calendars)
            reports = await conn.fetch(self._reports, first, last)
            allocations = await conn.fetch(self._allocations, first, last)
        reported: dict[str, dict[str, Report]] = defaultdict(dict)
        for row in reports:
            reported[row[0]][row[1]] = Report(row[2], row[3], row[4])
        allocated: dict[str, list[AllocationFacts]] = defaultdict(list)
        for row in allocations:
            allocated[row[0]].append(
                AllocationFacts(row[1], row[2], row[3], row[4], percent_of_availability=row[5])
            )
        return CapacityFacts(
            version,
            tuple(
                PersonFacts(
                    person_id=row[0],
                    roles=tuple(row[1]),
                    calendar_id=row[2],
                    part_time_percent=row[3],
                    last_day=row[4],
                    reports=reported.get(row[0], {}),
                    allocations=tuple(allocated.get(row[0], ())),
                )
                for row in people
            ),
            {row[0]: CalendarFacts(row[1], frozenset(row[2])) for row in calendars},
        )


__all__ = ["CapacityTables"]
