"""An event as the store keeps it: `RecordedEvent`, its place in its stream and in the log
(`LogCursor`), decoded into the typed event only when read (the store's `Decoder`)."""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar
from uuid import UUID, uuid4

import orjson

from pmo_kernel.errors import UnknownEventType
from pmo_kernel.events import DomainEvent, EventMetadata, JsonDict, utcnow


class LogCursor(NamedTuple):
    """A place in the whole log, in the order readers see it. (0, 0) is the beginning."""

    tx_id: int
    global_position: int


Decoder = Callable[[str, int, str], "DomainEvent"]


T = TypeVar("T")


class _cached(Generic[T]):  # noqa: N801 - used as a decorator, like cached_property
    """functools.cached_property without its lock (Python 3.11 takes one on every first read,
    about a microsecond: replays read millions of events). The value lands in the instance's
    __dict__, which then wins over this non-data descriptor: later reads are plain lookups."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @typing.overload
    def __get__(self, instance: None, owner: type | None = None) -> _cached[T]: ...

    @typing.overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> T | _cached[T]:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value
        return value


class _LazyEvent:
    """`RecordedEvent.event`: the typed event, decoded on first read and kept in the instance's
    __dict__, which then wins over this non-data descriptor. Like `_cached`, one Python call
    less: replays read it on millions of events."""

    @typing.overload
    def __get__(self, instance: None, owner: type | None = None) -> _LazyEvent: ...

    @typing.overload
    def __get__(self, instance: RecordedEvent, owner: type | None = None) -> DomainEvent: ...

    def __get__(
        self, instance: RecordedEvent | None, owner: type | None = None
    ) -> DomainEvent | _LazyEvent:
        if instance is None:
            return self
        d = instance.__dict__
        event: DomainEvent = d["decoder"](d["event_type"], d["schema_version"], d["payload_json"])
        d["event"] = event
        return event


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

    # The typed event, decoded by `decoder` on first read.
    event = _LazyEvent()

    @_cached
    def metadata(self) -> EventMetadata:
        return EventMetadata.model_validate_json(self.metadata_json)

    @_cached
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
        recorded.__dict__["event"] = event  # prime the cache: no decoding needed
        return recorded


def _no_decoder(event_type: str, schema_version: int, payload: str) -> DomainEvent:
    raise UnknownEventType(f"in-memory event {event_type} v{schema_version} has no decoder")
