"""The e2e case's observers, in a process of their own: a `demandChanged` GraphQL subscription,
and a tap on the demand events topic (to split the latency at Kafka).

They run apart from the load generator so that a busy client loop does not delay the moment a
change is seen. Each records (demand id, version, time.perf_counter()); on Linux perf_counter is
CLOCK_MONOTONIC, one clock for every process, so the times compare with the load generator's.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from multiprocessing.synchronize import Event
from pathlib import Path

import orjson
import websockets
from aiokafka import AIOKafkaConsumer, TopicPartition

SUBSCRIPTION = "subscription { demandChanged { demandId version } }"
PROTOCOL = "graphql-transport-ws"

Seen = list[tuple[str, int, float]]


def watch(
    ws_url: str, token: str, bootstrap: str, topic: str, out: str, ready: Event, stop: Event
) -> None:
    """Process entry point: subscribe, signal `ready`, record until `stop`, write `out`."""
    result = asyncio.run(_main(ws_url, token, bootstrap, topic, ready, stop))
    with contextlib.suppress(OSError):
        Path(out).write_bytes(orjson.dumps(result))


async def _main(
    ws_url: str, token: str, bootstrap: str, topic: str, ready: Event, stop: Event
) -> dict[str, object]:
    seen: Seen = []
    published: Seen = []
    errors: list[str] = []
    subscribed, tapped = asyncio.Event(), asyncio.Event()

    async def signal_ready() -> None:
        await subscribed.wait()
        await tapped.wait()
        ready.set()

    signaller = asyncio.create_task(signal_ready())
    try:
        await asyncio.gather(
            _subscribe(ws_url, token, seen, errors, subscribed, stop),
            _tap(bootstrap, topic, published, errors, tapped, stop),
        )
    finally:
        signaller.cancel()
        ready.set()  # never leave the parent waiting
    return {"seen": seen, "published": published, "errors": errors}


async def _subscribe(
    ws_url: str, token: str, seen: Seen, errors: list[str], ready: asyncio.Event, stop: Event
) -> None:
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
            subscribe = {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}
            await ws.send(orjson.dumps(subscribe).decode())
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
        errors.append(f"subscription: {exc!r}")
    finally:
        ready.set()


async def _tap(
    bootstrap: str,
    topic: str,
    published: Seen,
    errors: list[str],
    ready: asyncio.Event,
    stop: Event,
) -> None:
    """Every record of `topic` from now on: when it could be consumed."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=5
    )
    try:
        await consumer.start()
        # Assigned, not subscribed: no group, no rebalance. The topic exists (the relay made it),
        # so asking for its partitions cannot auto-create it.
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer.topics()
            partitions = consumer.partitions_for_topic(topic) or set()
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
        await consumer.seek_to_end()
        ready.set()
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=50)
            now = time.perf_counter()
            for records in batches.values():
                for record in records:
                    headers = dict(record.headers)
                    published.append(
                        (headers["ce_subject"].decode(), int(headers["ce_sequence"]), now)
                    )
    except Exception as exc:
        errors.append(f"kafka tap: {exc!r}")
    finally:
        ready.set()
        with contextlib.suppress(Exception):
            await consumer.stop()
