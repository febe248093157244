"""Aggregates decide and evolve.

A command method checks invariants and records new events with `_record`; `apply` only changes
state and never fails for a well-formed history. Loading is a fold over the stored stream; an
event whose version is not `version + 1` means the stream is corrupt and is refused.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import ClassVar, Self

from pmo_kernel.errors import StreamCorrupted
from pmo_kernel.events import DomainEvent
from pmo_kernel.recorded import RecordedEvent


class Aggregate(ABC):
    stream_type: ClassVar[str]

    def __init__(self, stream_id: str) -> None:
        self.id = stream_id
        self.version = 0  # version of the last stored event folded in
        self.last_hash: str | None = None  # hash of that event: the next append chains to it
        self._pending: list[DomainEvent] = []

    @abstractmethod
    def apply(self, event: DomainEvent) -> None:
        """Evolve: change state for one event. No checks, no I/O."""

    @classmethod
    def load(cls, stream_id: str, history: Iterable[RecordedEvent]) -> Self:
        aggregate = cls(stream_id)
        for recorded in history:
            aggregate.fold(recorded)
        return aggregate

    def fold(self, recorded: RecordedEvent) -> None:
        if recorded.stream_version != self.version + 1:
            raise StreamCorrupted(
                f"{self.stream_type} {self.id}: expected version {self.version + 1}, "
                f"got {recorded.stream_version} (event {recorded.event_id})"
            )
        self.apply(recorded.event)
        self.version = recorded.stream_version
        self.last_hash = recorded.hash

    @property
    def exists(self) -> bool:
        return self.version > 0 or bool(self._pending)

    @property
    def pending(self) -> tuple[DomainEvent, ...]:
        return tuple(self._pending)

    def _record(self, event: DomainEvent) -> None:
        self.apply(event)
        self._pending.append(event)

    def mark_saved(self, new_version: int, last_hash: str | None) -> None:
        self.version = new_version
        self.last_hash = last_hash
        self._pending.clear()
