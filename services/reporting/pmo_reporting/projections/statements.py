"""The projector's SQL: two statements per batch, whatever its size.

1. `lock_rows`: read the demand rows the batch touches, FOR UPDATE, so no other projector (a
   rebalance overlap) changes them before we commit.
2. `write`: one statement of data-modifying CTEs, fed with JSON documents: upsert the final
   row of each demand, insert every history line, count the batch in `projection_status`, and
   NOTIFY the changes. The history's primary key (demand_id, version) is the last guard: a
   version applied twice by anyone fails the statement, and the consumer retries.

Both texts are fixed, so asyncpg's statement cache prepares them once per connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg
import orjson

from pmo_reporting.changes import CHANNEL, encode_notices
from pmo_reporting.projections.rows import DEMAND_COLUMNS, JSONB_COLUMNS, Applied, Row

_HISTORY_COLUMNS = (
    ("demand_id", "text"),
    ("version", "integer"),
    ("event_id", "uuid"),
    ("event_type", "text"),
    ("actor_id", "text"),
    ("actor_name", "text"),
    ("occurred_at", "timestamptz"),
    ("summary", "text"),
    ("changes", "jsonb"),
    ("details", "jsonb"),
)
_COLUMNS = tuple(DEMAND_COLUMNS)
# jsonb read as text: the driver's jsonb codec differs between a bare asyncpg connection and
# one from SQLAlchemy's pool (which decodes with the json module); text is the same on both.
_SELECT_COLUMNS = ", ".join(f"{c}::text AS {c}" if c in JSONB_COLUMNS else c for c in _COLUMNS)


class ConcurrentProjection(RuntimeError):
    """The rows changed under us (another projector instance): the batch is retried."""


class Statements:
    def __init__(self, schema: str, projection: str) -> None:
        if not schema.replace("_", "").isalnum():
            raise ValueError(f"unsafe schema name {schema!r}")
        s = f'"{schema}"'
        self.projection = projection
        self.lock_sql = (
            f"SELECT {_SELECT_COLUMNS} FROM {s}.demands WHERE id = ANY($1::text[]) "
            f"ORDER BY id FOR UPDATE"  # a stable lock order: two lockers cannot deadlock
        )
        self.write_sql = _write_sql(s)

    async def lock_rows(self, conn: asyncpg.Connection, ids: Iterable[str]) -> dict[str, Row]:
        records = await conn.fetch(self.lock_sql, sorted(ids))
        return {record["id"]: _decode_row(record) for record in records}

    async def write(self, conn: asyncpg.Connection, applied: Sequence[Applied]) -> None:
        final: dict[str, Row] = {}
        for result in applied:  # later events of a demand win: one row per demand
            final[result.row["id"]] = result.row
        # HistoryEntry's fields are the history columns: orjson writes the dataclasses as
        # they are, with no dict per line.
        history = [result.history for result in applied]
        last = applied[-1].history
        written = await conn.fetchrow(
            self.write_sql,
            _json(list(final.values())),
            _json(history),
            self.projection,
            len(history),
            last.event_id,
            last.occurred_at,
            encode_notices([result.notice for result in applied]),
        )
        assert written is not None
        if written["rows"] != len(final):
            raise ConcurrentProjection(
                f"{len(final) - written['rows']} demand rows moved on while the batch was applied"
            )


def _write_sql(s: str) -> str:
    # The batch travels as two JSON documents (rows, history lines) that PostgreSQL unpacks
    # with jsonb_to_recordset: two parameters to encode instead of one array per column,
    # which the driver would build element by element.
    columns = ", ".join(_COLUMNS)
    row_types = ", ".join(f"{c} {t}" for c, t in DEMAND_COLUMNS.items())
    updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c != "id")
    history_names = ", ".join(name for name, _ in _HISTORY_COLUMNS)
    history_types = ", ".join(f"{name} {t}" for name, t in _HISTORY_COLUMNS)
    return f"""
        WITH upserted AS (
            INSERT INTO {s}.demands AS d ({columns})
            SELECT {columns} FROM jsonb_to_recordset($1::jsonb) AS u({row_types})
            ON CONFLICT (id) DO UPDATE SET {updates}
            WHERE d.version < excluded.version
            RETURNING d.id
        ), history AS (
            INSERT INTO {s}.demand_history ({history_names})
            SELECT {history_names} FROM jsonb_to_recordset($2::jsonb) AS u({history_types})
            RETURNING version
        ), status AS (
            INSERT INTO {s}.projection_status AS ps
                (projection, events_applied, last_event_id, last_event_time, last_applied_at)
            VALUES ($3::text, $4::bigint, $5::uuid, $6::timestamptz, now())
            ON CONFLICT (projection) DO UPDATE SET
                events_applied = ps.events_applied + excluded.events_applied,
                last_event_id = excluded.last_event_id,
                last_event_time = excluded.last_event_time,
                last_applied_at = excluded.last_applied_at
        ), notified AS (
            -- a volatile function keeps this CTE materialised: each NOTIFY runs once
            SELECT pg_notify('{CHANNEL}', payload) FROM unnest($7::text[]) AS payload
        )
        SELECT (SELECT count(*) FROM upserted) AS rows,
               (SELECT count(*) FROM history) AS lines,
               (SELECT count(*) FROM notified) AS notices"""


def _decode_row(record: asyncpg.Record) -> Row:
    row = dict(record)
    for column in JSONB_COLUMNS:
        if row[column] is not None:
            row[column] = orjson.loads(row[column])
    return row


def _json(value: Any) -> str:
    # Decimals as strings (numeric parses them exactly), datetimes as ISO-8601 with offset.
    return orjson.dumps(value, default=str).decode()
