"""One trace follows a command: HTTP request → append (traceparent kept in the event's metadata)
→ relay publish → Kafka headers → consumer → projection."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.consumer import ConsumerRunner, ConsumerSettings
from pmo_kernel.db import raw_connection
from pmo_kernel.relay import OutboxRelay, RelaySettings
from pmo_kernel.store.schema import consumer_ddl
from pmo_kernel.telemetry import configure_tracing
from tests.demand.integration.conftest import DemandApi
from tests.demand.integration.test_demand_api import REQUESTER, submission
from tests.infra import Infrastructure
from tests.support import eventually


class RecordingProjection:
    name = "trace-test"

    def __init__(self) -> None:
        self.applied: list[ReceivedEvent] = []

    async def handle(self, conn: asyncpg.Connection, event: ReceivedEvent) -> None:
        self.applied.append(event)

    async def after_commit(self, events: Sequence[ReceivedEvent]) -> None:
        return None


async def test_one_trace_id_runs_from_the_http_request_to_the_projection(
    demand_api: DemandApi, infra: Infrastructure, fresh_topic_prefix: str
) -> None:
    exporter = InMemorySpanExporter()
    configure_tracing("pmo-tests", span_exporter=exporter)
    api = demand_api
    store = api.container.store
    async with raw_connection(store.engine) as conn:
        for statement in consumer_ddl("trace_test"):
            await conn.execute(statement)
    topic = f"{fresh_topic_prefix}pmo.demand.events"
    relay = OutboxRelay(store, RelaySettings("demand", topic, infra.kafka_bootstrap))
    projection = RecordingProjection()
    runner = ConsumerRunner(
        store.engine,
        "trace_test",
        projection,
        ConsumerSettings((topic,), f"{fresh_topic_prefix}trace", infra.kafka_bootstrap),
    )
    stopping = asyncio.Event()
    tasks = [asyncio.create_task(relay.run(stopping)), asyncio.create_task(runner.run(stopping))]
    try:
        response = await api.client.post("/demands", json=submission(), headers=api.as_(*REQUESTER))
        assert response.status_code == 201

        async def projected() -> bool:
            return len(projection.applied) == 1

        await eventually(projected, within=60)
    finally:
        stopping.set()
        await asyncio.gather(*tasks)

    spans = exporter.get_finished_spans()
    server = next(s for s in spans if s.kind == SpanKind.SERVER and s.name == "POST /demands")
    assert server.context is not None
    trace_id = server.context.trace_id
    in_trace = [s for s in spans if s.context is not None and s.context.trace_id == trace_id]
    kinds = {s.kind for s in in_trace}
    assert {SpanKind.SERVER, SpanKind.PRODUCER, SpanKind.CONSUMER} <= kinds
    consumer_span = next(s for s in in_trace if s.kind == SpanKind.CONSUMER)
    assert consumer_span.attributes is not None
    assert consumer_span.attributes["messaging.message.id"] == str(projection.applied[0].event_id)
    stored = await store.read_stream("demand", response.json()["id"])
    assert stored[0].metadata.traceparent is not None
    assert f"{trace_id:032x}" in stored[0].metadata.traceparent
