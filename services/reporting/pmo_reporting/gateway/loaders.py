"""Per-request DataLoaders: whatever a query asks for, one SQL query per kind per tick.

Listing fifty demands with their history costs two queries (the page, then every history at
once), not fifty-one. Created per request in the context getter, so a cache never outlives the
request that filled it; a WebSocket connection (long-lived) gets loaders that batch but do not
cache, so each subscription event reads fresh rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from pmo_reporting.gateway.readmodel import ReadModel, Row


class Loaders:
    def __init__(self, read_model: ReadModel, *, cache: bool = True) -> None:
        self.read_model = read_model
        self.demand: DataLoader[str, Row | None] = DataLoader(self._demands, cache=cache)
        self.history: DataLoader[str, list[Row]] = DataLoader(self._history, cache=cache)

    async def _demands(self, ids: Sequence[str]) -> list[Row | None]:
        found = await self.read_model.demands_by_ids(ids)
        return [found.get(demand_id) for demand_id in ids]

    async def _history(self, ids: Sequence[str]) -> list[list[Row]]:
        found = await self.read_model.history_for(ids)
        return [found.get(demand_id, []) for demand_id in ids]
