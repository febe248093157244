"""The PostgreSQL event store: optimistic appends, gap-free log reads, a hash chain."""

from pmo_kernel.recorded import LogCursor
from pmo_kernel.store.postgres import (
    START,
    UNKNOWN,
    AppendResult,
    EventStore,
    NewEvent,
    StreamAppend,
)

__all__ = [
    "START",
    "UNKNOWN",
    "AppendResult",
    "EventStore",
    "LogCursor",
    "NewEvent",
    "StreamAppend",
]
