"""The portfolio's GraphQL queries: items, scores, decisions, meetings, bodies, rules, models,
the ranking and the trade-off chart. schema.py merges `PortfolioQuery` into its `Query`.

Portfolio commands are not here: they go to the portfolio service's REST API, and would plug in
as a `PortfolioMutation` type forwarded like mutations.py does for the demand service.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import strawberry

from pmo_kernel.errors import PmoError
from pmo_kernel.scoring import RankInput, portfolio_max_cost, rank
from pmo_reporting.gateway import fields
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.errors import bad_input, from_pmo_error
from pmo_reporting.gateway.meeting_types import Meeting
from pmo_reporting.gateway.pagination import check_page_size, decode_cursor, page_of
from pmo_reporting.gateway.portfolio_loaders import PortfolioLoaders, portfolio
from pmo_reporting.gateway.portfolio_readmodel import ItemFilterValues
from pmo_reporting.gateway.portfolio_scoring import (
    consolidate,
    estimated_cost,
    model_version,
    rank_input,
    tradeoff_point,
)
from pmo_reporting.gateway.portfolio_types import (
    Decision,
    GovernanceBody,
    PortfolioItem,
    PortfolioItemConnection,
    PortfolioItemEdge,
    PortfolioItemFilter,
    RankedItem,
    RoutingRuleSet,
    ScoringModel,
    TradeoffPoint,
)
from pmo_reporting.gateway.readmodel import Row


@strawberry.type
class PortfolioQuery:
    @fields.field("One portfolio item by id; null if the read model does not have it")
    async def portfolio_item(self, info: GatewayInfo, id: strawberry.ID) -> PortfolioItem | None:
        return PortfolioItem.visible(await portfolio(info).item.load(str(id)), info)

    @fields.field("Portfolio items, newest registered first, in pages (Relay)")
    async def portfolio_items(
        self,
        info: GatewayInfo,
        filter: PortfolioItemFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> PortfolioItemConnection:
        filters = replace(
            filter.values() if filter is not None else ItemFilterValues(),
            audience=info.context.audience(delivered=True),
        )
        check_page_size(first)
        start = decode_cursor(after) if after is not None else None
        loaders = portfolio(info)
        read_model = loaders.read_model
        rows = await read_model.list_items(filters, first + 1, start)
        page = await page_of(
            rows, first, "registered_at", start, lambda at: read_model.any_before(filters, at)
        )
        for _, row in page.rows:
            loaders.item.prime(row["id"], row)
        return PortfolioItemConnection(
            edges=[
                PortfolioItemEdge(cursor=cursor, node=node)
                for cursor, row in page.rows
                if (node := PortfolioItem.visible(row, info)) is not None
            ],
            page_info=page.info,
            filters=filters,
        )

    @fields.field("One decision with its inputs as they were at decision time")
    async def decision(self, info: GatewayInfo, id: strawberry.ID) -> Decision | None:
        return await Decision.visible(await portfolio(info).decision.load(str(id)), info)

    @fields.field(
        "The open items (not rejected, cancelled or closed) ranked with one model version, "
        "weighted or WSJF: mandatory first, then score (high first), lower cost, earlier "
        "registration, id; unscored items last. Refused (DOMAIN_RULE_VIOLATED, rule "
        "one_currency) when estimated costs are in different currencies"
    )
    async def ranking(
        self, info: GatewayInfo, model_id: strawberry.ID, model_version: int
    ) -> list[RankedItem]:
        info.context.require_portfolio_reader("read the ranking")
        loaders = portfolio(info)
        candidates, items = await _candidates(loaders, str(model_id), model_version)
        try:
            ranked = rank(candidates)
        except PmoError as exc:  # e.g. estimated costs in different currencies
            raise from_pmo_error(exc) from None
        return [
            RankedItem(
                rank=r.rank,
                item=PortfolioItem.of(items[r.item_id]),
                score=_text(r.score),
                mandatory=r.mandatory,
            )
            for r in ranked
        ]

    @fields.field(
        "The scored open items on a value / risk / cost chart, each axis 0–10 (value and risk "
        "from the model version's criteria, cost against the highest cost charted). Refused "
        "(DOMAIN_RULE_VIOLATED, rule one_currency) when estimated costs are in different "
        "currencies"
    )
    async def tradeoff(
        self, info: GatewayInfo, model_id: strawberry.ID, model_version: int
    ) -> list[TradeoffPoint]:
        info.context.require_portfolio_reader("read the tradeoff")
        loaders = portfolio(info)
        candidates, items = await _candidates(loaders, str(model_id), model_version)
        version = await _version(loaders, str(model_id), model_version)
        scored = [c for c in candidates if c.consolidated is not None]
        points: list[TradeoffPoint] = []
        try:
            max_cost = portfolio_max_cost([c.estimated_cost for c in scored])
            for c in sorted(scored, key=lambda c: c.item_id):
                assert c.consolidated is not None
                point = tradeoff_point(version, c.consolidated, c.estimated_cost, max_cost)
                points.append(
                    TradeoffPoint(
                        item=PortfolioItem.of(items[c.item_id]),
                        value=_text(point.value),
                        risk=_text(point.risk),
                        cost=_text(point.cost),
                    )
                )
        except PmoError as exc:  # e.g. estimated costs in different currencies
            raise from_pmo_error(exc) from None
        return points

    @fields.field("Meetings by date, of one governance body or of all")
    async def meetings(
        self, info: GatewayInfo, body_id: strawberry.ID | None = None
    ) -> list[Meeting]:
        info.context.require_portfolio_reader("read the meetings")
        read_model = portfolio(info).read_model
        rows = await read_model.meetings(str(body_id) if body_id is not None else None)
        return [Meeting.of(row) for row in rows]

    @fields.field("One meeting: its agenda and minutes")
    async def meeting(self, info: GatewayInfo, id: strawberry.ID) -> Meeting | None:
        info.context.require_portfolio_reader("read the meeting")
        row = await portfolio(info).meeting.load(str(id))
        return Meeting.of(row) if row is not None else None

    @fields.field("The governance bodies, their members and decision rights")
    async def governance_bodies(self, info: GatewayInfo) -> list[GovernanceBody]:
        info.context.principal()
        rows = await portfolio(info).read_model.bodies_by_ids(None)
        return [GovernanceBody.of(row) for row in rows.values()]

    @fields.field("One version of the routing rules; the latest when no version is given")
    async def routing_rules(
        self, info: GatewayInfo, version: int | None = None
    ) -> RoutingRuleSet | None:
        info.context.principal()
        row = await portfolio(info).read_model.routing_rules(version)
        return RoutingRuleSet.of(row) if row is not None else None

    @fields.field("The scoring models with every published version's criteria")
    async def scoring_models(self, info: GatewayInfo) -> list[ScoringModel]:
        info.context.principal()
        return [ScoringModel.of(row) for row in await portfolio(info).read_model.models()]


async def _version(loaders: PortfolioLoaders, model_id: str, number: int) -> Row:
    model = await loaders.model.load(model_id)
    version = model_version(model, number)
    if version is None:
        raise bad_input(
            f"scoring model {model_id} has no published version {number}", argument="modelVersion"
        )
    return dict(version)


async def _candidates(
    loaders: PortfolioLoaders, model_id: str, number: int
) -> tuple[list[RankInput], dict[str, Row]]:
    """The open items with their consolidated score on one model version (None: unscored)."""
    version = await _version(loaders, model_id, number)
    read_model = loaders.read_model
    items = {row["id"]: row for row in await read_model.open_items()}
    current = await read_model.current_scores(model_id, number)
    candidates: list[RankInput] = []
    for item_id, row in items.items():
        loaders.item.prime(item_id, row)
        latest = [score["scores"] for score in current.get(item_id, [])]
        consolidated = consolidate(version, latest, item_id) if latest else None
        candidates.append(rank_input(row, consolidated, estimated_cost(row)))
    return candidates, items


def _text(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None
