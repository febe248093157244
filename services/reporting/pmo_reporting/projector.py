"""The projector process: demand events from Kafka → the reporting read models.

It runs the kernel's ConsumerRunner (exactly-once by event id, offsets committed after the
database, dead letters for what can never apply); DemandProjection takes each polled batch in
one call (`handle_batch`), two statements whatever its size.
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
from pmo_reporting.projections.demand import DemandProjection

log = logging.getLogger(__name__)
tracer = trace.get_tracer("pmo.reporting.projector")

SCHEMA = "reporting"
MIGRATIONS = Path(__file__).parent / "migrations"
GROUP_ID = "pmo-reporting-projector"
STOP_GRACE_SECONDS = 5.0
SWITCHOVER_LOCK = "pmo-reporting-read-models"  # see pmo_kernel.rebuild


def consumer_settings(settings: Settings) -> ConsumerSettings:
    return ConsumerSettings(
        topics=(settings.topic("demand"),),
        group_id=GROUP_ID,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        partitions=settings.kafka_partitions,
        replication=settings.kafka_replication_factor,
        switchover_lock=SWITCHOVER_LOCK,
    )


async def run_projector(settings: Settings, stopping: asyncio.Event) -> None:
    """Migrate the schema, then project until `stopping` is set."""
    await upgrade(settings.database_url, MIGRATIONS, SCHEMA)
    engine = create_engine(settings.database_url, pool_size=2, max_overflow=2)
    try:
        runner = ConsumerRunner(
            engine, SCHEMA, DemandProjection(SCHEMA), consumer_settings(settings)
        )
        log.info("projecting %s into %s", settings.topic("demand"), SCHEMA)
        await _until_stopped(runner.run(stopping), stopping)
    finally:
        await engine.dispose()


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
