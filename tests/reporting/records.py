"""Events as the projector receives them, and as a service's relay puts them on Kafka: shared by
the demand and portfolio test factories and the projector process tests."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import uuid4

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from pmo_kernel.cloudevents import ReceivedEvent, ce_type


def received_event(
    service: str,
    stream_type: str,
    subject: str,
    version: int,
    event_type: str,
    data: dict[str, Any],
    *,
    at: datetime,
    actor: str,
    actor_name: str | None = None,
) -> ReceivedEvent:
    """Version `version` of stream `subject`, from `service`, fresh event id, no trace."""
    return ReceivedEvent(
        event_id=uuid4(),
        source=f"/pmo/{service}",
        service=service,
        event_type=event_type,
        schema_version=1,
        subject=subject,
        stream_type=stream_type,
        sequence=version,
        position=None,
        time=at,
        actor_id=actor,
        actor_name=actor_name,
        correlation_id=None,
        causation_id=None,
        traceparent=None,
        tracestate=None,
        data=data,
    )


def kafka_record(event: ReceivedEvent) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) of `event` as its service's relay publishes it."""
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", str(event.event_id).encode()),
        ("ce_source", event.source.encode()),
        ("ce_type", ce_type(event.service, event.event_type, event.schema_version).encode()),
        ("ce_subject", event.subject.encode()),
        ("ce_time", event.time.isoformat().encode()),
        ("content-type", b"application/json"),
        ("ce_sequence", str(event.sequence).encode()),
        ("ce_pmostreamtype", event.stream_type.encode()),
        ("ce_pmoactor", event.actor_id.encode()),
    ]
    if event.actor_name:
        headers.append(("ce_pmoactorname", event.actor_name.encode()))
    return event.subject.encode(), orjson.dumps(event.data), headers


async def publish(bootstrap: str, topic: str, events: Iterable[ReceivedEvent]) -> None:
    """Put `events` on `topic` in order, each acknowledged before the next."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for event in events:
            key, value, headers = kafka_record(event)
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def read_one(bootstrap: str, topic: str) -> ConsumerRecord[bytes, bytes]:
    """The first record of `topic` (e.g. a dead letter), within 30 s."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    try:
        record: ConsumerRecord[bytes, bytes] = await asyncio.wait_for(consumer.getone(), 30)
        return record
    finally:
        await consumer.stop()
