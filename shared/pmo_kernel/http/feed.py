"""The event feed: `GET /events?after=<position>&limit=<n>`, the service's log in order.

Rebuilds and auditors read it. Pages follow the store's gap-free log order (see
store/postgres.py): `next_after` is the position to pass as `after` for the next page. Payloads
and metadata are sent as stored, byte for byte, so an auditor can recompute every hash.
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query, Response

from pmo_kernel.http.auth import requires
from pmo_kernel.http.problems import problem_responses
from pmo_kernel.identity import Principal, Role
from pmo_kernel.store.postgres import EventStore

# Positions are PostgreSQL bigints: a larger `after` is out of range (422), not a crash.
MAX_POSITION = 2**63 - 1
FEED_READERS = (Role.AUDITOR, Role.ADMIN, Role.SERVICE, Role.PMO_ANALYST)


def event_feed_router(store: EventStore) -> APIRouter:
    router = APIRouter(tags=["event feed"])

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
