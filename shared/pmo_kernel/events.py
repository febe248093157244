"""The event model: immutable domain facts, their metadata, and the per-service registry with
upcasters.

An event class has a stable `event_type` name and a `schema_version`. Stored payloads of an older
version are brought up to date by pure upcaster functions, registered once per service, before
they are parsed into the current class: the domain only ever sees the current shape.

How payloads are written and read back fast is the codec's business (`pmo_kernel.event_codec`);
an event as stored, with its place in the log, is `pmo_kernel.recorded.RecordedEvent`.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field

from pmo_kernel.errors import UnknownEventType
from pmo_kernel.event_codec import (
    PLAIN_OPTIONS,
    UNCOMPILED,
    mentions,
    payload_encoder,
    stored_decoder,
    trusted_builder,
)

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
        # model_dump(mode="json") without its Python wrapper (the same call, its defaults)
        data: JsonDict = self.__pydantic_serializer__.to_python(self, mode="json")
        return data

    def payload_json(self) -> bytes:
        """`payload()` as JSON with sorted keys: what the event store writes and hashes."""
        encode = _PAYLOAD_ENCODERS.get(type(self))
        if encode is None:
            cls = type(self)
            encode = _PAYLOAD_ENCODERS[cls] = payload_encoder(cls, cls.payload)
        return encode(self)


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

    def stored_json(self) -> bytes:
        """`model_dump(mode="json", exclude_none=True)` as JSON with sorted keys, what the
        event store writes and hashes, written by orjson straight from the fields (the same
        bytes: tests/kernel/test_payload_encoding.py)."""
        actor = self.actor
        if type(self) is not EventMetadata or type(actor) is not Actor:
            return orjson.dumps(
                self.__pydantic_serializer__.to_python(self, mode="json", exclude_none=True),
                option=orjson.OPT_SORT_KEYS,
            )
        data = {k: v for k, v in self.__dict__.items() if v is not None}
        data["actor"] = {k: v for k, v in actor.__dict__.items() if v is not None}
        return orjson.dumps(data, option=PLAIN_OPTIONS)


E = TypeVar("E", bound=type[DomainEvent])


class EventRegistry:
    """The events one service knows, by stable name, with their upcasters."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._classes: dict[str, type[DomainEvent]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        self._builders: dict[type[DomainEvent], Any] = {}  # class -> trusted builder or None
        # event type -> (its current schema version, the decode_stored of a payload of it)
        self._stored: dict[str, tuple[int, Callable[[str | bytes], DomainEvent]]] = {}

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

    def decode_stored(
        self, event_type: str, schema_version: int, payload: str | bytes
    ) -> DomainEvent:
        """Parse a payload read back from our own event store (the store's decoder).

        A payload of the current schema version was written by `EventStore.append` as the JSON
        dump of an event instance that pydantic had validated (see `event_codec` for why
        re-validating it proves nothing new): it is rebuilt by plain type conversions, about
        four times faster than validation. Anything that does not have exactly the shape the
        class dumps (another schema version, a missing or unknown field, a value of an
        unexpected JSON type) goes through full validation, as `decode_json` does."""
        known = self._stored.get(event_type)
        if known is not None and known[0] == schema_version:  # one lookup on the replay path
            return known[1](payload)
        cls = self.class_for(event_type)
        if schema_version == cls.schema_version:
            build = self._builders.get(cls, UNCOMPILED)
            if build is UNCOMPILED:
                build = self._builders[cls] = trusted_builder(cls)
            decode = stored_decoder(cls, build)
            self._stored[event_type] = (schema_version, decode)
            return decode(payload)
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
        if mentions(info.annotation, lambda a: a is float):
            raise TypeError(f"{cls.__name__}.{name}: events may not hold floats; use Decimal")


# Each event class's payload encoder (event_codec.payload_encoder), made on its first write.
_PAYLOAD_ENCODERS: dict[type[DomainEvent], Callable[[DomainEvent], bytes]] = {}
