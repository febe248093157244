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

from pmo_kernel.access import Audience
from pmo_kernel.db import raw_connection
from pmo_reporting.gateway.access import DELIVERED_ITEM_SQL, restrict
from pmo_reporting.gateway.readmodel import Row
from pmo_reporting.gateway.sql import Conditions, Keyset, KeysetList


def _columns(names: str) -> tuple[str, ...]:
    return tuple(names.split())


# table → (columns, the jsonb ones among them)
_TABLES: Mapping[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "portfolio_items": (
        _columns(
            "id version title department category requester sponsor risk_level state "
            "gate_scheme current_gate passed_gates estimated_cost estimated_cost_currency "
            "business_case_version business_case requires_investment_committee "
            "desired_start_quarter desired_end_quarter planned_start_quarter "
            "planned_end_quarter cost_per_year programme_id registered_at updated_at"
        ),
        frozenset({"gate_scheme", "passed_gates", "business_case", "cost_per_year"}),
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
            "decided_at recorded_by recorded_at awaiting_approval_from earlier_approvals "
            "capacity_version"
        ),
        frozenset(
            {
                "conditions",
                "participants",
                "business_case",
                "facts",
                "applied_rules",
                "awaiting_approval_from",
                "earlier_approvals",
            }
        ),
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
            "rule_set_id version rules base_currency exchange_rates published_by published_at gates"
        ),
        frozenset({"rules", "exchange_rates", "gates"}),
    ),
    "budget_envelopes": (
        _columns(
            "id year description envelope_version amount currency versions closed "
            "close_reason closed_by closed_at opened_by opened_at updated_at"
        ),
        frozenset({"versions"}),
    ),
    "arbitration_requests": (
        _columns(
            "envelope_id version year envelope_version envelope_amount committed over_by "
            "currency item_ids requested_by requested_at"
        ),
        frozenset({"item_ids"}),
    ),
    "scenarios": (
        _columns(
            "id name description state inputs result saved_by saved_at adoption "
            "archive_reason archived_by archived_at updated_at"
        ),
        frozenset({"inputs", "result", "adoption"}),
    ),
    "scenario_adoption_decisions": (
        _columns(
            "decision_id meeting_id scenario_id body_id participants rationale selected decided_at"
        ),
        frozenset({"participants", "selected"}),
    ),
    "programmes": (
        _columns("id name description sponsor established_by established_at"),
        frozenset(),
    ),
    "risk_registers": (
        _columns("id version risks issues updated_at"),
        frozenset({"risks", "issues"}),
    ),
    "benefit_registers": (_columns("id version benefits updated_at"), frozenset({"benefits"})),
}
FINAL_STATES = ("rejected", "cancelled", "closed")


@dataclass(frozen=True)
class ItemFilterValues:
    states: tuple[str, ...] | None = None
    gate: str | None = None  # the current gate (the last one passed)
    department: str | None = None
    programme: str | None = None
    # Who is asking: the items they may not see are left out of lists and totals alike.
    audience: Audience | None = None


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
        self.items = KeysetList(
            f"{self.s}.portfolio_items",
            _select("portfolio_items").removeprefix("SELECT ").removesuffix(" FROM"),
            "registered_at",
        )

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
        sql, args = self.items.page(_where(filters), first, after)
        return await self._fetch("portfolio_items", sql, *args)

    async def count_items(self, filters: ItemFilterValues) -> int:
        sql, args = self.items.count(_where(filters))
        async with raw_connection(self.engine) as conn:
            count: int = await conn.fetchval(sql, *args)
        return count

    async def any_before(self, filters: ItemFilterValues, keyset: Keyset) -> bool:
        sql, args = self.items.any_before(_where(filters), keyset)
        async with raw_connection(self.engine) as conn:
            found: bool = await conn.fetchval(sql, *args)
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

    async def stream_version(self, stream_key: str) -> int | None:
        """The version the projection applied on a stream ("<stream type>/<stream id>")."""
        async with raw_connection(self.engine) as conn:
            version: int | None = await conn.fetchval(
                f"SELECT version FROM {self.s}.portfolio_stream_versions WHERE stream_id = $1",
                stream_key,
            )
        return version

    # -- planning: envelopes, the roadmap's items, arbitration, scenarios, programmes -------

    async def envelopes(self, year: int | None = None, *, open_only: bool = False) -> list[Row]:
        """Budget envelopes by year then id; of one year, or the open ones only."""
        conditions = Conditions()
        if year is not None:
            conditions.add("year = ?", year)
        if open_only:
            conditions.add("NOT closed")
        return await self._fetch(
            "budget_envelopes",
            f"{_select('budget_envelopes')} {self.s}.budget_envelopes {conditions.sql} "
            f"ORDER BY year, id",
            *conditions.args,
        )

    async def envelopes_by_ids(self, ids: Sequence[str]) -> dict[str, Row]:
        rows = await self._fetch(
            "budget_envelopes",
            f"{_select('budget_envelopes')} {self.s}.budget_envelopes WHERE id = ANY($1::text[])",
            list(ids),
        )
        return {row["id"]: row for row in rows}

    async def planned_items(self) -> list[Row]:
        """The approved items placed on the roadmap: what it shows and what commits money."""
        return await self._fetch(
            "portfolio_items",
            f"{_select('portfolio_items')} {self.s}.portfolio_items "
            f"WHERE state = 'approved' AND planned_start_quarter IS NOT NULL ORDER BY id",
        )

    async def arbitration_requests(self, year: int | None = None) -> list[Row]:
        """Arbitration requests, the latest first; of one year or all."""
        conditions = Conditions()
        if year is not None:
            conditions.add("year = ?", year)
        return await self._fetch(
            "arbitration_requests",
            f"{_select('arbitration_requests')} {self.s}.arbitration_requests {conditions.sql} "
            f"ORDER BY requested_at DESC, envelope_id, version DESC",
            *conditions.args,
        )

    async def scenarios(self, state: str | None = None) -> list[Row]:
        """Scenarios, the latest saved first; in one state or all."""
        conditions = Conditions()
        if state is not None:
            conditions.add("state = ?", state)
        return await self._fetch(
            "scenarios",
            f"{_select('scenarios')} {self.s}.scenarios {conditions.sql} "
            f"ORDER BY saved_at DESC, id",
            *conditions.args,
        )

    async def scenarios_by_ids(self, ids: Sequence[str]) -> dict[str, Row]:
        rows = await self._fetch(
            "scenarios",
            f"{_select('scenarios')} {self.s}.scenarios WHERE id = ANY($1::text[])",
            list(ids),
        )
        return {row["id"]: row for row in rows}

    async def adoptions_for(self, column: str, ids: Sequence[str]) -> dict[str, list[Row]]:
        """Scenario adoption decisions by meeting or by decision id (`column`), oldest first."""
        if column not in ("meeting_id", "decision_id"):
            raise ValueError(f"scenario adoptions are not grouped by {column!r}")
        rows = await self._fetch(
            "scenario_adoption_decisions",
            f"{_select('scenario_adoption_decisions')} {self.s}.scenario_adoption_decisions "
            f"WHERE {column} = ANY($1::text[]) ORDER BY decided_at, decision_id",
            list(ids),
        )
        return _grouped(rows, column, ids)

    async def programmes_by_ids(self, ids: Sequence[str] | None) -> dict[str, Row]:
        """Programmes by id; every programme (by name) when `ids` is None."""
        sql = f"{_select('programmes')} {self.s}.programmes"
        if ids is None:
            rows = await self._fetch("programmes", f"{sql} ORDER BY name, id")
        else:
            rows = await self._fetch("programmes", f"{sql} WHERE id = ANY($1::text[])", list(ids))
        return {row["id"]: row for row in rows}

    async def items_of_programmes(self, ids: Sequence[str]) -> dict[str, list[Row]]:
        """The items of these programmes, by programme, oldest registered first."""
        rows = await self._fetch(
            "portfolio_items",
            f"{_select('portfolio_items')} {self.s}.portfolio_items "
            f"WHERE programme_id = ANY($1::text[]) ORDER BY registered_at, id",
            list(ids),
        )
        return _grouped(rows, "programme_id", ids)

    # -- registers ------------------------------------------------------------------------

    async def registers_by_ids(self, table: str, ids: Sequence[str]) -> dict[str, Row]:
        """The items' risk or benefit registers (`table`), by item id."""
        rows = await self._fetch(
            table, f"{_select(table)} {self.s}.{table} WHERE id = ANY($1::text[])", list(ids)
        )
        return {row["id"]: row for row in rows}

    async def risk_registers(self, programme_id: str | None = None) -> list[Row]:
        """Every item's risk register, or those of one programme's items."""
        sql = f"{_select('risk_registers')} {self.s}.risk_registers"
        if programme_id is None:
            return await self._fetch("risk_registers", f"{sql} ORDER BY id")
        return await self._fetch(
            "risk_registers",
            f"{sql} WHERE id IN (SELECT id FROM {self.s}.portfolio_items WHERE programme_id = $1) "
            f"ORDER BY id",
            programme_id,
        )

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


def _where(filters: ItemFilterValues) -> Conditions:
    conditions = Conditions()
    if filters.states is not None:
        conditions.add("state = ANY(?::text[])", list(filters.states))
    if filters.gate is not None:
        conditions.add("current_gate = ?", filters.gate)
    if filters.department is not None:
        conditions.add("department = ?", filters.department)
    if filters.programme is not None:
        conditions.add("programme_id = ?", filters.programme)
    if filters.audience is not None:
        restrict(filters.audience, conditions, delivered_sql=DELIVERED_ITEM_SQL)
    return conditions
