"""Safe retries. A client that repeats a command with the same Idempotency-Key gets the first
outcome back and nothing is written twice: the key determines the event ids (and, for a
submission, the demand id), and the store ignores an event id it already holds. A key reused for
a different request is refused, so a client bug cannot silently return someone else's result."""

from __future__ import annotations

import hashlib
from uuid import UUID, uuid5

import orjson

from pmo_kernel.identity import Principal

_NAMESPACE = UUID("6f1c0d7e-3b8a-4c55-9a7e-2f4c3e8d9b10")


def fingerprint(command_name: str, stream_id: str, body: object) -> str:
    """What the request asked for, independent of key order and whitespace."""
    data = orjson.dumps(
        {"command": command_name, "stream": stream_id, "body": body},
        option=orjson.OPT_SORT_KEYS,
        default=str,
    )
    return hashlib.sha256(data).hexdigest()


def scoped_key(principal: Principal, key: str) -> str:
    # Keys are per caller: two users choosing the same key never collide.
    return f"{principal.subject}\x1f{key}"


def event_id_for(scoped: str, stream_id: str, index: int) -> UUID:
    return uuid5(_NAMESPACE, f"{scoped}\x1f{stream_id}\x1f{index}")


def demand_id_for(scoped: str) -> str:
    return str(uuid5(_NAMESPACE, f"{scoped}\x1fsubmit"))
