"""Create, delete and inspect Kafka topics; wait for a broker to come up.

Topics are always created explicitly with a known partition count. Relying on broker
auto-creation would hand us whatever default the broker has (tansu: 4 partitions on
a mere metadata request for an unknown topic), so every metadata read here asks for
*all* topics, which never auto-creates anything.

The `timeout` parameters are polling deadlines (the broker may still be starting), not
cancellation scopes, hence the ASYNC109 exemptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

from aiokafka import AIOKafkaClient
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    KafkaError,
    RequestTimedOutError,
    TopicAlreadyExistsError,
    UnknownTopicOrPartitionError,
    for_code,
)

DEFAULT_PARTITIONS = 6


class TopicError(RuntimeError):
    """The broker refused to create/delete a topic, or a topic has the wrong shape."""


async def wait_for_broker(bootstrap: str, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    """Return once a Kafka client can bootstrap (fetch metadata) from `bootstrap`."""
    deadline = time.monotonic() + timeout
    while True:
        client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            await client.bootstrap()
            return
        except (KafkaError, OSError) as err:
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"no Kafka broker answered at {bootstrap} within {timeout:.0f}s: {err}"
                ) from err
        finally:
            await client.close()
        await asyncio.sleep(0.1)


async def list_topics(bootstrap: str, timeout: float = 30.0) -> dict[str, int]:  # noqa: ASYNC109
    """Every topic the broker knows, with its partition count."""
    async with _admin(bootstrap, timeout) as admin:
        return {name: len(topic["partitions"]) for name, topic in (await _describe(admin)).items()}


async def ensure_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int = DEFAULT_PARTITIONS,
    replication: int = 1,
    *,
    timeout: float = 30.0,  # noqa: ASYNC109
) -> None:
    """Create the missing topics, then wait until metadata shows all of them.

    An existing topic is accepted only with the same partition count: a different count
    would silently change which partition (and so which consumer) owns a key.
    """
    wanted = sorted(set(names))
    if not wanted:
        return
    deadline = time.monotonic() + timeout
    await wait_for_broker(bootstrap, timeout)
    async with _admin(bootstrap, timeout) as admin:
        response = await admin.create_topics(
            [NewTopic(name, partitions, replication) for name in wanted],
            timeout_ms=int(timeout * 1000),
        )
        existing: set[str] = set()
        failures: list[str] = []
        for entry in response.to_object()["topic_errors"]:
            code = entry["error_code"]
            if code == TopicAlreadyExistsError.errno:
                existing.add(entry["topic"])
            # A timeout means the controller is still creating it: wait below.
            elif code not in (0, RequestTimedOutError.errno):
                failures.append(_describe_error(entry["topic"], code, entry.get("error_message")))
        if failures:
            raise TopicError("could not create topics: " + "; ".join(failures))
        await _wait_for_topics(admin, wanted, partitions, existing, deadline)


async def delete_topics(
    bootstrap: str,
    names: Iterable[str],
    *,
    timeout: float = 30.0,  # noqa: ASYNC109
) -> None:
    """Delete the topics (missing ones are fine), then wait until metadata drops them."""
    wanted = sorted(set(names))
    if not wanted:
        return
    deadline = time.monotonic() + timeout
    async with _admin(bootstrap, timeout) as admin:
        response = await admin.delete_topics(wanted, timeout_ms=int(timeout * 1000))
        failures = [
            _describe_error(entry["topic"], entry["error_code"], None)
            for entry in response.to_object()["topic_error_codes"]
            if entry["error_code"]
            not in (0, UnknownTopicOrPartitionError.errno, RequestTimedOutError.errno)
        ]
        if failures:
            raise TopicError("could not delete topics: " + "; ".join(failures))
        while True:
            left = sorted(set(wanted) & set(await _describe(admin)))
            if not left:
                return
            if time.monotonic() >= deadline:
                raise TimeoutError(f"topics still listed {timeout:.0f}s after deletion: {left}")
            await asyncio.sleep(0.05)


async def _wait_for_topics(
    admin: AIOKafkaAdminClient,
    wanted: list[str],
    partitions: int,
    existing: set[str],
    deadline: float,
) -> None:
    while True:
        topics = await _describe(admin)
        pending: list[str] = []
        for name in wanted:
            topic = topics.get(name)
            if topic is None or not _is_healthy(topic):
                pending.append(name)
            elif len(topic["partitions"]) != partitions:
                if name in existing:
                    raise TopicError(
                        f"topic {name!r} already exists with {len(topic['partitions'])} "
                        f"partitions, expected {partitions}"
                    )
                pending.append(name)  # metadata may show a half-created topic
        if not pending:
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"topics not visible in broker metadata in time: {pending}")
        await asyncio.sleep(0.05)


def _is_healthy(topic: dict[str, Any]) -> bool:
    """Known to the broker, and every partition has a leader."""
    return topic["error_code"] == 0 and all(
        p["error_code"] == 0 and p["leader"] >= 0 for p in topic["partitions"]
    )


async def _describe(admin: AIOKafkaAdminClient) -> dict[str, dict[str, Any]]:
    # None = all topics: asking for named topics could auto-create the missing ones.
    return {topic["topic"]: topic for topic in await admin.describe_topics(None)}


def _describe_error(topic: str, code: int, message: str | None) -> str:
    return f"{topic}: {for_code(code).__name__}" + (f" ({message})" if message else "")


@contextlib.asynccontextmanager
async def _admin(bootstrap: str, request_timeout: float) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=max(1000, int(request_timeout * 1000))
    )
    try:
        await admin.start()
        yield admin
    finally:
        await admin.close()
