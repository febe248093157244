"""The projector → gateway signal: PostgreSQL NOTIFY on one channel, a notice per applied event.

The projector sends it inside the transaction that applies the events, so PostgreSQL delivers
it at commit, exactly when the changes become visible, and never for a rolled-back batch (nor
is it lost to a crash between a commit and an after-commit hook). Notices travel as JSON arrays,
packed under PostgreSQL's payload limit. The gateway LISTENs to wake mutations waiting for the
read model and to feed subscriptions.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

CHANNEL = "reporting_changes"


@dataclass(frozen=True)
class ChangeNotice:
    """A demand reached `version` in the read model through an event of `event_type`."""

    demand_id: str
    version: int
    event_type: str

    def encode(self) -> str:
        # Well under PostgreSQL's 8000-byte payload limit: ids are at most 200 characters.
        return orjson.dumps(
            {"demandId": self.demand_id, "version": self.version, "eventType": self.event_type}
        ).decode()


MAX_PAYLOAD_BYTES = 7900  # PostgreSQL refuses NOTIFY payloads of 8000 bytes or more


def encode_notices(notices: list[ChangeNotice]) -> list[str]:
    """NOTIFY payloads for `notices`: JSON arrays, as few as fit under the size limit."""
    payloads: list[str] = []
    chunk: list[bytes] = []
    size = 2
    for notice in notices:
        item = notice.encode().encode()
        if chunk and size + len(item) + 1 > MAX_PAYLOAD_BYTES:
            payloads.append((b"[" + b",".join(chunk) + b"]").decode())
            chunk, size = [], 2
        chunk.append(item)
        size += len(item) + 1
    if chunk:
        payloads.append((b"[" + b",".join(chunk) + b"]").decode())
    return payloads


def decode_notices(payload: str) -> list[ChangeNotice]:
    data = orjson.loads(payload)
    items = data if isinstance(data, list) else [data]
    return [
        ChangeNotice(str(item["demandId"]), int(item["version"]), str(item["eventType"]))
        for item in items
    ]


# -- the portfolio projection's signal -----------------------------------------------------------
# Portfolio streams reach versions, not demands: their notices go on a channel of their own, as
# {"<stream type>/<stream id>": version} objects, so `demandChanged` subscribers never see them.
# One entry per stream a batch touched, at the last version it applied (the versions in between
# are not told apart). Waiting mutations and the portfolio subscriptions listen to it.

PORTFOLIO_CHANNEL = "reporting_portfolio_versions"

# The capacity projection's streams (calendar, person, request, proposal, skills) reach versions
# too, told the same way on a channel of their own: the portfolio subscriptions never hear of
# them. Only the mutations waiting to read their own capacity writes listen.
CAPACITY_CHANNEL = "reporting_capacity_versions"


@dataclass(frozen=True)
class StreamNotice:
    """A portfolio stream (an item, a meeting, ...) reached `version` in the read models."""

    stream_type: str
    stream_id: str
    version: int

    @property
    def key(self) -> str:
        return f"{self.stream_type}/{self.stream_id}"


def stream_notices(versions: dict[str, int]) -> list[StreamNotice]:
    """The notices of decoded versions, by stream key. Stream types have no "/": an id may."""
    notices: list[StreamNotice] = []
    for key, version in sorted(versions.items()):
        stream_type, slash, stream_id = key.partition("/")
        if not slash:
            raise ValueError(f"not a stream key: {key!r}")
        notices.append(StreamNotice(stream_type, stream_id, version))
    return notices


def encode_versions(versions: dict[str, int]) -> list[str]:
    """NOTIFY payloads for the stream versions reached: JSON objects under the size limit."""
    payloads: list[str] = []
    chunk: dict[str, int] = {}
    size = 2
    for key, version in sorted(versions.items()):
        item = len(orjson.dumps({key: version}))
        if chunk and size + item > MAX_PAYLOAD_BYTES:
            payloads.append(orjson.dumps(chunk).decode())
            chunk, size = {}, 2
        chunk[key] = version
        size += item
    if chunk:
        payloads.append(orjson.dumps(chunk).decode())
    return payloads


def decode_versions(payload: str) -> dict[str, int]:
    data = orjson.loads(payload)
    return {str(key): int(version) for key, version in data.items()}
