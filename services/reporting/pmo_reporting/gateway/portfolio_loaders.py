"""Per-request DataLoaders for the portfolio read models: one SQL query per kind per tick.

The request context (context.py) knows the demand loaders only; the portfolio ones hang off it
here, created on first use and dropped with it (a weak reference: nothing outlives the request).
A long-lived (WebSocket) context's loaders batch without caching, like the demand ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from weakref import WeakKeyDictionary

from strawberry.dataloader import DataLoader

from pmo_reporting.gateway.context import GatewayContext, GatewayInfo
from pmo_reporting.gateway.portfolio_readmodel import PortfolioReadModel
from pmo_reporting.gateway.readmodel import Row


class PortfolioLoaders:
    def __init__(self, read_model: PortfolioReadModel, *, cache: bool = True) -> None:
        self.read_model = read_model
        self.item: DataLoader[str, Row | None] = DataLoader(self._items, cache=cache)
        self.scores: DataLoader[str, list[Row]] = DataLoader(self._scores, cache=cache)
        self.model: DataLoader[str, Row | None] = DataLoader(self._models, cache=cache)
        self.decision: DataLoader[str, Row | None] = DataLoader(self._decisions, cache=cache)
        self.item_decisions: DataLoader[str, list[Row]] = DataLoader(
            self._item_decisions, cache=cache
        )
        self.minutes: DataLoader[str, list[Row]] = DataLoader(self._minutes, cache=cache)
        self.meeting: DataLoader[str, Row | None] = DataLoader(self._meetings, cache=cache)
        self.body: DataLoader[str, Row | None] = DataLoader(self._bodies, cache=cache)
        self.envelope: DataLoader[str, Row | None] = DataLoader(self._envelopes, cache=cache)
        self.scenario: DataLoader[str, Row | None] = DataLoader(self._scenarios, cache=cache)
        self.programme: DataLoader[str, Row | None] = DataLoader(self._programmes, cache=cache)
        self.programme_items: DataLoader[str, list[Row]] = DataLoader(
            self._programme_items, cache=cache
        )
        # Scenario adoptions in meeting registers: by meeting, and one by its decision id.
        self.meeting_adoptions: DataLoader[str, list[Row]] = DataLoader(
            self._meeting_adoptions, cache=cache
        )
        self.adoption: DataLoader[str, Row | None] = DataLoader(self._adoptions, cache=cache)
        # An item's registers, by item id (None: nothing recorded in it yet).
        self.risk_register: DataLoader[str, Row | None] = DataLoader(
            self._risk_registers, cache=cache
        )
        self.benefit_register: DataLoader[str, Row | None] = DataLoader(
            self._benefit_registers, cache=cache
        )

    async def _items(self, ids: Sequence[str]) -> list[Row | None]:
        found = await self.read_model.items_by_ids(ids)
        return [found.get(key) for key in ids]

    async def _scores(self, ids: Sequence[str]) -> list[list[Row]]:
        found = await self.read_model.scores_for(ids)
        return [found.get(key, []) for key in ids]

    async def _models(self, ids: Sequence[str]) -> list[Row | None]:
        found = await self.read_model.models_by_ids(ids)
        return [found.get(key) for key in ids]

    async def _decisions(self, ids: Sequence[str]) -> list[Row | None]:
        found = await self.read_model.decisions_by_ids(ids)
        return [found.get(key) for key in ids]

    async def _item_decisions(self, ids: Sequence[str]) -> list[list[Row]]:
        found = await self.read_model.decisions_for("item_id", ids)
        return [found.get(key, []) for key in ids]

    async def _minutes(self, ids: Sequence[str]) -> list[list[Row]]:
        found = await self.read_model.decisions_for("meeting_id", ids)
        return [found.get(key, []) for key in ids]

    async def _meetings(self, ids: Sequence[str]) -> list[Row | None]:
        found = await self.read_model.meetings_by_ids(ids)
        return [found.get(key) for key in ids]

    async def _bodies(self, ids: Sequence[str]) -> list[Row | None]:
        found = await self.read_model.bodies_by_ids(ids)
        return [found.get(key) for key in ids]

    async def _envelopes(self, ids: Sequence[str]) -> list[Row | None]:
        found = await self.read_model.envelopes_by_ids(ids)
        return [found.get(key) for key in ids]

    async def _scenarios(self, ids: Sequence[str]) -> list[Row | None]:
        found = await self.read_model.scenarios_by_ids(ids)
        return [found.get(key) for key in ids]

    async def _programmes(self, ids: Sequence[str]) -> list[Row | None]:
        found = await self.read_model.programmes_by_ids(ids)
        return [found.get(key) for key in ids]

    async def _programme_items(self, ids: Sequence[str]) -> list[list[Row]]:
        found = await self.read_model.items_of_programmes(ids)
        return [found.get(key, []) for key in ids]

    async def _meeting_adoptions(self, ids: Sequence[str]) -> list[list[Row]]:
        found = await self.read_model.adoptions_for("meeting_id", ids)
        return [found.get(key, []) for key in ids]

    async def _adoptions(self, ids: Sequence[str]) -> list[Row | None]:
        found = await self.read_model.adoptions_for("decision_id", ids)
        return [next(iter(found.get(key, [])), None) for key in ids]

    async def _risk_registers(self, ids: Sequence[str]) -> list[Row | None]:
        found = await self.read_model.registers_by_ids("risk_registers", ids)
        return [found.get(key) for key in ids]

    async def _benefit_registers(self, ids: Sequence[str]) -> list[Row | None]:
        found = await self.read_model.registers_by_ids("benefit_registers", ids)
        return [found.get(key) for key in ids]


_PER_CONTEXT: WeakKeyDictionary[GatewayContext, PortfolioLoaders] = WeakKeyDictionary()


def portfolio(info: GatewayInfo) -> PortfolioLoaders:
    """This request's portfolio loaders (their `read_model` for the queries that list)."""
    context = info.context
    loaders = _PER_CONTEXT.get(context)
    if loaders is None:
        read_model = context.services.portfolio_read_model
        loaders = PortfolioLoaders(read_model, cache=context.loaders.demand.cache)
        _PER_CONTEXT[context] = loaders
    return loaders
