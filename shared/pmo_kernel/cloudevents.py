"""The public Kafka contract: CloudEvents 1.0, Kafka protocol binding, binary content mode.

Headers carry the context attributes (`ce_*`), the record value is the event's JSON payload, the
record key is the stream id (so one aggregate's events stay in order on one partition).
Extension attributes (lower-case, per the spec): `sequence` (stream version), `correlationid`,
`causationid`, `pmoactor`, `pmoactorname`, `pmostreamtype`, `pmoposition`; W3C trace context
travels in the plain `traceparent` / `tracestate` headers, as OpenTelemetry propagates it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from pmo_kernel.recorded import RecordedEvent

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"

Headers = list[tuple[str, bytes]]


def topic_for(service: str) -> str:
    return f"pmo.{service}.events"


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


def ce_type(service: str, event_type: str, schema_version: int) -> str:
    return f"pmo.{service}.{event_type}.v{schema_version}"


def to_record(service: str, recorded: RecordedEvent) -> tuple[bytes, bytes, Headers]:
    """(key, value, headers) for one stored event."""
    meta = recorded.metadata_dict
    actor = meta["actor"]
    headers: Headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", str(recorded.event_id).encode()),
        ("ce_source", f"/pmo/{service}".encode()),
        ("ce_type", ce_type(service, recorded.event_type, recorded.schema_version).encode()),
        ("ce_subject", recorded.stream_id.encode()),
        ("ce_time", meta["occurred_at"].encode()),
        ("content-type", CONTENT_TYPE.encode()),
        ("ce_sequence", str(recorded.stream_version).encode()),
        ("ce_pmostreamtype", recorded.stream_type.encode()),
        ("ce_pmoposition", str(recorded.global_position).encode()),
        ("ce_pmoactor", actor["id"].encode()),
    ]
    for attribute, header in _OPTIONAL_HEADERS:
        value = actor.get("name") if attribute == "actor_name" else meta.get(attribute)
        if value:
            headers.append((header, value.encode()))
    return recorded.stream_id.encode(), recorded.payload_json.encode(), headers


_OPTIONAL_HEADERS = (
    ("actor_name", "ce_pmoactorname"),
    ("correlation_id", "ce_correlationid"),
    ("causation_id", "ce_causationid"),
    ("traceparent", "traceparent"),
    ("tracestate", "tracestate"),
)


class MalformedMessage(ValueError):
    """A Kafka record that is not a CloudEvent we can read: it goes to the DLQ."""


@dataclass(frozen=True)
class ReceivedEvent:
    """An integration event as a consumer sees it, decoded from a Kafka record."""

    event_id: UUID
    source: str
    service: str
    event_type: str
    schema_version: int
    subject: str  # the stream id
    stream_type: str
    sequence: int  # the stream version
    position: int | None
    time: datetime
    actor_id: str
    actor_name: str | None
    correlation_id: str | None
    causation_id: str | None
    traceparent: str | None
    tracestate: str | None
    data: dict[str, Any]


def from_record(headers: Sequence[tuple[str, bytes]], value: bytes | None) -> ReceivedEvent:
    h = {k: v.decode("utf-8", "replace") for k, v in headers}
    try:
        if h.get("ce_specversion") != SPEC_VERSION:
            raise MalformedMessage(f"not a CloudEvents 1.0 record: {h.get('ce_specversion')!r}")
        parts = h["ce_type"].split(".")
        if len(parts) != 4 or parts[0] != "pmo" or not parts[3].startswith("v"):
            raise MalformedMessage(f"unexpected ce_type {h['ce_type']!r}")
        data = orjson.loads(value or b"null")
        if not isinstance(data, dict):
            raise MalformedMessage("the record value is not a JSON object")
        position = h.get("ce_pmoposition")
        return ReceivedEvent(
            event_id=UUID(h["ce_id"]),
            source=h["ce_source"],
            service=parts[1],
            event_type=parts[2],
            schema_version=int(parts[3][1:]),
            subject=h["ce_subject"],
            stream_type=h.get("ce_pmostreamtype", parts[1]),
            sequence=int(h["ce_sequence"]),
            position=int(position) if position else None,
            time=datetime.fromisoformat(h["ce_time"]),
            actor_id=h.get("ce_pmoactor", "unknown"),
            actor_name=h.get("ce_pmoactorname"),
            correlation_id=h.get("ce_correlationid"),
            causation_id=h.get("ce_causationid"),
            traceparent=h.get("traceparent"),
            tracestate=h.get("tracestate"),
            data=data,
        )
    except MalformedMessage:
        raise
    except (KeyError, ValueError, orjson.JSONDecodeError) as exc:
        raise MalformedMessage(f"unreadable CloudEvent: {exc!r}") from exc


def from_feed_item(service: str, item: dict[str, Any]) -> ReceivedEvent:
    """The ReceivedEvent for one item of a service's event feed (GET /events): rebuilds replay
    the feed, the source of truth, instead of Kafka."""
    meta = item["metadata"]
    actor = meta.get("actor", {})
    return ReceivedEvent(
        event_id=UUID(item["event_id"]),
        source=f"/pmo/{service}",
        service=service,
        event_type=item["event_type"],
        schema_version=int(item["schema_version"]),
        subject=item["stream_id"],
        stream_type=item["stream_type"],
        sequence=int(item["stream_version"]),
        position=int(item["global_position"]),
        time=datetime.fromisoformat(meta["occurred_at"]),
        actor_id=actor.get("id", "unknown"),
        actor_name=actor.get("name"),
        correlation_id=meta.get("correlation_id"),
        causation_id=meta.get("causation_id"),
        traceparent=meta.get("traceparent"),
        tracestate=meta.get("tracestate"),
        data=item["payload"],
    )


def from_recorded(service: str, recorded: RecordedEvent) -> ReceivedEvent:
    """The ReceivedEvent a consumer would decode for a stored event: used by rebuilds, which
    replay the source service's event feed instead of Kafka."""
    key, value, headers = to_record(service, recorded)
    del key
    return from_record(headers, value)
