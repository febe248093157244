"""The event feed: `GET /events?after=<position>&limit=<n>`, the service's log in order.

Rebuilds and auditors read it. Pages follow the store's gap-free log order (see
store/postgres.py): `next_after` is the position to pass as `after` for the next page. Payloads
and metadata are sent as stored, byte for byte, so an auditor can recompute every hash.

With the service's audit log (pmo_kernel.merkle_log), the feed also serves its signed tree
heads (`/events/checkpoints`) and RFC 9162 proofs: that an event is in the log
(`/events/proofs/inclusion`) and that a head extends an earlier one
(`/events/proofs/consistency`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import asyncpg
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Depends, Query, Response
from fastapi.exceptions import RequestValidationError

from pmo_kernel.db import raw_connection
from pmo_kernel.errors import NotFound
from pmo_kernel.http.auth import requires
from pmo_kernel.http.problems import problem_responses
from pmo_kernel.identity import Principal, Role
from pmo_kernel.store.merkle import consistency_ranges, event_leaf_hash, inclusion_ranges
from pmo_kernel.store.merkle_tables import leaf_index_of, proof_hashes
from pmo_kernel.store.postgres import EventStore
from pmo_kernel.store.tree_heads import TreeHead, heads_on, key_id, public_key_pem

# Positions are PostgreSQL bigints: a larger `after` is out of range (422), not a crash.
MAX_POSITION = 2**63 - 1
FEED_READERS = (Role.AUDITOR, Role.ADMIN, Role.SERVICE, Role.PMO_ANALYST)


def event_feed_router(
    store: EventStore,
    service: str | None = None,
    public_key: Callable[[], Ed25519PublicKey | None] = lambda: None,
) -> APIRouter:
    """The feed of `store`; with `service`, also its audit log's heads and proofs, served with
    `public_key()` (asked per request: the key file may appear after the API started)."""
    router = APIRouter(tags=["event feed"])
    if service is not None:
        _audit_routes(router, store, service, public_key)

    @router.get(
        "/events",
        summary="The service's event log, in order, for rebuilds and audits",
        responses={
            200: {"content": {"application/json": {}}},
            **problem_responses(
                {
                    401: "Missing or invalid bearer token",
                    403: "The caller's roles may not read the feed",
                    404: "No event at the position given as `after`",
                    422: "`after` or `limit` out of range",
                }
            ),
        },
    )
    async def read_feed(
        principal: Annotated[Principal, Depends(requires(FEED_READERS, "reading the event feed"))],
        after: Annotated[
            int,
            Query(ge=0, le=MAX_POSITION, description="position of the last event already read"),
        ] = 0,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    ) -> Response:
        cursor = await store.cursor_after_position(after)
        events = await store.read_all(cursor, limit)
        parts = []
        for e in events:
            head = orjson.dumps(
                {
                    "global_position": e.global_position,
                    "event_id": str(e.event_id),
                    "stream_type": e.stream_type,
                    "stream_id": e.stream_id,
                    "stream_version": e.stream_version,
                    "event_type": e.event_type,
                    "schema_version": e.schema_version,
                    "recorded_at": e.recorded_at.isoformat(),
                    "prev_hash": e.prev_hash,
                    "hash": e.hash,
                }
            )
            # Splice the stored JSON in unparsed: what the auditor hashes is what we stored.
            parts.append(
                head[:-1]
                + b',"payload":'
                + e.payload_json.encode()
                + b',"metadata":'
                + e.metadata_json.encode()
                + b"}"
            )
        next_after = events[-1].global_position if events else after
        body = (
            b'{"events":['
            + b",".join(parts)
            + b'],"next_after":'
            + str(next_after).encode()
            + b',"has_more":'
            + (b"true" if len(events) == limit else b"false")
            + b"}"
        )
        return Response(body, media_type="application/json")

    return router


Reader = Annotated[Principal, Depends(requires(FEED_READERS, "reading the audit log"))]


def _audit_routes(
    router: APIRouter,
    store: EventStore,
    service: str,
    public_key: Callable[[], Ed25519PublicKey | None],
) -> None:
    schema = store.schema

    def key() -> dict[str, str]:
        found = public_key()
        if found is None:
            return {}
        return {"key_id": key_id(found), "public_key": public_key_pem(found)}

    async def latest(conn: asyncpg.Connection) -> TreeHead:
        heads = await heads_on(conn, schema, service)
        if not heads:
            raise NotFound(f"the {service} audit log has no signed tree head yet")
        return heads[-1]

    @router.get(
        "/events/checkpoints",
        summary="The signed tree heads of the service's audit log (RFC 9162), smallest first",
        responses={
            200: {"content": {"application/json": {}}},
            **problem_responses(
                {
                    401: "Missing or invalid bearer token",
                    403: "The caller may not read the feed",
                    422: "`after_size` or `limit` out of range",
                }
            ),
        },
    )
    async def checkpoints(
        principal: Reader,
        after_size: Annotated[int, Query(ge=-1, le=MAX_POSITION, description="heads above")] = -1,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Response:
        async with raw_connection(store.engine) as conn:
            heads = await heads_on(conn, schema, service, after_size=after_size)
        body = {**key(), "service": service, "checkpoints": [h.as_json() for h in heads[:limit]]}
        return Response(orjson.dumps(body), media_type="application/json")

    @router.get(
        "/events/proofs/inclusion",
        summary="The audit path proving that an event is in the log of a signed head",
        responses={
            200: {"content": {"application/json": {}}},
            **problem_responses(
                {
                    401: "Missing or invalid bearer token",
                    403: "The caller may not read the feed",
                    404: "No such event in the audit log, or no head of that size",
                    422: "`position` or `tree_size` out of range",
                }
            ),
        },
    )
    async def inclusion(
        principal: Reader,
        position: Annotated[int, Query(ge=1, le=MAX_POSITION, description="event position")],
        tree_size: Annotated[
            int | None, Query(ge=1, le=MAX_POSITION, description="default: the latest head")
        ] = None,
    ) -> Response:
        async with raw_connection(store.engine) as conn:
            size = tree_size or (await latest(conn)).tree_size
            index = await leaf_index_of(conn, schema, position)
            event_hash = await conn.fetchval(
                f'SELECT event_hash FROM "{schema}".merkle_leaves WHERE global_position = $1',
                position,
            )
            if index is None or index >= size:
                raise NotFound(f"no event at position {position} in the log of size {size}")
            path = await proof_hashes(conn, schema, inclusion_ranges(index, size))
        if path is None:
            raise NotFound(f"the audit log has no tree of size {size} yet")
        body = {
            "global_position": position,
            "leaf_index": index,
            "tree_size": size,
            "leaf_hash": event_leaf_hash(position, event_hash).hex(),
            "audit_path": [h.hex() for h in path],
        }
        return Response(orjson.dumps(body), media_type="application/json")

    @router.get(
        "/events/proofs/consistency",
        summary="The proof that the log of one signed head extends the log of an earlier one",
        responses={
            200: {"content": {"application/json": {}}},
            **problem_responses(
                {
                    401: "Missing or invalid bearer token",
                    403: "The caller may not read the feed",
                    404: "The audit log has no tree of the second size",
                    422: "Sizes out of range, or the first larger than the second",
                }
            ),
        },
    )
    async def consistency(
        principal: Reader,
        first: Annotated[int, Query(ge=0, le=MAX_POSITION, description="the earlier size")],
        second: Annotated[
            int | None, Query(ge=0, le=MAX_POSITION, description="default: the latest head")
        ] = None,
    ) -> Response:
        async with raw_connection(store.engine) as conn:
            size = second if second is not None else (await latest(conn)).tree_size
            if first > size:
                raise RequestValidationError(
                    [{"loc": ("query", "first"), "msg": f"first exceeds {size}", "type": "value"}]
                )
            proof = await proof_hashes(conn, schema, consistency_ranges(first, size))
        if proof is None:
            raise NotFound(f"the audit log has no tree of size {size} yet")
        body = {"first": first, "second": size, "proof": [h.hex() for h in proof]}
        return Response(orjson.dumps(body), media_type="application/json")
