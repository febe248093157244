"""The application layer's building blocks, shared by every service: the context a command
runs in, the metadata its events carry, and a repository that loads an aggregate from its
stream and appends what it decided at the version it was loaded at."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import ConcurrencyError, NotFound
from pmo_kernel.events import EventMetadata
from pmo_kernel.identity import Principal
from pmo_kernel.logs import correlation_id_var
from pmo_kernel.store import AppendResult, EventStore, NewEvent, StreamAppend
from pmo_kernel.telemetry import current_traceparent


@dataclass(frozen=True)
class CommandContext:
    principal: Principal
    expected_version: int | None = None  # from If-Match
    idempotency_key: str | None = None
    # When the facts happened, for imports and demo data only: REST APIs never set it, so a
    # caller cannot backdate a decision.
    now: datetime | None = None


def event_metadata(
    ctx: CommandContext,
    *,
    request_fingerprint: str | None = None,
    causation_id: str | None = None,
) -> EventMetadata:
    """Who, why and in which trace: recorded beside every event a command produces."""
    traceparent, tracestate = current_traceparent()
    occurred = {} if ctx.now is None else {"occurred_at": ctx.now}
    return EventMetadata(
        **occurred,
        actor=ctx.principal.actor(),
        correlation_id=correlation_id_var.get(),
        causation_id=causation_id,
        traceparent=traceparent,
        tracestate=tracestate,
        idempotency_key=ctx.idempotency_key,
        request_fingerprint=request_fingerprint,
    )


A = TypeVar("A", bound=Aggregate)


class Repository(Generic[A]):
    """Aggregates of one type: `get` folds a stream, `save` appends at the loaded version."""

    def __init__(self, store: EventStore, factory: type[A], noun: str) -> None:
        self.store = store
        self.factory = factory
        self.noun = noun  # for messages: "scoring model", "meeting"...

    async def load(self, stream_id: str) -> A:
        """The aggregate, new (version 0) if its stream is empty. The stream is this type's
        (stream_type, stream_id): another type's stream of the same id is another stream."""
        history = await self.store.read_stream(self.factory.stream_type, stream_id)
        return self.factory.load(stream_id, history)

    async def load_all(self) -> list[A]:
        """Every aggregate of this type, by id (see `EventStore.read_streams_of_type`)."""
        streams = await self.store.read_streams_of_type(self.factory.stream_type)
        return [self.factory.load(stream_id, events) for stream_id, events in streams.items()]

    async def get(self, stream_id: str, ctx: CommandContext | None = None) -> A:
        """The aggregate, which must exist, at the version the caller expects (If-Match)."""
        aggregate = await self.load(stream_id)
        if aggregate.version == 0:
            raise NotFound(f"{self.noun} {stream_id} does not exist", id=stream_id)
        if ctx is not None:
            check_expected_version(aggregate, ctx, self.noun)
        return aggregate

    def pending_append(
        self, aggregate: A, metadata: EventMetadata, event_ids: Sequence[UUID | None] = ()
    ) -> StreamAppend:
        ids = list(event_ids) or [None] * len(aggregate.pending)
        return StreamAppend(
            aggregate.stream_type,
            aggregate.id,
            aggregate.version,
            [NewEvent(e, metadata, i) for e, i in zip(aggregate.pending, ids, strict=True)],
            prev_hash=aggregate.last_hash,
        )

    async def save(
        self, aggregate: A, metadata: EventMetadata, event_ids: Sequence[UUID | None] = ()
    ) -> AppendResult:
        a = self.pending_append(aggregate, metadata, event_ids)
        result = await self.store.append(
            a.stream_type, a.stream_id, a.expected_version, a.events, prev_hash=a.prev_hash
        )
        aggregate.mark_saved(result.version, result.last_hash)
        return result


def check_expected_version(aggregate: Aggregate, ctx: CommandContext, noun: str) -> None:
    if ctx.expected_version is not None and ctx.expected_version != aggregate.version:
        raise ConcurrencyError(
            f"{noun} {aggregate.id} is at version {aggregate.version}, not the expected "
            f"{ctx.expected_version}: it changed since you read it",
            stream_id=aggregate.id,
            expected_version=ctx.expected_version,
            actual_version=aggregate.version,
        )


async def save_together(
    store: EventStore, parts: Sequence[tuple[Aggregate, StreamAppend]]
) -> list[AppendResult]:
    """Append several aggregates' pending events atomically (all or none)."""
    results = await store.append_streams([append for _, append in parts])
    for (aggregate, _), result in zip(parts, results, strict=True):
        aggregate.mark_saved(result.version, result.last_hash)
    return results
