"""The capacity feed: `pmo.capacity.events` → the capacity facts the portfolio plans with.

It keeps, in the portfolio's own tables (migrations 0007, 0008), what the picture needs: people
(roles, calendar, part-time percentage, last day), calendars (hours a week, public holidays), the
latest availability report of each person-week, and allocations (hours a week, or a percent of
the person's availability each week, over a range of weeks; soft or hard, released). It runs
inside the consumer's transaction: the facts, the capacity version and the dedupe record commit
together.

The capacity version is the highest capacity log position applied (the CloudEvent's
`pmoposition`, the capacity store's global position). It is the field that orders the capacity
log as a whole: `sequence` is one stream's version (person 7's third event), which says nothing
of another person's. Events of other partitions below it may still be in flight: the version
names the newest capacity fact the picture includes, which is what a decision can be traced to.

Each person's and calendar's stream version is kept too: an event at or below it is a
redelivery and writes nothing (beside the kernel consumer's dedupe of event ids), a gap is
refused (Unprocessable: dead-lettered, replayed once the missing events are in).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.consumer import Unprocessable

SERVICE = "capacity"
FOLDED_STREAMS = frozenset({"person", "calendar"})  # the others only move the version


class CapacityFeed:
    name = "portfolio.capacity-feed"

    def __init__(self, schema: str) -> None:
        s = f'"{schema}"'
        self._stream_version = (
            f"SELECT version FROM {s}.capacity_streams "
            "WHERE stream_type = $1 AND stream_id = $2 FOR UPDATE"
        )
        self._set_stream_version = (
            f"INSERT INTO {s}.capacity_streams (stream_type, stream_id, version) "
            "VALUES ($1, $2, $3) ON CONFLICT (stream_type, stream_id) "
            "DO UPDATE SET version = excluded.version"
        )
        # Only ever forward: a redelivered or older position updates no row.
        self._advance = (
            f"INSERT INTO {s}.capacity_version (singleton, position) VALUES (true, $1) "
            f"ON CONFLICT (singleton) DO UPDATE SET position = excluded.position "
            f"WHERE {s}.capacity_version.position < excluded.position"
        )
        self._calendar = (
            f"INSERT INTO {s}.capacity_calendars (calendar_id, hours_per_week, public_holidays) "
            "VALUES ($1, $2, $3) ON CONFLICT (calendar_id) DO UPDATE SET "
            "hours_per_week = excluded.hours_per_week, "
            "public_holidays = excluded.public_holidays"
        )
        self._person = (
            f"INSERT INTO {s}.capacity_people "
            "(person_id, roles, calendar_id, part_time_percent) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (person_id) DO UPDATE SET roles = excluded.roles, "
            "calendar_id = excluded.calendar_id, part_time_percent = excluded.part_time_percent"
        )
        self._left = f"UPDATE {s}.capacity_people SET last_day = $2 WHERE person_id = $1"
        self._report = (
            f"INSERT INTO {s}.capacity_reports (person_id, week, available_percent, "
            "absence_hours, other_duty_hours) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (person_id, week) DO UPDATE SET "
            "available_percent = excluded.available_percent, "
            "absence_hours = excluded.absence_hours, "
            "other_duty_hours = excluded.other_duty_hours"
        )
        self._allocation = (
            f"INSERT INTO {s}.capacity_allocations (person_id, allocation_id, project_id, "
            "start_week, end_week, hours_per_week, percent_of_availability, kind) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, 'soft') "
            "ON CONFLICT (person_id, allocation_id) DO NOTHING"
        )
        self._confirmed = (
            f"UPDATE {s}.capacity_allocations SET kind = 'hard' "
            "WHERE person_id = $1 AND allocation_id = $2"
        )
        self._released = (
            f"UPDATE {s}.capacity_allocations SET released = true "
            "WHERE person_id = $1 AND allocation_id = $2"
        )

    async def handle(self, conn: asyncpg.Connection, event: ReceivedEvent) -> None:
        if event.service != SERVICE:
            return
        if event.position is None:
            raise Unprocessable(
                f"capacity event {event.event_id} carries no log position (ce_pmoposition)"
            )
        if event.stream_type in FOLDED_STREAMS and not await self._fold(conn, event):
            return  # already known
        await conn.execute(self._advance, event.position)

    async def after_commit(self, events: Sequence[ReceivedEvent]) -> None:
        return None

    async def _fold(self, conn: asyncpg.Connection, event: ReceivedEvent) -> bool:
        """Apply the event to the facts; False when its stream already had it."""
        version = await conn.fetchval(self._stream_version, event.stream_type, event.subject) or 0
        if event.sequence <= version:
            return False
        if event.sequence != version + 1:
            raise Unprocessable(
                f"capacity {event.stream_type} {event.subject}: event version {event.sequence} "
                f"after {version}"
            )
        await self._apply(conn, event.event_type, event.subject, event.data)
        await conn.execute(
            self._set_stream_version, event.stream_type, event.subject, event.sequence
        )
        return True

    async def _apply(
        self, conn: asyncpg.Connection, event_type: str, subject: str, data: dict[str, Any]
    ) -> None:
        match event_type:
            case "CalendarDefined":
                holidays = sorted({date.fromisoformat(day) for day in data["public_holidays"]})
                await conn.execute(self._calendar, subject, _number(data["hours_per_week"]),
                                   holidays)  # fmt: skip
            case "PersonRegistered":
                roles = list(dict.fromkeys(str(role) for role in data["roles"]))
                await conn.execute(self._person, subject, roles, data["calendar_id"],
                                   _number(data["part_time_percent"]))  # fmt: skip
            case "PersonLeft":
                await conn.execute(self._left, subject, date.fromisoformat(data["last_day"]))
            case "AvailabilityReported":
                await conn.execute(
                    self._report, subject, data["week"], _optional(data.get("available_percent")),
                    _optional(data.get("absence_hours")), _optional(data.get("other_duty_hours")),
                )  # fmt: skip
            case "AllocationProposed":
                await conn.execute(
                    self._allocation, subject, data["allocation_id"], data["project_id"],
                    data["start_week"], data["end_week"], _optional(data.get("hours_per_week")),
                    _optional(data.get("percent_of_availability")),
                )  # fmt: skip
            case "AllocationConfirmed":
                await conn.execute(self._confirmed, subject, data["allocation_id"])
            case "AllocationReleased":
                await conn.execute(self._released, subject, data["allocation_id"])
            case _:
                pass  # a fact of the stream the picture does not use


def _number(value: Any) -> Decimal:
    return Decimal(str(value))


def _optional(value: Any) -> Decimal | None:
    return None if value is None else _number(value)


__all__ = ["CapacityFeed"]
