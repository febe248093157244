"""The portfolio projector's SQL, and the plain data it moves.

Rows travel as JSON documents that PostgreSQL unpacks with `jsonb_populate_recordset` against the
table's own row type, so every column gets its type from the table (timestamps, numeric money,
jsonb) and one statement text serves any batch size. A batch:

1. `lock_versions`: the stream versions it touches, FOR UPDATE (another projector instance in a
   rebalance overlap waits for our commit);
2. `read_rows`: the main rows of those streams, as JSON (money as text: exact);
3. `write`: the versions, the final main row of each stream, the evaluations (and which of them
   a later one by the same evaluator supersedes), the decisions, the routing rule sets, the
   arbitration requests, the scenario adoptions, the projection's progress, and a NOTIFY of
   the stream versions reached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_reporting.changes import PORTFOLIO_CHANNEL, encode_versions

Row = dict[str, Any]

# Stream type → the table of its main row (None: the stream adds rows, it has no main row).
STREAM_TABLES: Mapping[str, str | None] = {
    "portfolio-item": "portfolio_items",
    "scoring-model": "scoring_models",
    "governance-body": "governance_bodies",
    "meeting": "meetings",
    "routing-rules": None,
    "budget-envelope": "budget_envelopes",
    "scenario": "scenarios",
    "programme": "programmes",
    "risk-register": "risk_registers",
    "benefit-register": "benefit_registers",
}
_KEYS = {table: "id" for table in STREAM_TABLES.values() if table is not None}
# Numeric columns read back as text, so a re-read amount is the exact decimal string.
_NUMERIC = {"portfolio_items": ("estimated_cost",), "budget_envelopes": ("amount",)}


@dataclass
class Step:
    """What one event does to the read models."""

    row: Row | None  # the stream's main row after the event (None for routing rules)
    scores: list[Row] = field(default_factory=list)  # item_scores rows to insert
    decisions: list[Row] = field(default_factory=list)  # decisions rows to upsert
    rule_sets: list[Row] = field(default_factory=list)  # routing_rule_sets rows to insert
    arbitrations: list[Row] = field(default_factory=list)  # arbitration_requests rows
    adoptions: list[Row] = field(default_factory=list)  # scenario_adoption_decisions rows


Creator = Callable[[ReceivedEvent], Step]  # the event that starts a stream → its first row
Update = Callable[[Row, ReceivedEvent], Step]  # a later event, on a copy of the main row


def stream_key(event: ReceivedEvent) -> str:
    return f"{event.stream_type}/{event.subject}"


class PortfolioStatements:
    def __init__(self, schema: str, projection: str) -> None:
        if not schema.replace("_", "").isalnum():
            raise ValueError(f"unsafe schema name {schema!r}")
        s = f'"{schema}"'
        self.s = s
        self.projection = projection
        self.lock_sql = (
            f"SELECT stream_id, version FROM {s}.portfolio_stream_versions "
            f"WHERE stream_id = ANY($1::text[]) ORDER BY stream_id FOR UPDATE"
        )
        self.read_sql = {table: _read_sql(s, table) for table in _KEYS}
        self.versions_sql = f"""
            INSERT INTO {s}.portfolio_stream_versions AS v (stream_id, version)
            SELECT stream_id, version FROM jsonb_to_recordset($1::jsonb)
                AS u(stream_id text, version integer)
            ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version
            WHERE v.version < excluded.version"""
        self.scores_sql = f"""
            INSERT INTO {s}.item_scores
            SELECT * FROM jsonb_populate_recordset(NULL::{s}.item_scores, $1::jsonb)"""
        # Each evaluator counts once per model version: with their latest evaluation.
        self.supersede_sql = f"""
            UPDATE {s}.item_scores AS old SET superseded = true
            WHERE old.item_id = ANY($1::text[]) AND NOT old.superseded AND EXISTS (
                SELECT 1 FROM {s}.item_scores AS new
                WHERE new.item_id = old.item_id AND new.evaluator_id = old.evaluator_id
                  AND new.model_id = old.model_id AND new.model_version = old.model_version
                  AND new.version > old.version)"""
        # ItemDecided and DecisionRecorded carry the same decision; only the meeting's
        # says who recorded it.
        self.decisions_sql = f"""
            INSERT INTO {s}.decisions AS d
            SELECT * FROM jsonb_populate_recordset(NULL::{s}.decisions, $1::jsonb)
            ON CONFLICT (decision_id) DO UPDATE SET
                recorded_by = coalesce(excluded.recorded_by, d.recorded_by),
                recorded_at = coalesce(excluded.recorded_at, d.recorded_at)"""
        self.rule_sets_sql = f"""
            INSERT INTO {s}.routing_rule_sets
            SELECT * FROM jsonb_populate_recordset(NULL::{s}.routing_rule_sets, $1::jsonb)
            ON CONFLICT (rule_set_id, version) DO NOTHING"""
        self.arbitrations_sql = f"""
            INSERT INTO {s}.arbitration_requests
            SELECT * FROM jsonb_populate_recordset(NULL::{s}.arbitration_requests, $1::jsonb)
            ON CONFLICT (envelope_id, version) DO NOTHING"""
        self.adoptions_sql = f"""
            INSERT INTO {s}.scenario_adoption_decisions
            SELECT * FROM jsonb_populate_recordset(
                NULL::{s}.scenario_adoption_decisions, $1::jsonb)
            ON CONFLICT (decision_id) DO NOTHING"""
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

    async def lock_versions(self, conn: asyncpg.Connection, keys: Iterable[str]) -> dict[str, int]:
        records = await conn.fetch(self.lock_sql, sorted(keys))
        return {record["stream_id"]: int(record["version"]) for record in records}

    async def read_rows(
        self, conn: asyncpg.Connection, events: Sequence[ReceivedEvent]
    ) -> dict[str, Row]:
        """The main rows of the events' streams, keyed like the versions."""
        rows: dict[str, Row] = {}
        for stream_type, table in STREAM_TABLES.items():
            ids = sorted({e.subject for e in events if e.stream_type == stream_type})
            if table is None or not ids:
                continue
            for record in await conn.fetch(self.read_sql[table], ids):
                row: Row = orjson.loads(record["row"])
                rows[f"{stream_type}/{row[_KEYS[table]]}"] = row
        return rows

    async def write(
        self,
        conn: asyncpg.Connection,
        events: Sequence[ReceivedEvent],
        steps: Sequence[Step],
        versions: Mapping[str, int],
    ) -> None:
        """Write what `steps` (one per event of `events`) did, in the caller's transaction."""
        touched = {stream_key(e) for e in events}
        await conn.execute(
            self.versions_sql,
            _json([{"stream_id": key, "version": versions[key]} for key in sorted(touched)]),
        )
        finals: dict[str, dict[str, Row]] = {}  # table → key → the last row of each stream
        decisions: dict[str, Row] = {}
        scores: list[Row] = []
        rule_sets: list[Row] = []
        arbitrations: list[Row] = []
        adoptions: list[Row] = []
        for event, step in zip(events, steps, strict=True):
            table = STREAM_TABLES[event.stream_type]
            if table is not None and step.row is not None:
                finals.setdefault(table, {})[event.subject] = step.row
            scores += step.scores
            rule_sets += step.rule_sets
            arbitrations += step.arbitrations
            adoptions += step.adoptions
            for decision in step.decisions:  # merged: one row per decision in a statement
                known = decisions.get(decision["decision_id"], {})
                decisions[decision["decision_id"]] = {
                    **decision,
                    "recorded_by": decision["recorded_by"] or known.get("recorded_by"),
                    "recorded_at": decision["recorded_at"] or known.get("recorded_at"),
                }
        for table, rows in finals.items():
            listed = list(rows.values())
            sql = _upsert_sql(self.s, table, _KEYS[table], listed[0])
            await conn.execute(sql, _json(listed))
        if scores:
            await conn.execute(self.scores_sql, _json(scores))
            await conn.execute(self.supersede_sql, sorted({s["item_id"] for s in scores}))
        if decisions:
            await conn.execute(self.decisions_sql, _json(list(decisions.values())))
        if rule_sets:
            await conn.execute(self.rule_sets_sql, _json(rule_sets))
        if arbitrations:
            await conn.execute(self.arbitrations_sql, _json(arbitrations))
        if adoptions:
            await conn.execute(self.adoptions_sql, _json(adoptions))
        # Delivered at commit, when the rows are visible: wakes mutations waiting to read
        # their own writes and feeds the portfolio subscriptions (see changes.py).
        for payload in encode_versions({key: versions[key] for key in touched}):
            await conn.execute(self.notify_sql, PORTFOLIO_CHANNEL, payload)
        last = events[-1]
        await conn.execute(self.status_sql, self.projection, len(events), last.event_id, last.time)


def _read_sql(s: str, table: str) -> str:
    document = "to_jsonb(t)"
    numeric = _NUMERIC.get(table, ())
    if numeric:
        pairs = ", ".join(f"'{c}', t.{c}::text" for c in numeric)
        document = f"to_jsonb(t) || jsonb_build_object({pairs})"
    return (
        f"SELECT ({document})::text AS row FROM {s}.{table} AS t "
        f"WHERE t.{_KEYS[table]} = ANY($1::text[])"
    )


def _upsert_sql(s: str, table: str, key: str, columns: Iterable[str]) -> str:
    # A row holds every column of its table (evolve builds complete rows): the text is the
    # same for every batch of a table, and the statement cache prepares it once.
    updates = ", ".join(f"{c} = excluded.{c}" for c in sorted(columns) if c != key)
    return f"""
        INSERT INTO {s}.{table} AS t
        SELECT * FROM jsonb_populate_recordset(NULL::{s}.{table}, $1::jsonb)
        ON CONFLICT ({key}) DO UPDATE SET {updates}"""


def _json(value: Any) -> str:
    # Decimals as strings (numeric parses them exactly), datetimes as ISO-8601 with offset.
    return orjson.dumps(value, default=str).decode()
