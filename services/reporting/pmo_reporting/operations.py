"""Hooks the `pmo` command line calls: rebuild the read models, list the consumers (for DLQs)."""

from __future__ import annotations

from importlib.metadata import entry_points

from pmo_kernel.db import create_engine
from pmo_kernel.identity import Role, issue_token
from pmo_kernel.plugin import ConsumerSpec, ProgressCallback
from pmo_kernel.rebuild import FeedSource, rebuild_read_models
from pmo_kernel.settings import Settings
from pmo_reporting.projections.capacity import PROJECTION_NAME as CAPACITY_PROJECTION
from pmo_reporting.projections.capacity import CapacityProjection
from pmo_reporting.projections.demand import PROJECTION_NAME, DemandProjection
from pmo_reporting.projections.portfolio import PROJECTION_NAME as PORTFOLIO_PROJECTION
from pmo_reporting.projections.portfolio import PortfolioProjection
from pmo_reporting.projector import MIGRATIONS, SCHEMA, SWITCHOVER_LOCK

# Not read models: generated report editions (reports/editions.py) are kept by a rebuild.
KEPT_TABLES = ("report_editions",)


def consumers(settings: Settings) -> list[ConsumerSpec]:
    return [
        ConsumerSpec(
            name=PROJECTION_NAME,
            topics=(settings.topic("demand"),),
            schema=SCHEMA,
            handler=DemandProjection(SCHEMA),
        ),
        ConsumerSpec(
            name=PORTFOLIO_PROJECTION,
            topics=(settings.topic("portfolio"),),
            schema=SCHEMA,
            handler=PortfolioProjection(SCHEMA),
        ),
        ConsumerSpec(
            name=CAPACITY_PROJECTION,
            topics=(settings.topic("capacity"),),
            schema=SCHEMA,
            handler=CapacityProjection(SCHEMA),
        ),
    ]


async def rebuild(settings: Settings, progress: ProgressCallback) -> str:
    """Replay the demand, portfolio and capacity services' event feeds into fresh read
    models, then switch over."""
    token = issue_token(settings, "pmo-reporting-rebuild", [Role.SERVICE], name="rebuild")
    engine = create_engine(settings.database_url, pool_size=2)
    try:
        report = await rebuild_read_models(
            engine,
            settings.database_url,
            live_schema=SCHEMA,
            migrations=MIGRATIONS,
            sources=feed_sources(settings, token),
            handlers={
                "demand": DemandProjection,
                "portfolio": PortfolioProjection,
                "capacity": CapacityProjection,
            },
            switchover_lock=SWITCHOVER_LOCK,
            progress=progress,
            kept_tables=KEPT_TABLES,
        )
    finally:
        await engine.dispose()
    return f"read models rebuilt from {report.events_applied} events and switched over"


def feed_sources(settings: Settings, token: str) -> list[FeedSource]:
    """The feeds to replay: the demand service's, and the portfolio and capacity services'
    once each is part of the platform (its `pmo.services` entry point is declared: until then
    `pmo run` does not start it, there is no feed to read and no event of its to miss)."""
    sources = [FeedSource("demand", settings.demand_url, token)]
    names = service_names()
    if "portfolio" in names:
        sources.append(FeedSource("portfolio", settings.portfolio_url, token))
    if "capacity" in names:
        sources.append(FeedSource("capacity", settings.capacity_url, token))
    return sources


def service_names() -> set[str]:
    return {ep.name for ep in entry_points(group="pmo.services")}
