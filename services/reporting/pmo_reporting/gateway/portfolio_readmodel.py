"""Queries on the portfolio read models, for the gateway's portfolio resolvers and loaders.

Like readmodel.py: asyncpg statements on pooled connections, jsonb selected as text and parsed
here (the same whichever codec the driver connection has), a few fixed SQL texts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.db import raw_connection
from pmo_reporting.gateway.readmodel import Keyset, Row


def _columns(names: str) -> tuple[str, ...]:
    return tuple(names.split())


# table → (columns, the jsonb ones among them)
_TABLES: Mapping[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "portfolio_items": (
        _columns(
            "id version title department category requester sponsor risk_level state "
            "current_gate passed_gates estimated_cost estimated_cost_currency "
            "business_case_version business_case requires_investment_committee "
            "desired_start_quarter desired_end_quarter planned_start_quarter "
            "planned_end_quarter cost_per_year registered_at updated_at"
        ),
        frozenset({"passed_gates", "business_case", "cost_per_year"}),
    ),
    "item_scores": (
        _columns(
            "item_id version evaluator_id model_id model_version scores justifications "
            "scored_at superseded"
        ),
        frozenset({"scores", "justifications"}),
    ),
    "scoring_models": (
        _columns("id name kind status latest_version versions draft created_at updated_at"),
        frozenset({"versions", "draft"}),
    ),
    "decisions": (
        _columns(
            "decision_id item_id meeting_id body_id body_kind gate outcome rationale "
            "conditions participants business_case_version business_case facts "
            "scoring_model_id scoring_model_version consolidated_score evaluator_count "
            "rule_set_version applied_rules budget_envelope_id budget_envelope_version "
            "decided_at recorded_by recorded_at"
        ),
        frozenset({"conditions", "participants", "business_case", "facts", "applied_rules"}),
    ),
    "meetings": (
        _columns(
            "id body_id title date closed agenda decision_ids undecided_item_ids "
            "scheduled_at closed_at"
        ),
        frozenset({"agenda", "decision_ids", "undecided_item_ids"}),
    ),
    "governance_bodies": (
        _columns("id kind name members rights established_at"),
        frozenset({"members", "rights"}),
    ),
    "routing_rule_sets": (
        _columns(
            "rule_set_id version rules base_currency exchange_rates published_by published_at"
        ),
        frozenset({"rules", "exchange_rates"}),
    ),
}
FINAL_STATES = ("rejected", "cancelled", "closed")


@dataclass(frozen=True)
class ItemFilterValues:
    states: tuple[str, ...] | None = None
    gate: str | None = None  # the current gate (the last one passed)
    department: str | None = None


def _select(table: str) -> str:
    columns, json_columns = _TABLES[table]
    listed = ", ".join(f"{c}::text AS {c}" if c in json_columns else c for c in columns)
    return f"SELECT {listed} FROM"


class PortfolioReadModel:
    def __init__(self, engine: AsyncEngine, schema: str = "reporting") -> None:
        if not schema.replace("_", "").isalnum():
            raise ValueError(f"unsafe schema name {schema!r}")
        self.engine = engine
        self.s = f'"{schema}"'

    # -- items ----------------------------------------------------------------------------

    async def items_by_ids(self, ids: Sequence[str]) -> dict[str, Row]:
        rows = await self._fetch(
            "portfolio_items",
            f"{_select('portfolio_items')} {self.s}.portfolio_items WHERE id = ANY($1::text[])",
            list(ids),
        )
        return {row["id"]: row for row in rows}

    async def list_items(
        self, filters: ItemFilterValues, first: int, after: Keyset | None
    ) -> list[Row]:
        """Up to `first` items after `after`, newest registered first (ties broken by id)."""
        where, args = _where(filters)
        if after is not None:
            args += [after.submitted_at, after.id]
            where.append(f"(registered_at, id) < (${len(args) - 1}, ${len(args)})")
        args.append(first)
        return await self._fetch(
            "portfolio_items",
            f"{_select('portfolio_items')} {self.s}.portfolio_items {_sql_where(where)} "
            f"ORDER BY registered_at DESC, id DESC LIMIT ${len(args)}",
            *args,
        )

    async def count_items(self, filters: ItemFilterValues) -> int:
        where, args = _where(filters)
        async with raw_connection(self.engine) as conn:
            count: int = await conn.fetchval(
                f"SELECT count(*) FROM {self.s}.portfolio_items {_sql_where(where)}", *args
            )
        return count

    async def any_before(self, filters: ItemFilterValues, keyset: Keyset) -> bool:
        where, args = _where(filters)
        args += [keyset.submitted_at, keyset.id]
        where.append(f"(registered_at, id) >= (${len(args) - 1}, ${len(args)})")
        async with raw_connection(self.engine) as conn:
            found: bool = await conn.fetchval(
                f"SELECT EXISTS (SELECT 1 FROM {self.s}.portfolio_items {_sql_where(where)})",
                *args,
            )
        return found

    async def open_items(self) -> list[Row]:
        """The items still in play (not rejected, cancelled or closed): what gets ranked."""
        return await self._fetch(
            "portfolio_items",
            f"{_select('portfolio_items')} {self.s}.portfolio_items "
            f"WHERE state <> ALL($1::text[]) ORDER BY id",
            list(FINAL_STATES),
        )

    # -- scores ---------------------------------------------------------------------------

    async def scores_for(self, item_ids: Sequence[str]) -> dict[str, list[Row]]:
        """Every evaluation of these items, in recorded order."""
        rows = await self._fetch(
            "item_scores",
            f"{_select('item_scores')} {self.s}.item_scores WHERE item_id = ANY($1::text[]) "
            f"ORDER BY item_id, version",
            list(item_ids),
        )
        return _grouped(rows, "item_id", item_ids)

    async def current_scores(self, model_id: str, version: int) -> dict[str, list[Row]]:
        """Each evaluator's latest evaluation with one model version, by item."""
        rows = await self._fetch(
            "item_scores",
            f"{_select('item_scores')} {self.s}.item_scores WHERE model_id = $1 "
            f"AND model_version = $2 AND NOT superseded ORDER BY item_id, evaluator_id",
            model_id,
            version,
        )
        return _grouped(rows, "item_id", ())

    # -- scoring models, decisions, meetings, bodies, rules -------------------------------

    async def models_by_ids(self, ids: Sequence[str]) -> dict[str, Row]:
        rows = await self._fetch(
            "scoring_models",
            f"{_select('scoring_models')} {self.s}.scoring_models WHERE id = ANY($1::text[])",
            list(ids),
        )
        return {row["id"]: row for row in rows}

    async def models(self) -> list[Row]:
        return await self._fetch(
            "scoring_models", f"{_select('scoring_models')} {self.s}.scoring_models ORDER BY id"
        )

    async def decisions_by_ids(self, ids: Sequence[str]) -> dict[str, Row]:
        rows = await self._fetch(
            "decisions",
            f"{_select('decisions')} {self.s}.decisions WHERE decision_id = ANY($1::text[])",
            list(ids),
        )
        return {row["decision_id"]: row for row in rows}

    async def decisions_for(self, column: str, ids: Sequence[str]) -> dict[str, list[Row]]:
        """Decisions by item or by meeting (`column`), oldest first."""
        if column not in ("item_id", "meeting_id"):
            raise ValueError(f"decisions are not grouped by {column!r}")
        rows = await self._fetch(
            "decisions",
            f"{_select('decisions')} {self.s}.decisions WHERE {column} = ANY($1::text[]) "
            f"ORDER BY decided_at, decision_id",
            list(ids),
        )
        return _grouped(rows, column, ids)

    async def meetings(self, body_id: str | None) -> list[Row]:
        if body_id is None:
            return await self._fetch(
                "meetings", f"{_select('meetings')} {self.s}.meetings ORDER BY date, id"
            )
        return await self._fetch(
            "meetings",
            f"{_select('meetings')} {self.s}.meetings WHERE body_id = $1 ORDER BY date, id",
            body_id,
        )

    async def meetings_by_ids(self, ids: Sequence[str]) -> dict[str, Row]:
        rows = await self._fetch(
            "meetings",
            f"{_select('meetings')} {self.s}.meetings WHERE id = ANY($1::text[])",
            list(ids),
        )
        return {row["id"]: row for row in rows}

    async def bodies_by_ids(self, ids: Sequence[str] | None) -> dict[str, Row]:
        """Governance bodies by id; every body when `ids` is None."""
        sql = f"{_select('governance_bodies')} {self.s}.governance_bodies"
        if ids is None:
            rows = await self._fetch("governance_bodies", f"{sql} ORDER BY id")
        else:
            rows = await self._fetch(
                "governance_bodies", f"{sql} WHERE id = ANY($1::text[])", list(ids)
            )
        return {row["id"]: row for row in rows}

    async def routing_rules(self, version: int | None) -> Row | None:
        """One version of the routing rules, the latest when `version` is None."""
        sql = f"{_select('routing_rule_sets')} {self.s}.routing_rule_sets"
        if version is None:
            rows = await self._fetch(
                "routing_rule_sets", f"{sql} ORDER BY published_at DESC, version DESC LIMIT 1"
            )
        else:
            rows = await self._fetch(
                "routing_rule_sets",
                f"{sql} WHERE version = $1 ORDER BY published_at DESC LIMIT 1",
                version,
            )
        return rows[0] if rows else None

    # -- plumbing -------------------------------------------------------------------------

    async def _fetch(self, table: str, sql: str, *args: Any) -> list[Row]:
        json_columns = _TABLES[table][1]
        async with raw_connection(self.engine) as conn:
            records = await conn.fetch(sql, *args)
        rows: list[Row] = []
        for record in records:
            row = dict(record)
            for column in json_columns:
                if isinstance(row.get(column), str):
                    row[column] = orjson.loads(row[column])
            rows.append(row)
        return rows


def _grouped(rows: list[Row], column: str, keys: Sequence[str]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {key: [] for key in keys}
    for row in rows:
        grouped.setdefault(row[column], []).append(row)
    return grouped


def _where(filters: ItemFilterValues) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []

    def add(condition: str, value: Any) -> None:
        args.append(value)
        where.append(condition.replace("?", f"${len(args)}"))

    if filters.states is not None:
        add("state = ANY(?::text[])", list(filters.states))
    if filters.gate is not None:
        add("current_gate = ?", filters.gate)
    if filters.department is not None:
        add("department = ?", filters.department)
    return where, args


def _sql_where(conditions: list[str]) -> str:
    return "WHERE " + " AND ".join(conditions) if conditions else ""
