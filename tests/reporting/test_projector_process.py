"""The projector process end to end: Kafka records in, read model out, gaps dead-lettered."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from pmo_kernel.cloudevents import dlq_topic
from pmo_kernel.db import create_engine
from pmo_kernel.infra.topics import ensure_topics
from pmo_reporting.gateway.readmodel import ReadModel
from pmo_reporting.projector import run_projector
from tests.infra import Infrastructure
from tests.reporting.factory import DemandStory, business_case
from tests.reporting.records import publish, read_one
from tests.support import eventually, settings_for

pytestmark = pytest.mark.integration


async def test_the_projector_applies_the_demand_topic_and_dead_letters_a_gap(
    infra: Infrastructure, fresh_database: str, fresh_topic_prefix: str
) -> None:
    settings = settings_for(fresh_database, infra.kafka_bootstrap, fresh_topic_prefix)
    topic = settings.topic("demand")
    await ensure_topics(infra.kafka_bootstrap, [topic, dlq_topic(topic)], settings.kafka_partitions)
    story, broken = DemandStory("D-1"), DemandStory("D-2")
    story.submitted(case=business_case())
    story.information_requested("Which ERP?")
    story.information_provided("SAP")
    broken.submitted()
    broken.version += 1  # v2 never published
    gap = broken.rejected("Out of scope")
    events = [*story.events, story.events[1], *broken.events[:1], gap]  # one redelivery too

    await publish(infra.kafka_bootstrap, topic, events)

    stopping = asyncio.Event()
    projector = asyncio.create_task(run_projector(settings, stopping))
    engine = create_engine(fresh_database, pool_size=1, max_overflow=0)
    read_model = ReadModel(engine)
    try:

        async def projected() -> bool:
            with contextlib.suppress(Exception):  # the schema may not be migrated yet
                return await read_model.version_of("D-1") == 3
            return False

        await eventually(projected, 60)
        rows = await read_model.demands_by_ids(["D-1", "D-2"])
        assert rows["D-1"]["state"] == "information_provided"
        assert rows["D-2"]["version"] == 1  # its gap went to the dead letters
        history = await read_model.history_for(["D-1"])
        assert [line["version"] for line in history["D-1"]] == [1, 2, 3]
        dead = await read_one(infra.kafka_bootstrap, dlq_topic(topic))
        assert dict(dead.headers)["ce_id"] == str(gap.event_id).encode()
        assert b"gap" in dict(dead.headers)["pmo_dlq_error"]
    finally:
        stopping.set()
        await asyncio.wait_for(projector, timeout=30)
        await engine.dispose()
