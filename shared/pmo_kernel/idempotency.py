"""Safe retries for every write service. A client that sends a command again with the same
`Idempotency-Key` gets the first outcome back and nothing is written twice; the same key with a
different request is refused, so a client bug cannot silently return another request's result.

The outcome is recorded in the service's schema (`idempotency_keys`) in the same transaction as
the command's events (EventStore.unit_of_work): either both are stored or neither, so a retry
after a crash, a timeout or a 503 either finds the outcome or runs the command afresh. Twins
sent at the same time queue on a transaction-scoped advisory lock of their key: the second
waits for the first to commit and returns its outcome. Keys are per caller (two users choosing
the same key never collide). Only successes are recorded: a refused command (4xx) writes
nothing, and sending it again asks again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from pmo_kernel.errors import IdempotencyKeyReused
from pmo_kernel.identity import Principal
from pmo_kernel.store import EventStore


@dataclass(frozen=True)
class Outcome:
    """What a command answered: enough to answer a retry identically."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def fingerprint(command: str, target: str, body: object) -> str:
    """What the request asked for, independent of key order and whitespace."""
    data = orjson.dumps(
        {"command": command, "target": target, "body": body},
        option=orjson.OPT_SORT_KEYS,
        default=str,
    )
    return hashlib.sha256(data).hexdigest()


def scoped_key(principal: Principal, key: str) -> str:
    return f"{principal.subject}\x1f{key}"


class IdempotencyKeys:
    """The outcomes of one service's keyed commands."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        t = f'"{store.schema}".idempotency_keys'
        self._lookup = f"SELECT fingerprint, outcome::text FROM {t} WHERE key = $1"
        self._record = f"INSERT INTO {t} (key, fingerprint, outcome) VALUES ($1, $2, $3::jsonb)"

    async def once(
        self,
        principal: Principal,
        key: str,
        request: str,
        execute: Callable[[], Awaitable[Outcome]],
    ) -> tuple[Outcome, bool]:
        """Run `execute` unless this caller's `key` already has an outcome for `request` (a
        fingerprint); returns the outcome and whether it is a replay."""
        scoped = scoped_key(principal, key)
        async with self.store.unit_of_work() as conn:
            # Behind the key's lock, the lookup sees a twin that committed while we waited
            # (read committed: each statement reads what is committed when it starts).
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", scoped)
            row = await conn.fetchrow(self._lookup, scoped)
            if row is not None:
                return _replay(row[0], row[1], request), True
            outcome = await execute()
            stored = {"status": outcome.status, "body": outcome.body, "headers": outcome.headers}
            await conn.execute(self._record, scoped, request, orjson.dumps(stored).decode())
            return outcome, False


def _replay(stored_request: str, stored_outcome: str, request: str) -> Outcome:
    if stored_request != request:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for a different request; use a new key "
            "for a new request"
        )
    data = orjson.loads(stored_outcome)
    return Outcome(int(data["status"]), dict(data["body"]), dict(data["headers"]))
