"""Where a report's data comes from: the reporting read models, read through the gateway's own
read-model classes (one service, one set of queries), plus the few aggregates only reports need.

`positions()` says how far each feed's projection is: the number of events it applied and the
last one's id (projection_status, moved in the same transaction as the rows). Events apply once
each, so the count only grows; two reads with equal positions read the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.db import raw_connection
from pmo_kernel.identity import Principal, Role
from pmo_reporting.gateway.access import PeopleAudience
from pmo_reporting.gateway.capacity import draw_heatmap
from pmo_reporting.gateway.capacity_loads import Heatmap, Unit
from pmo_reporting.gateway.capacity_readmodel import CapacityReadModel, PeopleFilter
from pmo_reporting.gateway.portfolio_readmodel import PortfolioReadModel
from pmo_reporting.projections.capacity import PROJECTION_NAME as CAPACITY_PROJECTION
from pmo_reporting.projections.demand import PROJECTION_NAME as DEMAND_PROJECTION
from pmo_reporting.projections.portfolio import PROJECTION_NAME as PORTFOLIO_PROJECTION

Row = dict[str, Any]
FEEDS = {
    DEMAND_PROJECTION: "demand",
    PORTFOLIO_PROJECTION: "portfolio",
    CAPACITY_PROJECTION: "capacity",
}
# Reports aggregate people by role and month: they read everyone, as the service itself.
_REPORTS = Principal(subject="pmo-reports", roles=frozenset({Role.SERVICE}))


@dataclass
class Sources:
    engine: AsyncEngine
    schema: str = "reporting"

    def __post_init__(self) -> None:
        self.portfolio = PortfolioReadModel(self.engine, self.schema)
        self.capacity = CapacityReadModel(self.engine, self.schema)
        self.s = f'"{self.schema}"'

    async def positions(self) -> dict[str, dict[str, Any]]:
        """Per feed (demand, portfolio, capacity): events applied and the last one's id."""
        sql = f"SELECT projection, events_applied, last_event_id FROM {self.s}.projection_status"
        async with raw_connection(self.engine) as conn:
            records = await conn.fetch(sql)
        found: dict[str, dict[str, Any]] = {
            feed: {"events_applied": 0, "last_event_id": None} for feed in FEEDS.values()
        }
        for record in records:
            feed = FEEDS.get(record["projection"])
            if feed is not None:
                last = record["last_event_id"]
                found[feed] = {
                    "events_applied": int(record["events_applied"]),
                    "last_event_id": str(last) if last is not None else None,
                }
        return dict(sorted(found.items()))

    async def items_with_objectives(self) -> list[Row]:
        """Every portfolio item, with the strategic objectives of the demand it came from
        (an item registered from a demand keeps its id), by id."""
        sql = f"""SELECT i.id, i.title, i.state, i.programme_id, i.estimated_cost,
                         i.estimated_cost_currency, i.sponsor,
                         COALESCE(d.strategic_objectives, '[]'::jsonb)::text AS objectives
                  FROM {self.s}.portfolio_items i LEFT JOIN {self.s}.demands d ON d.id = i.id
                  ORDER BY i.id"""
        async with raw_connection(self.engine) as conn:
            records = await conn.fetch(sql)
        return [{**dict(r), "objectives": orjson.loads(r["objectives"])} for r in records]

    async def decisions_between(self, start: datetime, end: datetime) -> list[Row]:
        """Decisions taken in [start, end), oldest first, with their body's name."""
        sql = f"""SELECT d.decision_id, d.item_id, d.body_id, COALESCE(b.name, d.body_id) AS body,
                         d.gate, d.outcome, d.decided_at
                  FROM {self.s}.decisions d LEFT JOIN {self.s}.governance_bodies b
                       ON b.id = d.body_id
                  WHERE d.decided_at >= $1 AND d.decided_at < $2
                  ORDER BY d.decided_at, d.decision_id"""
        async with raw_connection(self.engine) as conn:
            return [dict(r) for r in await conn.fetch(sql, start, end)]

    async def heatmap(self, first_week: str, last_week: str) -> Heatmap:
        """Everyone's weekly load in hours (the gateway's heatmap, seen by the service)."""
        audience = PeopleAudience(_REPORTS)
        return await draw_heatmap(
            self.capacity, PeopleFilter(), audience, first_week, last_week, Unit.HOURS
        )
