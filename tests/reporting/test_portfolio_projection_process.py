"""The projector process on the portfolio topic: records in, read models out, a gap
dead-lettered, while the demand topic's consumer runs beside it."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from pmo_kernel.cloudevents import dlq_topic
from pmo_kernel.db import create_engine
from pmo_kernel.infra.topics import ensure_topics
from pmo_reporting import operations
from pmo_reporting.gateway.portfolio_readmodel import PortfolioReadModel
from pmo_reporting.projector import PORTFOLIO_GROUP_ID, consumer_settings, run_projector
from tests.infra import Infrastructure
from tests.reporting.portfolio_factory import Item, scoring_model
from tests.reporting.records import publish, read_one
from tests.support import eventually, settings_for

pytestmark = pytest.mark.integration


async def test_the_projector_applies_the_portfolio_topic_and_dead_letters_a_gap(
    infra: Infrastructure, fresh_database: str, fresh_topic_prefix: str
) -> None:
    settings = settings_for(fresh_database, infra.kafka_bootstrap, fresh_topic_prefix)
    assert consumer_settings(settings, "portfolio").group_id == PORTFOLIO_GROUP_ID
    topic = settings.topic("portfolio")
    await ensure_topics(infra.kafka_bootstrap, [topic, dlq_topic(topic)], settings.kafka_partitions)
    item = Item("P-1").registered().scored("eve", 4, 0, 2)
    broken = Item("P-2").registered()
    broken.version += 1  # v2 never published
    gap = broken.revised(3).events[-1]
    events = [*scoring_model().events, *item.events, item.events[1], broken.events[0], gap]

    await publish(infra.kafka_bootstrap, topic, events)

    stopping = asyncio.Event()
    projector = asyncio.create_task(run_projector(settings, stopping))
    engine = create_engine(fresh_database, pool_size=1, max_overflow=0)
    read_model = PortfolioReadModel(engine)
    try:

        async def projected() -> bool:
            with contextlib.suppress(Exception):  # the schema may not be migrated yet
                rows = await read_model.items_by_ids(["P-1", "P-2"])
                return len(rows) == 2 and rows["P-1"]["version"] == 2
            return False

        await eventually(projected, 60)
        scores = await read_model.scores_for(["P-1"])
        assert [s["evaluator_id"] for s in scores["P-1"]] == ["eve"]  # the redelivery: once
        assert (await read_model.items_by_ids(["P-2"]))["P-2"]["version"] == 1
        dead = await read_one(infra.kafka_bootstrap, dlq_topic(topic))
        assert dict(dead.headers)["ce_id"] == str(gap.event_id).encode()
        assert b"gap" in dict(dead.headers)["pmo_dlq_error"]
    finally:
        stopping.set()
        await asyncio.wait_for(projector, timeout=30)
        await engine.dispose()


def test_the_rebuild_replays_the_portfolio_feed_once_the_service_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_for("postgresql://postgres@127.0.0.1:5432/pmo")
    assert [c.name for c in operations.consumers(settings)] == [
        "reporting.demands",
        "reporting.portfolio",
        "reporting.capacity",
    ]
    monkeypatch.setattr(operations, "service_names", lambda: {"demand", "reporting"})
    assert [s.service for s in operations.feed_sources(settings, "t")] == ["demand"]
    monkeypatch.setattr(operations, "service_names", lambda: {"demand", "portfolio"})
    sources = operations.feed_sources(settings, "t")
    assert [(s.service, s.base_url) for s in sources][1] == ("portfolio", settings.portfolio_url)
    monkeypatch.setattr(operations, "service_names", lambda: {"demand", "capacity"})
    sources = operations.feed_sources(settings, "t")
    assert [(s.service, s.base_url) for s in sources] == [
        ("demand", settings.demand_url),
        ("capacity", settings.capacity_url),
    ]
