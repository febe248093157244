"""The capacity projection: capacity events (their JSON payloads) → calendars, people, their
availability reports and allocations; resource requests, staffing proposals and the skills
catalogue (capacity_staffing.py); staffing drafts (capacity_drafts.py).

`fold(state, event)` is pure: it applies one event to the rows a batch has in hand (`State`)
and says whether it did. `CapacityProjection` is the consumer handler that reads those rows,
folds a polled batch in memory and writes back what changed, a handful of statements whatever
the batch's size.

Reporting never imports the capacity service: the published payloads are the contract (see
services/capacity/pmo_capacity/domain/events.py, proposal_events.py and draft_events.py for
their shape). Rows
hold JSON-ready values (numbers as decimal strings, times as ISO-8601) that PostgreSQL casts to
the column types.

Ordering: `capacity_stream_versions` keeps the version of every capacity stream applied (keyed
"<stream type>/<stream id>"). An event at or below it was applied and is skipped; one further
ahead than the next version is a gap, which retrying cannot fix: `Unprocessable`, and the
consumer dead-letters it. Streams of other types on the topic (newer than this code) are left
alone. A batch NOTIFYs the versions it reached (changes.CAPACITY_CHANNEL) in its transaction:
mutations waiting to read their own writes wake at commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

import asyncpg
import orjson

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.consumer import Unprocessable
from pmo_reporting.changes import CAPACITY_CHANNEL, encode_versions
from pmo_reporting.projections import capacity_drafts, capacity_staffing
from pmo_reporting.projections.capacity_state import (
    CALENDAR,
    DRAFT,
    MAIN_TABLES,
    PERSON,
    PROPOSAL,
    REQUEST,
    SKILLS,
    Row,
    State,
)

log = logging.getLogger(__name__)

PROJECTION_NAME = "reporting.capacity"
STREAM_TYPES = frozenset({CALENDAR, PERSON, REQUEST, PROPOSAL, SKILLS, DRAFT})


def stream_key(event: ReceivedEvent) -> str:
    return f"{event.stream_type}/{event.subject}"


def fold(state: State, event: ReceivedEvent) -> bool:
    """Apply `event` to `state`; False when its stream has applied it already. Raises
    Unprocessable for a gap or a payload it cannot read."""
    key = stream_key(event)
    version = state.versions.get(key, 0)
    if event.sequence <= version:
        return False
    if event.sequence != version + 1:
        raise Unprocessable(
            f"gap: {event.stream_type} {event.subject} is at version {version} in the read "
            f"model; {event.event_type} v{event.sequence} cannot apply before v{version + 1}"
        )
    table = MAIN_TABLES.get(event.stream_type)
    try:
        rule = _RULES.get(event.event_type)
        if rule is not None:
            rule(state, event)
        elif table is not None and state.main_row(event) is None:
            raise ValueError(f"the {event.stream_type} was never created")
        else:  # newer than this code: the version still advances
            log.info("capacity projection: %s not projected", event.event_type)
        if table is not None:
            main = state.main_row(event)
            if main is None:
                raise ValueError(f"the {event.stream_type} was never created")
            main["version"] = event.sequence
            state.changed.add((table, event.subject))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise Unprocessable(
            f"unreadable {event.event_type} payload for {event.stream_type} {event.subject} "
            f"v{event.sequence}: {exc!r}"
        ) from exc
    state.versions[key] = event.sequence
    return True


def _number(value: Any) -> str | None:
    return None if value is None else str(Decimal(str(value)))


def _calendar_defined(state: State, event: ReceivedEvent) -> None:
    data = event.data
    state.calendars[event.subject] = {
        "id": event.subject,
        "version": event.sequence,
        "name": data["name"],
        "hours_per_week": _number(data["hours_per_week"]),
        "holidays": sorted({str(day) for day in data["public_holidays"]}),
        "defined_at": data["defined_at"],
    }


def _person_registered(state: State, event: ReceivedEvent) -> None:
    data = event.data
    rate = data["cost_rate_per_day"]
    state.people[event.subject] = {
        "id": event.subject,
        "version": event.sequence,
        "name": data["name"],
        "line_manager": data["line_manager"],
        "team": data["team"],
        "roles": [str(role) for role in data["roles"]],
        "skills": [{"name": s["name"], "level": int(s["level"])} for s in data["skills"]],
        "cost_rate_amount": _number(rate["amount"]),
        "cost_rate_currency": str(rate["currency"]),
        "calendar_id": data["calendar_id"],
        "part_time_percent": _number(data["part_time_percent"]),
        "last_day": None,
        "registered_at": data["registered_at"],
    }


def _person(state: State, event: ReceivedEvent) -> Row:
    row = state.people.get(event.subject)
    if row is None:
        raise ValueError(f"person {event.subject} was never registered")
    return row


def _person_left(state: State, event: ReceivedEvent) -> None:
    _person(state, event)["last_day"] = event.data["last_day"]


def _availability_reported(state: State, event: ReceivedEvent) -> None:
    _person(state, event)
    data = event.data
    key = (event.subject, str(data["week"]))
    state.reports[key] = {  # the latest report of a week replaces the earlier ones
        "person_id": event.subject,
        "week": key[1],
        "available_percent": _number(data.get("available_percent")),
        "absence_hours": _number(data.get("absence_hours")),
        "other_duty_hours": _number(data.get("other_duty_hours")),
        "note": data.get("note"),
        "reported_by": data["reported_by"],
        "reported_at": data["reported_at"],
    }
    state.changed.add(("availability_reports", f"{key[0]}\x00{key[1]}"))


def _allocation_proposed(state: State, event: ReceivedEvent) -> None:
    _person(state, event)
    data = event.data
    allocation_id = str(data["allocation_id"])
    state.allocations[allocation_id] = {
        "id": allocation_id,
        "person_id": event.subject,
        "project_id": data["project_id"],
        "start_week": data["start_week"],
        "end_week": data["end_week"],
        "hours_per_week": _number(data.get("hours_per_week")),
        "percent_of_availability": _number(data.get("percent_of_availability")),
        "kind": "soft",
        "over_allocated": bool(data["over_allocated"]),
        "released": False,
        "proposed_by": data["proposed_by"],
        "proposed_at": data["proposed_at"],
        "confirmed_by": None,
        "confirmed_at": None,
        "released_by": None,
        "released_at": None,
    }
    state.changed.add(("allocations", allocation_id))


def _allocation(state: State, event: ReceivedEvent) -> Row:
    allocation_id = str(event.data["allocation_id"])
    row = state.allocations.get(allocation_id)
    if row is None or row["person_id"] != event.subject:
        raise ValueError(f"person {event.subject} has no allocation {allocation_id}")
    state.changed.add(("allocations", allocation_id))
    return row


def _allocation_confirmed(state: State, event: ReceivedEvent) -> None:
    row = _allocation(state, event)
    row["kind"] = "hard"
    row["confirmed_by"] = event.data["confirmed_by"]
    row["confirmed_at"] = event.data["confirmed_at"]


def _allocation_released(state: State, event: ReceivedEvent) -> None:
    row = _allocation(state, event)
    row["released"] = True
    row["released_by"] = event.data["released_by"]
    row["released_at"] = event.data["released_at"]


_RULES: dict[str, Callable[[State, ReceivedEvent], None]] = {
    "CalendarDefined": _calendar_defined,
    "PersonRegistered": _person_registered,
    "PersonLeft": _person_left,
    "AvailabilityReported": _availability_reported,
    "AllocationProposed": _allocation_proposed,
    "AllocationConfirmed": _allocation_confirmed,
    "AllocationReleased": _allocation_released,
    **capacity_staffing.RULES,
    **capacity_drafts.RULES,
}
_LATER_ALLOCATION_EVENTS = frozenset({"AllocationConfirmed", "AllocationReleased"})


# -- the handler ----------------------------------------------------------------------------


class CapacityProjection:
    """Consumer handler (pmo_kernel.consumer.BatchHandler) keeping the capacity read models.

    A batch: lock the versions of its streams, read their main rows and the allocations it
    confirms or releases (a statement per table), fold the events in memory, upsert what
    changed (one statement per table), record the versions reached and NOTIFY them. `handle`
    is a batch of one."""

    name = PROJECTION_NAME

    def __init__(self, schema: str = "reporting") -> None:
        if not schema.replace("_", "").isalnum():
            raise ValueError(f"unsafe schema name {schema!r}")
        self.schema = schema
        s = f'"{schema}"'
        numbers = {
            "calendars": ("hours_per_week",),
            "people": ("cost_rate_amount", "part_time_percent"),
            "allocations": ("hours_per_week", "percent_of_availability"),
            "resource_requests": ("hours_per_week",),
            "staffing_proposals": (),
            "staffing_drafts": ("filled_hours",),
        }
        self.read_sql = {
            table: (
                "SELECT (to_jsonb(t) || jsonb_build_object("
                + ", ".join(f"'{c}', t.{c}::text" for c in columns)
                + f"))::text AS row FROM {s}.{table} AS t WHERE t.id = ANY($1::text[])"
            )
            for table, columns in numbers.items()
        }
        # Another instance applying the same streams in a rebalance overlap waits for our
        # commit here, then finds them applied.
        self.lock_sql = (
            f"SELECT stream_id, version FROM {s}.capacity_stream_versions "
            f"WHERE stream_id = ANY($1::text[]) ORDER BY stream_id FOR UPDATE"
        )
        self.versions_sql = f"""
            INSERT INTO {s}.capacity_stream_versions AS v (stream_id, version)
            SELECT stream_id, version FROM jsonb_to_recordset($1::jsonb)
                AS u(stream_id text, version integer)
            ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version
            WHERE v.version < excluded.version"""
        staffing = capacity_staffing
        self.upsert_sql = {
            "calendars": _upsert(s, "calendars", ("id",), _CALENDAR_COLUMNS, versioned=True),
            "people": _upsert(s, "people", ("id",), _PERSON_COLUMNS, versioned=True),
            "availability_reports": _upsert(
                s, "availability_reports", ("person_id", "week"), _REPORT_COLUMNS
            ),
            "allocations": _upsert(s, "allocations", ("id",), _ALLOCATION_COLUMNS),
            "resource_requests": _upsert(
                s, "resource_requests", ("id",), staffing.REQUEST_COLUMNS, versioned=True
            ),
            "staffing_proposals": _upsert(
                s, "staffing_proposals", ("id",), staffing.PROPOSAL_COLUMNS, versioned=True
            ),
            "skills": _upsert(s, "skills", ("name",), staffing.SKILL_COLUMNS),
            "staffing_drafts": _upsert(
                s, "staffing_drafts", ("id",), capacity_drafts.DRAFT_COLUMNS, versioned=True
            ),
        }
        self.notify_sql = "SELECT pg_notify($1::text, $2::text)"
        self.status_sql = f"""
            INSERT INTO {s}.projection_status AS ps
                (projection, events_applied, last_event_id, last_event_time, last_applied_at)
            VALUES ($1::text, $2::bigint, $3::uuid, $4::timestamptz, now())
            ON CONFLICT (projection) DO UPDATE SET
                events_applied = ps.events_applied + excluded.events_applied,
                last_event_id = excluded.last_event_id,
                last_event_time = excluded.last_event_time,
                last_applied_at = excluded.last_applied_at"""
        self.skipped = 0  # events found already applied by version (observability, tests)

    async def handle(self, conn: asyncpg.Connection, event: ReceivedEvent) -> None:
        await self.apply(conn, [event])

    async def handle_batch(self, conn: asyncpg.Connection, events: Sequence[ReceivedEvent]) -> None:
        await self.apply(conn, events)

    async def after_commit(self, events: Sequence[ReceivedEvent]) -> None:
        """Nothing to do: the NOTIFY went out with the transaction."""

    async def apply(self, conn: asyncpg.Connection, events: Sequence[ReceivedEvent]) -> int:
        """Apply `events` (in stream order per stream) inside the caller's transaction;
        the number applied (the others had been)."""
        ours = [e for e in events if e.stream_type in STREAM_TYPES]
        if not ours:
            return 0
        state = await self._read(conn, ours)
        applied = [event for event in ours if fold(state, event)]
        self.skipped += len(ours) - len(applied)
        if applied:
            reached = {key: state.versions[key] for key in {stream_key(e) for e in applied}}
            await self._write(conn, state, reached)
            last = applied[-1]
            await conn.execute(
                self.status_sql, PROJECTION_NAME, len(applied), last.event_id, last.time
            )
        return len(applied)

    async def _read(self, conn: asyncpg.Connection, events: Sequence[ReceivedEvent]) -> State:
        state = State()
        keys = sorted({stream_key(e) for e in events})
        for record in await conn.fetch(self.lock_sql, keys):
            state.versions[record["stream_id"]] = int(record["version"])
        wanted: dict[str, set[str]] = {
            table: {e.subject for e in events if e.stream_type == stream_type}
            for stream_type, table in MAIN_TABLES.items()
        }
        wanted["allocations"] = {
            str(e.data.get("allocation_id"))
            for e in events
            if e.stream_type == PERSON and e.event_type in _LATER_ALLOCATION_EVENTS
        }
        for table, ids in wanted.items():
            if ids:
                rows = state.rows_of(table)
                for record in await conn.fetch(self.read_sql[table], sorted(ids)):
                    row: Row = orjson.loads(record["row"])
                    rows[row["id"]] = row
        return state

    async def _write(self, conn: asyncpg.Connection, state: State, reached: dict[str, int]) -> None:
        by_table: dict[str, list[Row]] = {}
        for table, key in sorted(state.changed):
            if table == "availability_reports":
                row = state.reports[_report_key(key)]
            else:
                row = state.rows_of(table)[key]
            by_table.setdefault(table, []).append(row)
        # Calendars and people first: a report or an allocation never lands without its person.
        for table in _WRITE_ORDER:
            rows = by_table.get(table)
            if rows:
                await conn.execute(self.upsert_sql[table], _json(rows))
        versions = [{"stream_id": key, "version": v} for key, v in sorted(reached.items())]
        await conn.execute(self.versions_sql, _json(versions))
        # Delivered at commit, when the rows are visible: wakes the mutations waiting to read
        # their own writes (see changes.py).
        for payload in encode_versions(reached):
            await conn.execute(self.notify_sql, CAPACITY_CHANNEL, payload)


_WRITE_ORDER = (
    "calendars", "people", "availability_reports", "allocations", "resource_requests",
    "staffing_proposals", "skills", "staffing_drafts",
)  # fmt: skip


def _report_key(key: str) -> tuple[str, str]:
    person, week = key.split("\x00")
    return person, week


_CALENDAR_COLUMNS = ("id", "version", "name", "hours_per_week", "holidays", "defined_at")
_PERSON_COLUMNS = (
    "id", "version", "name", "line_manager", "team", "roles", "skills", "cost_rate_amount",
    "cost_rate_currency", "calendar_id", "part_time_percent", "last_day", "registered_at",
)  # fmt: skip
_REPORT_COLUMNS = (
    "person_id", "week", "available_percent", "absence_hours", "other_duty_hours", "note",
    "reported_by", "reported_at",
)  # fmt: skip
_ALLOCATION_COLUMNS = (
    "id", "person_id", "project_id", "start_week", "end_week", "hours_per_week",
    "percent_of_availability", "kind",
    "over_allocated", "released", "proposed_by", "proposed_at", "confirmed_by", "confirmed_at",
    "released_by", "released_at",
)  # fmt: skip


def _upsert(
    s: str, table: str, keys: Iterable[str], columns: Iterable[str], *, versioned: bool = False
) -> str:
    # Rows travel as one JSON document that PostgreSQL unpacks against the table's row type:
    # every column gets its type from the table, and one text serves any batch size.
    key_list = tuple(keys)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key_list)
    # Versioned rows never go back: an instance still applying an older batch in a
    # rebalance overlap cannot undo a newer one.
    guard = " WHERE t.version < excluded.version" if versioned else ""
    return f"""
        INSERT INTO {s}.{table} AS t
        SELECT * FROM jsonb_populate_recordset(NULL::{s}.{table}, $1::jsonb)
        ON CONFLICT ({", ".join(key_list)}) DO UPDATE SET {updates}{guard}"""


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()
