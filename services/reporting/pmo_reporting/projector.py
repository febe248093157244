"""The projector process: demand, portfolio and capacity events from Kafka → the reporting
read models.

It runs the kernel's ConsumerRunners side by side, one per topic and consumer group
(exactly-once by event id, offsets committed after the database, dead letters for what can
never apply): DemandProjection takes each polled demand batch in one call (`handle_batch`), two
statements whatever its size; PortfolioProjection the portfolio's (portfolio.py);
CapacityProjection the capacity's (capacity.py). Each keeps its own dedupe records (the
handler's name keys them), so none can stall the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from opentelemetry import trace

from pmo_kernel.consumer import ConsumerRunner, ConsumerSettings
from pmo_kernel.db import create_engine
from pmo_kernel.migrations import upgrade
from pmo_kernel.settings import Settings
from pmo_reporting.projections.capacity import CapacityProjection
from pmo_reporting.projections.demand import DemandProjection
from pmo_reporting.projections.portfolio import PortfolioProjection

log = logging.getLogger(__name__)
tracer = trace.get_tracer("pmo.reporting.projector")

SCHEMA = "reporting"
MIGRATIONS = Path(__file__).parent / "migrations"
GROUP_ID = "pmo-reporting-projector"
PORTFOLIO_GROUP_ID = "pmo-reporting-portfolio-projector"
CAPACITY_GROUP_ID = "pmo-reporting-capacity-projector"
# topic (service) → group
GROUPS = {"demand": GROUP_ID, "portfolio": PORTFOLIO_GROUP_ID, "capacity": CAPACITY_GROUP_ID}
STOP_GRACE_SECONDS = 5.0
SWITCHOVER_LOCK = "pmo-reporting-read-models"  # see pmo_kernel.rebuild


def consumer_settings(settings: Settings, service: str = "demand") -> ConsumerSettings:
    """The consumer of one service's topic ("demand", "portfolio" or "capacity")."""
    return ConsumerSettings(
        topics=(settings.topic(service),),
        group_id=GROUPS[service],
        bootstrap_servers=settings.kafka_bootstrap_servers,
        partitions=settings.kafka_partitions,
        replication=settings.kafka_replication_factor,
        commit_interval_seconds=settings.consumer_commit_interval_seconds,
        switchover_lock=SWITCHOVER_LOCK,
    )


async def run_projector(settings: Settings, stopping: asyncio.Event) -> None:
    """Migrate the schema, then project until `stopping` is set."""
    await upgrade(settings.database_url, MIGRATIONS, SCHEMA)
    engine = create_engine(settings.database_url, pool_size=4, max_overflow=2)
    try:
        runners = [
            ConsumerRunner(
                engine, SCHEMA, DemandProjection(SCHEMA), consumer_settings(settings, "demand")
            ),
            ConsumerRunner(
                engine,
                SCHEMA,
                PortfolioProjection(SCHEMA),
                consumer_settings(settings, "portfolio"),
            ),
            ConsumerRunner(
                engine,
                SCHEMA,
                CapacityProjection(SCHEMA),
                consumer_settings(settings, "capacity"),
            ),
        ]
        log.info(
            "projecting %s, %s and %s into %s",
            settings.topic("demand"),
            settings.topic("portfolio"),
            settings.topic("capacity"),
            SCHEMA,
        )
        await _until_stopped(_together(*(r.run(stopping) for r in runners)), stopping)
    finally:
        await engine.dispose()


async def _together(*runs: Coroutine[Any, Any, None]) -> None:
    """Run the consumers concurrently; when one fails, cancel the others and raise."""
    async with asyncio.TaskGroup() as group:
        for run in runs:
            group.create_task(run)


async def _until_stopped(run: Coroutine[Any, Any, None], stopping: asyncio.Event) -> None:
    """Await `run`, which checks `stopping` between polls. While it is still connecting to a
    broker that is not there it does not look, so a stop request gets a grace period, then
    cancels it: SIGTERM must stop the process either way."""
    task = asyncio.create_task(run)
    stop_requested = asyncio.create_task(stopping.wait())
    try:
        await asyncio.wait({task, stop_requested}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            done, _ = await asyncio.wait({task}, timeout=STOP_GRACE_SECONDS)
            if not done:
                log.warning("projector still starting after the stop request: cancelling it")
                task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    finally:
        stop_requested.cancel()
        if not task.done():
            task.cancel()
