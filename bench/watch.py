"""The e2e case's observer: a `demandChanged` GraphQL subscription in a process of its own.

It runs apart from the load generator so that a busy client loop does not delay the moment a
change is seen. It records (demand id, version, time.perf_counter()) for every notice; on Linux
perf_counter is CLOCK_MONOTONIC, one clock for every process, so these times compare directly
with the load generator's.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from multiprocessing.synchronize import Event
from pathlib import Path

import orjson
import websockets

SUBSCRIPTION = "subscription { demandChanged { demandId version } }"
PROTOCOL = "graphql-transport-ws"


def watch(ws_url: str, token: str, out: str, ready: Event, stop: Event) -> None:
    """Process entry point: subscribe, signal `ready`, record until `stop`, write `out`."""
    seen, errors = asyncio.run(_watch(ws_url, token, ready, stop))
    with contextlib.suppress(OSError):
        Path(out).write_bytes(orjson.dumps({"seen": seen, "errors": errors}))


async def _watch(
    ws_url: str, token: str, ready: Event, stop: Event
) -> tuple[list[tuple[str, int, float]], list[str]]:
    seen: list[tuple[str, int, float]] = []
    errors: list[str] = []
    auth = f"Bearer {token}"
    try:
        async with websockets.connect(
            ws_url,
            subprotocols=[websockets.Subprotocol(PROTOCOL)],
            additional_headers={"Authorization": auth},
            max_size=None,
            compression=None,
            proxy=None,
        ) as ws:
            init = {"type": "connection_init", "payload": {"Authorization": auth}}
            await ws.send(orjson.dumps(init).decode())
            ack = orjson.loads(await ws.recv())
            if ack.get("type") != "connection_ack":
                raise RuntimeError(f"no connection_ack: {ack}")
            await ws.send(
                orjson.dumps(
                    {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}
                ).decode()
            )
            ready.set()
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=0.1)
                except TimeoutError:
                    continue
                now = time.perf_counter()
                message = orjson.loads(raw)
                kind = message.get("type")
                if kind == "next":
                    payload = message.get("payload", {})
                    change = (payload.get("data") or {}).get("demandChanged")
                    if change:
                        seen.append((str(change["demandId"]), int(change["version"]), now))
                    elif payload.get("errors"):
                        errors.append(orjson.dumps(payload["errors"]).decode())
                elif kind == "ping":
                    await ws.send(orjson.dumps({"type": "pong"}).decode())
                elif kind in ("error", "complete"):
                    errors.append(orjson.dumps(message).decode())
                    break
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        ready.set()  # never leave the parent waiting
    return seen, errors
