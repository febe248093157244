"""Events: immutable domain facts, their metadata, and the per-service registry with upcasters.

An event class has a stable `event_type` name and a `schema_version`. Stored payloads of an older
version are brought up to date by pure upcaster functions, registered once per service, before
they are parsed into the current class: the domain only ever sees the current shape.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, ClassVar, NamedTuple, TypeVar
from uuid import UUID, uuid4

import orjson
from pydantic import BaseModel, ConfigDict, Field

from pmo_kernel.errors import UnknownEventType

JsonDict = dict[str, Any]
Upcaster = Callable[[JsonDict], JsonDict]


def utcnow() -> datetime:
    return datetime.now(UTC)


class DomainEvent(BaseModel):
    """Base of every domain event: frozen, strict about unknown fields, named in the past tense."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1

    def payload(self) -> JsonDict:
        return self.model_dump(mode="json")


class Actor(BaseModel):
    """Who caused an event: the authenticated subject and the roles they acted with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str | None = None
    roles: tuple[str, ...] = ()


SYSTEM_ACTOR = Actor(id="system", name="pmo", roles=("system",))


class EventMetadata(BaseModel):
    """Context recorded beside each event: the audit trail's who, when and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: Actor
    occurred_at: datetime = Field(default_factory=utcnow)
    correlation_id: str | None = None
    causation_id: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None
    idempotency_key: str | None = None
    request_fingerprint: str | None = None


class LogCursor(NamedTuple):
    """A place in the whole log, in the order readers see it. (0, 0) is the beginning."""

    tx_id: int
    global_position: int


Decoder = Callable[[str, int, str], "DomainEvent"]


@dataclass(frozen=True, eq=False)
class RecordedEvent:
    """An event as stored: its place in its stream and in the log, and its hash-chain link.

    A plain dataclass, not a pydantic model: replays build millions of these from our own store.
    It keeps the stored JSON; the typed `event` and `metadata` are parsed on first use, so a relay
    that forwards the JSON never pays for parsing it.
    """

    event_id: UUID
    stream_type: str
    stream_id: str
    stream_version: int
    global_position: int
    tx_id: int
    event_type: str
    schema_version: int
    payload_json: str
    metadata_json: str
    recorded_at: datetime
    prev_hash: str | None
    hash: str
    decoder: Decoder = field(repr=False)

    @cached_property
    def event(self) -> DomainEvent:
        return self.decoder(self.event_type, self.schema_version, self.payload_json)

    @cached_property
    def metadata(self) -> EventMetadata:
        return EventMetadata.model_validate_json(self.metadata_json)

    @cached_property
    def metadata_dict(self) -> JsonDict:
        data: JsonDict = orjson.loads(self.metadata_json)
        return data

    @property
    def cursor(self) -> LogCursor:
        """Where a reader of the whole log resumes after this event (see EventStore.read_all)."""
        return LogCursor(self.tx_id, self.global_position)

    @classmethod
    def of(
        cls,
        event: DomainEvent,
        metadata: EventMetadata,
        *,
        stream_type: str,
        stream_id: str,
        stream_version: int,
        event_id: UUID | None = None,
        global_position: int = 0,
        tx_id: int = 0,
        recorded_at: datetime | None = None,
        prev_hash: str | None = None,
        hash: str = "",
    ) -> RecordedEvent:
        """A recorded event built in memory (tests, in-process projections)."""
        recorded = cls(
            event_id=event_id or uuid4(),
            stream_type=stream_type,
            stream_id=stream_id,
            stream_version=stream_version,
            global_position=global_position,
            tx_id=tx_id,
            event_type=event.event_type,
            schema_version=event.schema_version,
            payload_json=event.model_dump_json(),
            metadata_json=metadata.model_dump_json(exclude_none=True),
            recorded_at=recorded_at or utcnow(),
            prev_hash=prev_hash,
            hash=hash,
            decoder=_no_decoder,
        )
        recorded.__dict__["event"] = event  # prime the cached_property: no decoding needed
        return recorded


def _no_decoder(event_type: str, schema_version: int, payload: str) -> DomainEvent:
    raise UnknownEventType(f"in-memory event {event_type} v{schema_version} has no decoder")


E = TypeVar("E", bound=type[DomainEvent])


class EventRegistry:
    """The events one service knows, by stable name, with their upcasters."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._classes: dict[str, type[DomainEvent]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def event(self, cls: E) -> E:
        """Class decorator: register an event class under its `event_type`."""
        name = cls.event_type
        if name in self._classes and self._classes[name] is not cls:
            raise ValueError(f"event type {name!r} registered twice in {self.service}")
        _forbid_floats(cls)
        self._classes[name] = cls
        return cls

    def upcaster(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register a pure function turning a payload of `from_version` into `from_version + 1`."""

        def register(fn: Upcaster) -> Upcaster:
            key = (event_type, from_version)
            if key in self._upcasters:
                raise ValueError(f"upcaster for {event_type} v{from_version} registered twice")
            self._upcasters[key] = fn
            return fn

        return register

    def __contains__(self, event_type: str) -> bool:
        return event_type in self._classes

    def __iter__(self) -> typing.Iterator[type[DomainEvent]]:
        return iter(self._classes.values())

    def class_for(self, event_type: str) -> type[DomainEvent]:
        try:
            return self._classes[event_type]
        except KeyError:
            raise UnknownEventType(
                f"{self.service} does not know event type {event_type!r}"
            ) from None

    def upcast(self, event_type: str, schema_version: int, payload: JsonDict) -> JsonDict:
        current = self.class_for(event_type).schema_version
        if schema_version > current:
            raise UnknownEventType(
                f"{event_type} v{schema_version} is newer than this code (v{current})"
            )
        while schema_version < current:
            try:
                step = self._upcasters[(event_type, schema_version)]
            except KeyError:
                raise UnknownEventType(
                    f"no upcaster for {event_type} from v{schema_version}"
                ) from None
            payload = step(payload)
            schema_version += 1
        return payload

    def decode_json(
        self, event_type: str, schema_version: int, payload: str | bytes
    ) -> DomainEvent:
        """Parse a stored payload; the current version goes straight from JSON text (fast path)."""
        cls = self.class_for(event_type)
        if schema_version == cls.schema_version:
            return cls.model_validate_json(payload)
        return cls.model_validate(self.upcast(event_type, schema_version, orjson.loads(payload)))

    def decode(
        self, event_type: str, schema_version: int, payload: Mapping[str, Any]
    ) -> DomainEvent:
        cls = self.class_for(event_type)
        data = dict(payload)
        if schema_version != cls.schema_version:
            data = self.upcast(event_type, schema_version, data)
        return cls.model_validate(data)


def _forbid_floats(cls: type[BaseModel]) -> None:
    """Events are hashed from their JSON: floats do not round-trip through jsonb byte-for-byte
    (1e20 comes back as 100000000000000000000), so an audit would cry wolf. Use Decimal or int."""
    for name, info in cls.model_fields.items():
        if _mentions_float(info.annotation):
            raise TypeError(f"{cls.__name__}.{name}: events may not hold floats; use Decimal")


def _mentions_float(annotation: Any) -> bool:
    if annotation is float:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return any(_mentions_float(f.annotation) for f in annotation.model_fields.values())
    origin = typing.get_origin(annotation)
    if origin is None and not isinstance(annotation, types.UnionType):
        return False
    return any(_mentions_float(arg) for arg in typing.get_args(annotation))
