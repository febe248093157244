"""Which failures are the infrastructure's and pass by themselves, and which are the work's own.

A consumer retries a transient failure until it is over instead of dead-lettering the message
(the message did nothing wrong), and the HTTP edge answers it with 503 and Retry-After instead
of 500 (the client may send the same request again). Everything else is the message's or the
request's own failure.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy import exc as sa_exc

# SQLSTATE classes and codes that say "try again later", not "this cannot be done":
# 08 connection exception, 53 insufficient resources (too many connections, disk full),
# 57P01-57P03 the server shutting down, crashed or starting; 40001 serialization failure,
# 40P01 deadlock, 55P03 lock not available, 57014 statement timeout or cancel.
_TRANSIENT_CLASSES = ("08", "53")
_TRANSIENT_STATES = frozenset({"40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03"})


def is_transient(error: BaseException) -> bool:
    """Whether `error`, or what caused it, is a database or network failure that passes."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _transient_itself(current):
            return True
        orig = getattr(current, "orig", None)  # SQLAlchemy's wrapper of the driver's error
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return False


def _transient_itself(error: BaseException) -> bool:
    if isinstance(error, (OSError, TimeoutError, sa_exc.TimeoutError)):
        return True  # refused, reset, unreachable; pool or statement timeouts
    if isinstance(error, (asyncpg.InterfaceError, sa_exc.DisconnectionError)):
        # The connection is closed or went away mid-use. (A misuse of the driver is an
        # InterfaceError too, but that is a bug that retrying cannot make worse.)
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    state = getattr(error, "sqlstate", None)
    if isinstance(error, asyncpg.PostgresError) and isinstance(state, str):
        return state in _TRANSIENT_STATES or state[:2] in _TRANSIENT_CLASSES
    return False
