"""The GraphQL schema: queries on the read models (the demands' here, the portfolio's inherited
from portfolio_queries.py and planning_queries.py, the capacity's from capacity.py,
capacity_staffing.py, capacity_drafts.py and capacity_demand.py, the KPIs from kpi_queries.py),
commands forwarded to the demand and portfolio services (mutations.py, portfolio_mutations.py),
subscriptions fed by the projector's notices (the portfolio's in portfolio_subscriptions.py,
the capacity's in capacity_alerts.py)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from dataclasses import replace

import strawberry
from graphql import GraphQLError, lexicographic_sort_schema, print_schema
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from pmo_kernel.access import Sight
from pmo_reporting.gateway import fields
from pmo_reporting.gateway.access import sight_of
from pmo_reporting.gateway.capacity import SCALARS, CapacityQuery
from pmo_reporting.gateway.capacity_alerts import CapacitySubscription
from pmo_reporting.gateway.capacity_demand import DemandQuery
from pmo_reporting.gateway.capacity_drafts import DraftQuery
from pmo_reporting.gateway.capacity_mutations import CapacityMutation
from pmo_reporting.gateway.capacity_staffing import StaffingQuery
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.errors import MaskUnexpectedErrors, is_expected
from pmo_reporting.gateway.inputs import DemandFilter, filter_values
from pmo_reporting.gateway.kpi_queries import KpiQuery
from pmo_reporting.gateway.kpis import demand_kpis
from pmo_reporting.gateway.mutations import DemandMutation
from pmo_reporting.gateway.pagination import check_page_size, decode_cursor, page_of
from pmo_reporting.gateway.planning_queries import PlanningQuery
from pmo_reporting.gateway.portfolio_mutations import PortfolioMutation
from pmo_reporting.gateway.portfolio_queries import PortfolioQuery
from pmo_reporting.gateway.portfolio_subscriptions import PortfolioSubscription
from pmo_reporting.gateway.readmodel import DemandFilterValues
from pmo_reporting.gateway.register_queries import RegistersQuery
from pmo_reporting.gateway.types import (
    Demand,
    DemandChange,
    DemandConnection,
    DemandEdge,
    DemandKpis,
    ReadModelStatus,
)
from pmo_reporting.reports.graphql import ReportMutation

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2_000


@strawberry.type
class Query(
    PortfolioQuery,
    PlanningQuery,
    RegistersQuery,
    CapacityQuery,
    StaffingQuery,
    DraftQuery,
    DemandQuery,
    KpiQuery,
):  # their modules; then the demands'
    @fields.field(
        "One demand by id; null if the read model does not have it or the caller may not see it"
    )
    async def demand(self, info: GatewayInfo, id: strawberry.ID) -> Demand | None:
        return Demand.visible(await info.context.loaders.demand.load(str(id)), info)

    @fields.field("Demands, newest submitted first, in pages (Relay)")
    async def demands(
        self,
        info: GatewayInfo,
        filter: DemandFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> DemandConnection:
        filters = visible_filter_values(filter, info)
        check_page_size(first)
        start = decode_cursor(after) if after is not None else None
        read_model = info.context.services.read_model
        rows = await read_model.list_demands(filters, first + 1, start)  # one more: next page?
        page = await page_of(
            rows, first, "submitted_at", start, lambda at: read_model.any_before(filters, at)
        )
        # Prime the loader: `demand(id:)` in the same request reads no more.
        for _, row in page.rows:
            info.context.loaders.demand.prime(row["id"], row)
        return DemandConnection(
            edges=[
                DemandEdge(cursor=cursor, node=node)
                for cursor, row in page.rows
                if (node := Demand.visible(row, info)) is not None
            ],
            page_info=page.info,
            filters=filters,
        )

    @fields.field("Counts and lead times over the demands matching the filter")
    async def demand_kpis(
        self, info: GatewayInfo, filter: DemandFilter | None = None
    ) -> DemandKpis:
        return await demand_kpis(
            info.context.services.read_model, visible_filter_values(filter, info)
        )

    @fields.field("The projector's progress: how fresh the read model is")
    async def read_model_status(self, info: GatewayInfo) -> ReadModelStatus:
        info.context.principal()
        row = await info.context.services.read_model.projection_status()
        if row is None:
            return ReadModelStatus(events_applied=0, last_event_at=None, last_applied_at=None)
        return ReadModelStatus(
            events_applied=row["events_applied"],
            last_event_at=row["last_event_time"],
            last_applied_at=row["last_applied_at"],
        )


@strawberry.type
class Subscription(PortfolioSubscription, CapacitySubscription):  # their modules; then demands'
    @fields.subscription(
        "Each change the projector commits, for one demand or all (graphql-transport-ws)"
    )
    async def demand_changed(
        self, info: GatewayInfo, id: strawberry.ID | None = None
    ) -> AsyncGenerator[DemandChange, None]:
        audience = info.context.audience(delivered=False)
        async with info.context.services.changes.subscribe(str(id) if id else None) as feed:
            while True:
                notice = await feed.queue.get()
                if not audience.everything:
                    # A change to a demand the caller may not see is not theirs to hear of.
                    row = await info.context.loaders.demand.load(notice.demand_id)
                    if row is None or sight_of(audience, row, delivered=False) is Sight.NONE:
                        continue
                yield DemandChange(
                    demand_id=strawberry.ID(notice.demand_id),
                    version=notice.version,
                    event_type=notice.event_type,
                )


def visible_filter_values(filter: DemandFilter | None, info: GatewayInfo) -> DemandFilterValues:
    """The caller's filter, narrowed to the demands the caller may see."""
    return replace(filter_values(filter), audience=info.context.audience(delivered=False))


Mutation = merge_types(
    "Mutation", (DemandMutation, PortfolioMutation, CapacityMutation, ReportMutation)
)


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log only what went wrong here: a refused command or a malformed query is the
        client's business (it gets the error), not an operator's."""
        unexpected = [error for error in errors if not is_expected(error)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(*, production: bool) -> strawberry.Schema:
    # Factories: a fresh extension per operation (strawberry keeps the parse and validation
    # caches at module level, shared by all of them).
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),  # refuse huge documents early
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    ]
    if production:
        extensions += [DisableIntrospection, MaskUnexpectedErrors]
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALARS),
    )


def printed_schema() -> str:
    """The public schema as SDL, every type and field sorted by name, so the text changes only
    when the schema does (not when a type moves to another module). docs/schema.graphql holds
    it; tests/reporting/test_schema_snapshot.py keeps the two equal."""
    schema = build_schema(production=False)
    return print_schema(lexicographic_sort_schema(schema._schema)) + "\n"
