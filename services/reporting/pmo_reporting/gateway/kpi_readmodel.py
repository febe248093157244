"""The KPI queries' statements on the read models: the demand pipeline and its lead times, the
decisions per body and outcome (both aggregated in PostgreSQL), and the rows the other KPIs
are counted from in memory (kpi_figures.py). Every statement keeps only the rows the caller
may see (gateway/access.py), so a KPI never counts a hidden demand or item.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.access import Audience
from pmo_kernel.db import raw_connection
from pmo_reporting.gateway.access import DELIVERED_ITEM_SQL, restrict
from pmo_reporting.gateway.kpi_filters import KpiScope
from pmo_reporting.gateway.portfolio_readmodel import FINAL_STATES
from pmo_reporting.gateway.sql import Conditions

Row = dict[str, Any]
DECIDED_STATES = ("accepted", "rejected")  # a demand's decision; withdrawn is not one


def _days(later: str, earlier: str) -> str:
    return f"extract(epoch FROM {later} - {earlier}) / 86400.0"


# Each stage: (name, the demands it is measured on, its duration in days).
LEAD_TIME_STAGES = (
    ("submission_to_qualification", "qualified_at IS NOT NULL",
     _days("qualified_at", "submitted_at")),
    ("qualification_to_decision",
     "qualified_at IS NOT NULL AND decided_at IS NOT NULL AND state = ANY($STATES)",
     _days("decided_at", "qualified_at")),
    ("submission_to_decision", "decided_at IS NOT NULL AND state = ANY($STATES)",
     _days("decided_at", "submitted_at")),
)  # fmt: skip


class KpiReadModel:
    def __init__(self, engine: AsyncEngine, schema: str = "reporting") -> None:
        if not schema.replace("_", "").isalnum():
            raise ValueError(f"unsafe schema name {schema!r}")
        self.engine = engine
        self.s = f'"{schema}"'

    # -- demands --------------------------------------------------------------------------

    def _demands(self, scope: KpiScope, audience: Audience) -> Conditions:
        conditions = Conditions()
        if scope.department is not None:
            conditions.add("department = ?", scope.department)
        if scope.programme is not None:
            conditions.add(
                f"id IN (SELECT id FROM {self.s}.portfolio_items WHERE programme_id = ?)",
                scope.programme,
            )
        if scope.period is not None:
            conditions.add("submitted_at >= ?", scope.period.start_at)
            conditions.add("submitted_at < ?", scope.period.end_at)
        restrict(audience, conditions)
        return conditions

    async def demand_counts(self, scope: KpiScope, audience: Audience) -> dict[str, int]:
        conditions = self._demands(scope, audience)
        rows = await self._fetch(
            f"SELECT state, count(*) AS count FROM {self.s}.demands {conditions.sql} "
            f"GROUP BY state",
            *conditions.args,
        )
        return {row["state"]: int(row["count"]) for row in rows}

    async def lead_times(self, scope: KpiScope, audience: Audience) -> dict[str, Row]:
        """Per stage: how many demands it was measured on, and the median and p90 in days
        (percentile_cont: interpolated between the nearest ranks)."""
        conditions = self._demands(scope, audience)
        states = f"${len(conditions.args) + 1}::text[]"
        columns = []
        for name, where, days in LEAD_TIME_STAGES:
            where = where.replace("$STATES", states)
            columns += [
                f"count(*) FILTER (WHERE {where}) AS {name}_count",
                f"percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY {days}) "
                f"FILTER (WHERE {where}) AS {name}_days",
            ]
        rows = await self._fetch(
            f"SELECT {', '.join(columns)} FROM {self.s}.demands {conditions.sql}",
            *conditions.args,
            list(DECIDED_STATES),
        )
        row = rows[0]
        found: dict[str, Row] = {}
        for name, _, _ in LEAD_TIME_STAGES:
            median, p90 = row[f"{name}_days"] or (None, None)
            found[name] = {"count": int(row[f"{name}_count"]), "median": median, "p90": p90}
        return found

    # -- portfolio items ------------------------------------------------------------------

    def _items(self, scope: KpiScope, audience: Audience, table: str = "") -> Conditions:
        conditions = Conditions()
        if scope.department is not None:
            conditions.add(f"{table}department = ?", scope.department)
        if scope.programme is not None:
            conditions.add(f"{table}programme_id = ?", scope.programme)
        delivered = DELIVERED_ITEM_SQL.replace("passed_gates", f"{table}passed_gates").replace(
            "gate_scheme", f"{table}gate_scheme"
        )
        restrict(audience, conditions, table=table, delivered_sql=delivered)
        return conditions

    async def decision_counts(self, scope: KpiScope, audience: Audience) -> list[Row]:
        """Decisions on the items the caller sees, per body and outcome, in the period."""
        conditions = self._items(scope, audience, table="i.")
        if scope.period is not None:
            conditions.add("d.decided_at >= ?", scope.period.start_at)
            conditions.add("d.decided_at < ?", scope.period.end_at)
        return await self._fetch(
            f"""SELECT d.body_id, d.body_kind, COALESCE(b.name, d.body_id) AS body_name,
                       d.outcome, count(*) AS count
                FROM {self.s}.decisions d
                JOIN {self.s}.portfolio_items i ON i.id = d.item_id
                LEFT JOIN {self.s}.governance_bodies b ON b.id = d.body_id
                {conditions.sql}
                GROUP BY d.body_id, d.body_kind, b.name, d.outcome
                ORDER BY d.body_id, d.outcome""",
            *conditions.args,
        )

    async def items(
        self, scope: KpiScope, audience: Audience, *, in_play_only: bool = True
    ) -> list[Row]:
        """The items the caller sees (those in play: not rejected, cancelled or closed), with
        the strategic objectives of the demand each came from (an item keeps its demand's
        id) and its programme's name."""
        conditions = self._items(scope, audience, table="i.")
        if in_play_only:
            conditions.add("i.state <> ALL(?::text[])", list(FINAL_STATES))
        rows = await self._fetch(
            f"""SELECT i.id, i.title, i.state, i.department, i.requester, i.sponsor,
                       i.programme_id, p.name AS programme_name, i.estimated_cost,
                       i.estimated_cost_currency, i.planned_start_quarter,
                       i.planned_end_quarter, i.gate_scheme::text AS gate_scheme,
                       i.passed_gates::text AS passed_gates,
                       i.cost_per_year::text AS cost_per_year,
                       COALESCE(d.strategic_objectives, '[]'::jsonb)::text AS objectives
                FROM {self.s}.portfolio_items i
                LEFT JOIN {self.s}.demands d ON d.id = i.id
                LEFT JOIN {self.s}.programmes p ON p.id = i.programme_id
                {conditions.sql}
                ORDER BY i.id""",
            *conditions.args,
        )
        for row in rows:
            for column in ("gate_scheme", "passed_gates", "cost_per_year", "objectives"):
                row[column] = orjson.loads(row[column])
        return rows

    async def registers(self, table: str, ids: Sequence[str]) -> dict[str, list[Row]]:
        """The risks (`risk_registers`) or benefits (`benefit_registers`) of these items."""
        column = {"risk_registers": "risks", "benefit_registers": "benefits"}[table]
        rows = await self._fetch(
            f"SELECT id, {column}::text AS entries FROM {self.s}.{table} "
            f"WHERE id = ANY($1::text[])",
            list(ids),
        )
        return {row["id"]: orjson.loads(row["entries"]) for row in rows}

    async def programme_exists(self, programme_id: str) -> bool:
        async with raw_connection(self.engine) as conn:
            found: bool = await conn.fetchval(
                f"SELECT EXISTS (SELECT 1 FROM {self.s}.programmes WHERE id = $1)", programme_id
            )
        return found

    async def _fetch(self, sql: str, *args: Any) -> list[Row]:
        async with raw_connection(self.engine) as conn:
            return [dict(record) for record in await conn.fetch(sql, *args)]
