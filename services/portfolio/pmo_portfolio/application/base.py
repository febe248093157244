"""What every portfolio command handler shares: the repositories, the roles, the answer.

The handlers are grouped by subject in sibling modules (planning, scenarios, programmes, and
`service` for scoring and governance); `PortfolioService` combines them, so callers see one
service whatever module a command lives in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pmo_kernel.access import Sight
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.application import (
    CommandContext,
    Repository,
    check_expected_version,
    event_metadata,
    save_together,
)
from pmo_kernel.errors import DomainError
from pmo_kernel.identity import Principal, Role
from pmo_kernel.store import EventStore
from pmo_portfolio.access import PortfolioAccess
from pmo_portfolio.capacity.tables import CapacityTables
from pmo_portfolio.domain.delivery.project import Project
from pmo_portfolio.domain.governance.bodies import GovernanceBody
from pmo_portfolio.domain.governance.item import PortfolioItem
from pmo_portfolio.domain.governance.meeting import Meeting
from pmo_portfolio.domain.governance.routing import RoutingRuleSet
from pmo_portfolio.domain.planning import BudgetEnvelope, BudgetYear, Scenario
from pmo_portfolio.domain.planning.roadmap_index import RoadmapIndex
from pmo_portfolio.domain.programmes import Programme
from pmo_portfolio.domain.scoring import ScoringModel

MANAGE = frozenset({Role.PMO_ANALYST, Role.ADMIN})
EVALUATE = frozenset({Role.PMO_ANALYST, Role.PORTFOLIO_BOARD, Role.ADMIN})
DECIDE = frozenset({Role.PMO_ANALYST, Role.PORTFOLIO_BOARD, Role.ADMIN})


@dataclass(frozen=True)
class Accepted:
    id: str
    version: int
    details: dict[str, Any]


class ServiceBase:
    def __init__(self, store: EventStore, access: PortfolioAccess) -> None:
        self.store = store
        self.access = access
        self.items = Repository(store, PortfolioItem, "portfolio item")
        self.models = Repository(store, ScoringModel, "scoring model")
        self.bodies = Repository(store, GovernanceBody, "governance body")
        self.rules = Repository(store, RoutingRuleSet, "routing rule set")
        self.meetings = Repository(store, Meeting, "meeting")
        self.envelopes = Repository(store, BudgetEnvelope, "budget envelope")
        self.budget_years = Repository(store, BudgetYear, "budget year")
        self.roadmap_index = Repository(store, RoadmapIndex, "roadmap index")
        self.scenarios = Repository(store, Scenario, "scenario")
        self.programmes = Repository(store, Programme, "programme")
        self.projects = Repository(store, Project, "project")
        self.capacity = CapacityTables(store.engine, store.schema)

    async def read_item(self, item_id: str, principal: Principal) -> tuple[PortfolioItem, Sight]:
        """The item as `principal` may see it (NotFound if they may not see it at all, as for
        an unknown id). `self.items.get` is the service's own read, whoever asks."""
        item = await self.items.get(item_id)
        return item, self.access.visible(principal, item)

    async def _item_for(
        self, item_id: str, ctx: CommandContext, *, target: bool = True
    ) -> PortfolioItem:
        """The item a command acts on, once its role was checked: an item the caller may not
        see is a 404 before anything else (If-Match included) is looked at. `target`: the
        command is on the item itself, so If-Match names its version."""
        item, _ = await self.read_item(item_id, ctx.principal)
        if target:
            check_expected_version(item, ctx, self.items.noun)
        return item

    async def _save(self, repo: Repository[Any], aggregate: Aggregate, ctx: CommandContext,
                    **details: Any) -> Accepted:  # fmt: skip
        result = await repo.save(aggregate, event_metadata(ctx))
        return Accepted(aggregate.id, result.version, details)

    async def _save_together(
        self, ctx: CommandContext, *parts: tuple[Repository[Any], Aggregate]
    ) -> None:
        """One fact on several aggregates: all their pending events in one transaction."""
        metadata = event_metadata(ctx)
        await save_together(
            self.store,
            [(aggregate, repo.pending_append(aggregate, metadata)) for repo, aggregate in parts],
        )

    async def _fresh(self, repo: Repository[Any], stream_id: str) -> None:
        existing = await repo.load(stream_id)
        if existing.version:
            raise DomainError(f"{repo.noun} {stream_id} already exists", id=stream_id)


__all__ = ["DECIDE", "EVALUATE", "MANAGE", "Accepted", "ServiceBase"]
