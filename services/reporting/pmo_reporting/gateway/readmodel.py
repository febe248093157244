"""Queries on the reporting read models, for the gateway's resolvers and loaders.

asyncpg statements on pooled connections (pmo_kernel.db.raw_connection): the SQL texts are few
and fixed, so each is prepared once per connection. jsonb is selected as text and parsed here,
the same whichever codec the driver connection has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.access import Audience
from pmo_kernel.db import raw_connection
from pmo_reporting.gateway.access import restrict
from pmo_reporting.gateway.sql import Conditions, Keyset, KeysetList, escape_like

_DEMAND_COLUMNS = """id, version, state, title, description, requester, sponsor, department,
    category, urgency, strategic_objectives::text AS strategic_objectives,
    desired_start_quarter, desired_end_quarter, business_case::text AS business_case,
    business_case_version, requires_investment_committee, rejection_reason,
    withdrawal_reason, open_questions::text AS open_questions, submitted_at, qualified_at,
    decided_at, updated_at"""
_JSON_COLUMNS = ("strategic_objectives", "business_case", "open_questions", "changes", "details")

Row = dict[str, Any]


@dataclass(frozen=True)
class DemandFilterValues:
    """The demands list's filters, as plain values (None: no filter on that field)."""

    states: tuple[str, ...] | None = None
    department: str | None = None
    category: str | None = None
    requester: str | None = None
    requires_investment_committee: bool | None = None
    search: str | None = None
    # Who is asking: the rows they may not see are left out of lists and totals alike.
    audience: Audience | None = None


class ReadModel:
    def __init__(self, engine: AsyncEngine, schema: str = "reporting") -> None:
        if not schema.replace("_", "").isalnum():
            raise ValueError(f"unsafe schema name {schema!r}")
        self.engine = engine
        self.s = f'"{schema}"'
        self.demands = KeysetList(f"{self.s}.demands", _DEMAND_COLUMNS, "submitted_at")

    async def demands_by_ids(self, ids: Sequence[str]) -> dict[str, Row]:
        rows = await self._fetch(
            f"SELECT {_DEMAND_COLUMNS} FROM {self.s}.demands WHERE id = ANY($1::text[])",
            list(ids),
        )
        return {row["id"]: row for row in rows}

    async def list_demands(
        self, filters: DemandFilterValues, first: int, after: Keyset | None
    ) -> list[Row]:
        """Up to `first` demands after `after`, newest first (ties broken by id)."""
        sql, args = self.demands.page(_where(filters), first, after)
        return await self._fetch(sql, *args)

    async def count_demands(self, filters: DemandFilterValues) -> int:
        sql, args = self.demands.count(_where(filters))
        count: int = await self._fetchval(sql, *args)
        return count

    async def any_before(self, filters: DemandFilterValues, keyset: Keyset) -> bool:
        """Whether some demand matching `filters` comes before `keyset` (hasPreviousPage)."""
        sql, args = self.demands.any_before(_where(filters), keyset)
        found: bool = await self._fetchval(sql, *args)
        return found

    async def history_for(self, demand_ids: Sequence[str]) -> dict[str, list[Row]]:
        """Every history line of these demands, oldest first, in one query."""
        rows = await self._fetch(
            f"""SELECT demand_id, version, event_type, actor_id, actor_name, occurred_at,
                       summary, changes::text AS changes, details::text AS details
                FROM {self.s}.demand_history WHERE demand_id = ANY($1::text[])
                ORDER BY demand_id, version""",
            list(demand_ids),
        )
        history: dict[str, list[Row]] = {demand_id: [] for demand_id in demand_ids}
        for row in rows:
            history[row["demand_id"]].append(row)
        return history

    async def version_of(self, demand_id: str) -> int | None:
        version: int | None = await self._fetchval(
            f"SELECT version FROM {self.s}.demands WHERE id = $1", demand_id
        )
        return version

    async def counts(self, filters: DemandFilterValues) -> list[Row]:
        """Demand counts by state, by department and by both, plus the total, in one scan
        (GROUPING SETS; `grouping` tells which set a row belongs to)."""
        conditions = _where(filters)
        return await self._fetch(
            f"""SELECT state, department, count(*) AS count,
                       GROUPING(state, department) AS grouping
                FROM {self.s}.demands {conditions.sql}
                GROUP BY GROUPING SETS ((state), (department), (state, department), ())""",
            *conditions.args,
        )

    async def median_days_to_qualification(self, filters: DemandFilterValues) -> float | None:
        conditions = _where(filters)
        conditions.add("qualified_at IS NOT NULL")
        median: float | None = await self._fetchval(
            f"""SELECT percentile_cont(0.5) WITHIN GROUP (
                    ORDER BY extract(epoch FROM qualified_at - submitted_at) / 86400.0)
                FROM {self.s}.demands {conditions.sql}""",
            *conditions.args,
        )
        return median

    async def projection_status(self) -> Row | None:
        rows = await self._fetch(
            f"""SELECT projection, events_applied, last_event_time, last_applied_at
                FROM {self.s}.projection_status ORDER BY projection LIMIT 1"""
        )
        return rows[0] if rows else None

    # -- plumbing -------------------------------------------------------------------------

    async def _fetch(self, sql: str, *args: Any) -> list[Row]:
        async with raw_connection(self.engine) as conn:
            records: list[asyncpg.Record] = await conn.fetch(sql, *args)
        return [_decode(record) for record in records]

    async def _fetchval(self, sql: str, *args: Any) -> Any:
        async with raw_connection(self.engine) as conn:
            return await conn.fetchval(sql, *args)


def _where(filters: DemandFilterValues) -> Conditions:
    """SQL conditions for the filters that are set."""
    conditions = Conditions()
    if filters.states is not None:
        conditions.add("state = ANY(?::text[])", list(filters.states))
    if filters.department is not None:
        conditions.add("department = ?", filters.department)
    if filters.category is not None:
        conditions.add("category = ?", filters.category)
    if filters.requester is not None:
        conditions.add("requester = ?", filters.requester)
    if filters.requires_investment_committee is not None:
        conditions.add("requires_investment_committee = ?", filters.requires_investment_committee)
    if filters.search:
        conditions.add(r"title ILIKE ? ESCAPE '\'", f"%{escape_like(filters.search)}%")
    if filters.audience is not None:
        restrict(filters.audience, conditions)
    return conditions


def _decode(record: asyncpg.Record) -> Row:
    row = dict(record)
    for column in _JSON_COLUMNS:
        value = row.get(column)
        if isinstance(value, str):
            row[column] = orjson.loads(value)
    return row
