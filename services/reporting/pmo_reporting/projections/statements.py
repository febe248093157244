"""SQL for a `Projection`: one statement per event, so applying it costs one round trip.

The statement chains data-modifying CTEs: change the demand row (guarded by its version), add
the history line only if the row changed, count the event in `projection_status`, and NOTIFY.
It returns one row when the event applied, none when the version guard refused it.

The SQL text depends only on the event's shape (which columns it sets), never on its values,
and every parameter is cast to its column's type, so asyncpg's statement cache prepares each
text once per connection: about ten statements serve every demand event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from pmo_reporting.changes import CHANNEL
from pmo_reporting.projections.rows import (
    DEMAND_COLUMNS,
    HistoryEntry,
    InsertDemand,
    Projection,
    UpdateDemand,
)

_HISTORY_COLUMNS = (
    ("event_id", "uuid"),
    ("event_type", "text"),
    ("actor_id", "text"),
    ("actor_name", "text"),
    ("occurred_at", "timestamptz"),
    ("summary", "text"),
    ("details", "jsonb"),
)


class _Params:
    """Numbers placeholders in order of appearance and casts each to its SQL type."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, sql_type: str) -> str:
        self.count += 1
        return f"${self.count}::{sql_type}"


class Statements:
    def __init__(self, schema: str, projection: str) -> None:
        if not schema.replace("_", "").isalnum():
            raise ValueError(f"unsafe schema name {schema!r}")
        self.s = f'"{schema}"'
        self.projection = projection
        self.current_version = f"SELECT version FROM {self.s}.demands WHERE id = $1"
        self._insert_sql = self._build_insert()
        self._update_sql: dict[tuple[str, ...], str] = {}

    def apply(self, projection: Projection) -> tuple[str, list[Any]]:
        """(sql, args) applying `projection`; the query returns a row iff it was applied."""
        row = projection.row
        if isinstance(row, InsertDemand):
            args = [row.demand_id, *(_encode(c, row.values[c]) for c in _INSERTED)]
            sql = self._insert_sql
            changes = projection.history.changes or {}
        else:
            columns = tuple(row.values)
            sql = self._update_sql.get(columns) or self._build_update(columns)
            args = [
                row.demand_id,
                row.version,
                row.updated_at,
                row.last_actor_id,
                *(_encode(c, row.values[c]) for c in columns),
            ]
            changes = None
        args.extend(_history_args(projection.history))
        if changes is not None:
            args.append(_json(changes))
        args.extend([self.projection, projection.notice.encode()])
        return sql, args

    # -- SQL texts ------------------------------------------------------------------------

    def _build_insert(self) -> str:
        p = _Params()
        columns = ("id", *_INSERTED)
        values = ", ".join(p(DEMAND_COLUMNS[c]) for c in columns)
        history = _history_select(p, "$1::text", "1")
        changes = p("jsonb")
        return f"""
            WITH applied AS (
                INSERT INTO {self.s}.demands ({", ".join(columns)}) VALUES ({values})
                ON CONFLICT (id) DO NOTHING
                RETURNING id
            ), history AS (
                INSERT INTO {self.s}.demand_history (demand_id, version, {_HISTORY_NAMES}, changes)
                SELECT {history}, {changes} FROM applied
                RETURNING version, event_id, occurred_at
            ){self._status_and_notify(p)}"""

    def _build_update(self, columns: Sequence[str]) -> str:
        unknown = set(columns) - set(DEMAND_COLUMNS)
        if unknown:
            raise ValueError(f"not demand columns: {sorted(unknown)}")
        p = _Params()
        demand_id, version, updated_at, actor = p("text"), p("integer"), p("timestamptz"), p("text")
        sets = ", ".join(f"{c} = {p(DEMAND_COLUMNS[c])}" for c in columns)
        diff = _diff(columns)
        history = _history_select(p, demand_id, version)
        sql = f"""
            WITH prev AS (
                SELECT * FROM {self.s}.demands WHERE id = {demand_id}
            ), applied AS (
                UPDATE {self.s}.demands AS d
                SET version = {version}, updated_at = {updated_at}, last_actor_id = {actor}
                    {", " + sets if sets else ""}
                FROM prev
                WHERE d.id = prev.id AND d.version = {version} - 1
                RETURNING {diff} AS changes
            ), history AS (
                INSERT INTO {self.s}.demand_history (demand_id, version, {_HISTORY_NAMES}, changes)
                SELECT {history}, changes FROM applied
                RETURNING version, event_id, occurred_at
            ){self._status_and_notify(p)}"""
        self._update_sql[tuple(columns)] = sql
        return sql

    def _status_and_notify(self, p: _Params) -> str:
        projection, notice = p("text"), p("text")
        return f""", status AS (
                INSERT INTO {self.s}.projection_status AS ps
                    (projection, events_applied, last_event_id, last_event_time, last_applied_at)
                SELECT {projection}, 1, event_id, occurred_at, now() FROM history
                ON CONFLICT (projection) DO UPDATE SET
                    events_applied = ps.events_applied + 1,
                    last_event_id = excluded.last_event_id,
                    last_event_time = excluded.last_event_time,
                    last_applied_at = excluded.last_applied_at
            )
            SELECT version, pg_notify('{CHANNEL}', {notice}) FROM history"""


_INSERTED = tuple(c for c in DEMAND_COLUMNS if c != "id")
_HISTORY_NAMES = ", ".join(name for name, _ in _HISTORY_COLUMNS)


def _history_select(p: _Params, demand_id: str, version: str) -> str:
    return ", ".join([demand_id, version, *(p(sql_type) for _, sql_type in _HISTORY_COLUMNS)])


def _history_args(entry: HistoryEntry) -> list[Any]:
    return [
        entry.event_id,
        entry.event_type,
        entry.actor_id,
        entry.actor_name,
        entry.occurred_at,
        entry.summary,
        _json(entry.details),
    ]


def _diff(columns: Sequence[str]) -> str:
    """SQL for {column: {"from": old, "to": new}} over `columns`, comparing the row before the
    update (`prev`) with after (`d`). A jsonb object (the business case) is compared key by key,
    as "business_case.<key>", so a revision lists what moved rather than the whole case twice.
    Inline expressions, not a function: nothing is planned again per event."""
    parts = ["'{}'::jsonb"]
    for c in columns:
        before, after = f"prev.{c}", f"d.{c}"
        if DEMAND_COLUMNS[c] == "numeric":
            # as text: a JSON number would come back to Python as a float, wrong for money
            before, after = f"{before}::text", f"{after}::text"
        whole = f"jsonb_build_object('{c}', jsonb_build_object('from', {before}, 'to', {after}))"
        if DEMAND_COLUMNS[c] == "jsonb":
            by_key = (
                f"(SELECT coalesce(jsonb_object_agg('{c}.' || k, jsonb_build_object("
                f"'from', {before} -> k, 'to', {after} -> k)), '{{}}'::jsonb) "
                f"FROM jsonb_object_keys({before} || {after}) AS k "
                f"WHERE ({before} -> k) IS DISTINCT FROM ({after} -> k))"
            )
            parts.append(
                f"CASE WHEN {before} IS NOT DISTINCT FROM {after} THEN '{{}}'::jsonb "
                f"WHEN jsonb_typeof({before}) = 'object' AND jsonb_typeof({after}) = 'object' "
                f"THEN {by_key} ELSE {whole} END"
            )
        else:
            parts.append(
                f"CASE WHEN {before} IS DISTINCT FROM {after} THEN {whole} ELSE '{{}}'::jsonb END"
            )
    return "\n                    || ".join(parts)


def _encode(column: str, value: Any) -> Any:
    return _json(value) if DEMAND_COLUMNS[column] == "jsonb" and value is not None else value


def _json(value: Mapping[str, Any] | Sequence[Any] | Any) -> str:
    return orjson.dumps(value, default=str).decode()
