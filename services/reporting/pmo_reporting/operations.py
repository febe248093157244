"""Hooks the `pmo` command line calls: rebuild the read models, list the consumers (for DLQs)."""

from __future__ import annotations

from pmo_kernel.db import create_engine
from pmo_kernel.identity import Role, issue_token
from pmo_kernel.plugin import ConsumerSpec, ProgressCallback
from pmo_kernel.rebuild import FeedSource, rebuild_read_models
from pmo_kernel.settings import Settings
from pmo_reporting.projections.demand import PROJECTION_NAME, DemandProjection
from pmo_reporting.projector import MIGRATIONS, SCHEMA, SWITCHOVER_LOCK


def consumers(settings: Settings) -> list[ConsumerSpec]:
    return [
        ConsumerSpec(
            name=PROJECTION_NAME,
            topics=(settings.topic("demand"),),
            schema=SCHEMA,
            handler=DemandProjection(SCHEMA),
        )
    ]


async def rebuild(settings: Settings, progress: ProgressCallback) -> str:
    """Replay the demand service's event feed into fresh read models, then switch over."""
    token = issue_token(settings, "pmo-reporting-rebuild", [Role.SERVICE], name="rebuild")
    engine = create_engine(settings.database_url, pool_size=2)
    try:
        report = await rebuild_read_models(
            engine,
            settings.database_url,
            live_schema=SCHEMA,
            migrations=MIGRATIONS,
            sources=[FeedSource("demand", settings.demand_url, token)],
            handlers={"demand": DemandProjection},
            switchover_lock=SWITCHOVER_LOCK,
            progress=progress,
        )
    finally:
        await engine.dispose()
    return f"read models rebuilt from {report.events_applied} events and switched over"
