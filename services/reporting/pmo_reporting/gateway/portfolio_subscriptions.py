"""The portfolio's GraphQL subscriptions, fed by the portfolio projection's notices
(PORTFOLIO_CHANNEL, see changes.py; the gateway's ChangeHub fans them out). schema.py merges
`PortfolioSubscription` into its `Subscription`.

A notice tells a stream's version once the transaction that projected it has committed, so what
a subscriber reads then (the item, or any query) has that version or a later one. The projection
sends one per stream and batch, at the last version the batch applied: a subscriber may see v3
right after v1, never a version out of order for one stream.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from enum import Enum

import strawberry

from pmo_kernel.access import Audience, Sight
from pmo_reporting.gateway import fields
from pmo_reporting.gateway.access import item_sight
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.portfolio_loaders import portfolio
from pmo_reporting.gateway.portfolio_types import PortfolioItem

ITEM = "portfolio-item"


@strawberry.enum(description="The kinds of portfolio stream (aggregate) a change is about")
class PortfolioStreamType(Enum):
    # Values: the stream types of the portfolio events (projections/portfolio_statements.py).
    PORTFOLIO_ITEM = ITEM
    SCORING_MODEL = "scoring-model"
    GOVERNANCE_BODY = "governance-body"
    MEETING = "meeting"
    ROUTING_RULES = "routing-rules"
    BUDGET_ENVELOPE = "budget-envelope"
    SCENARIO = "scenario"
    PROGRAMME = "programme"
    RISK_REGISTER = "risk-register"
    BENEFIT_REGISTER = "benefit-register"


_KNOWN = frozenset(kind.value for kind in PortfolioStreamType)
# What anyone signed in may read (the governance set-up); the rest, like the
# queries over them, is for the portfolio's readers, and items for those who may see each.
_OPEN_TO_ALL = frozenset(
    kind.value
    for kind in (
        PortfolioStreamType.SCORING_MODEL,
        PortfolioStreamType.GOVERNANCE_BODY,
        PortfolioStreamType.ROUTING_RULES,
    )
)


async def _heard(info: GatewayInfo, audience: Audience, stream_type: str, stream_id: str) -> bool:
    """Whether a change to this stream is the caller's to hear of."""
    if audience.everything:
        return True
    if stream_type != ITEM:
        return stream_type in _OPEN_TO_ALL
    row = await portfolio(info).item.load(stream_id)
    return row is not None and item_sight(audience, row) is not Sight.NONE


@strawberry.type(description="The projector committed a change to a portfolio item")
class PortfolioItemChange:
    item_id: strawberry.ID
    version: int = strawberry.field(description="The item's version the change reached")

    @fields.field("The item as the read model has it now")
    async def item(self, info: GatewayInfo) -> PortfolioItem | None:
        return PortfolioItem.visible(await portfolio(info).item.load(str(self.item_id)), info)


@strawberry.type(
    description="The projector committed a change to a portfolio stream (an item, a meeting, "
    "a scoring model, ...); read it with the matching query"
)
class PortfolioChange:
    stream_type: PortfolioStreamType
    stream_id: strawberry.ID = strawberry.field(
        description="The stream's id (an item and a meeting may share one)"
    )
    version: int = strawberry.field(description="The stream's version the change reached")


@strawberry.type
class PortfolioSubscription:
    @fields.subscription(
        "Each change the projector commits to one portfolio item, or to every item when no id "
        "is given (graphql-transport-ws). Changes of a projector batch come as one, at the "
        "last version it reached"
    )
    async def portfolio_item_changed(
        self, info: GatewayInfo, id: strawberry.ID | None = None
    ) -> AsyncGenerator[PortfolioItemChange, None]:
        audience = info.context.audience(delivered=True)
        stream_id = str(id) if id else None
        async with info.context.services.changes.subscribe_streams(
            frozenset({ITEM}), stream_id
        ) as feed:
            while True:
                notice = await feed.queue.get()
                if not await _heard(info, audience, ITEM, notice.stream_id):
                    continue
                yield PortfolioItemChange(
                    item_id=strawberry.ID(notice.stream_id), version=notice.version
                )

    @fields.subscription(
        "Each change the projector commits to a portfolio stream of the given types (every "
        "type when streamTypes is null), of one id or all (graphql-transport-ws). Changes of a "
        "projector batch to one stream come as one, at the last version it reached"
    )
    async def portfolio_changed(
        self,
        info: GatewayInfo,
        stream_types: list[PortfolioStreamType] | None = None,
        id: strawberry.ID | None = None,
    ) -> AsyncGenerator[PortfolioChange, None]:
        audience = info.context.audience(delivered=True)
        # Like the queries' filters: null is every type (this gateway knows: a newer
        # projector's stream types have no enum value yet), a list is those types.
        kinds = _KNOWN if stream_types is None else frozenset(k.value for k in stream_types)
        stream_id = str(id) if id else None
        async with info.context.services.changes.subscribe_streams(kinds, stream_id) as feed:
            while True:
                notice = await feed.queue.get()
                if not await _heard(info, audience, notice.stream_type, notice.stream_id):
                    continue
                yield PortfolioChange(
                    stream_type=PortfolioStreamType(notice.stream_type),
                    stream_id=strawberry.ID(notice.stream_id),
                    version=notice.version,
                )
