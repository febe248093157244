"""The gateway's ear on the projector: LISTEN 'reporting_changes',
'reporting_portfolio_versions' and 'reporting_capacity_versions', fanned out in-process.

One dedicated asyncpg connection per gateway process (LISTEN needs a session of its own; a
pooled connection would lose it when returned), reconnected with backoff if it drops. Notices
go to:
- waiters: mutations with waitForReadModel, each waiting for a demand, a portfolio stream
  (notices of their own channel, PORTFOLIO_CHANNEL) or a capacity stream (CAPACITY_CHANNEL)
  to reach a version;
- subscribers, each with a bounded queue: `demandChanged` subscriptions (demand notices), and
  `portfolioItemChanged` / `portfolioChanged` ones (portfolio stream notices; capacity
  notices never reach a portfolio subscription);
- capacity stream subscribers (`subscribe_capacity_streams`: the over-allocation watch of
  capacity_alerts.py, one per gateway whatever its subscribers).

Notices can be missed while the connection is down, so a waiter also polls the read model now
and then: waiting stays bounded and correct, notices only make it prompt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import asyncpg

from pmo_kernel.db import asyncpg_dsn
from pmo_reporting.changes import (
    CAPACITY_CHANNEL,
    CHANNEL,
    PORTFOLIO_CHANNEL,
    ChangeNotice,
    StreamNotice,
    decode_notices,
    decode_versions,
    stream_notices,
)

log = logging.getLogger(__name__)

VersionOf = Callable[[str], Awaitable[int | None]]

POLL_INTERVAL = 0.5  # seconds between read-model checks of a waiter, notices or not
SUBSCRIBER_QUEUE = 1000
RECONNECT_DELAYS = (0.1, 0.5, 1.0, 2.0, 5.0)
STREAM = "stream:"  # waiters on portfolio streams: never mistaken for a demand id
CAPACITY = "capacity:"  # waiters on capacity streams


@dataclass(eq=False)
class _Waiter:
    version: int
    reached: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(eq=False)
class Subscription:
    """Notices for one subscriber (all demands, or one). `dropped` counts overflow losses."""

    demand_id: str | None
    queue: asyncio.Queue[ChangeNotice] = field(
        default_factory=lambda: asyncio.Queue(SUBSCRIBER_QUEUE)
    )
    dropped: int = 0

    def offer(self, notice: ChangeNotice) -> None:
        if self.demand_id is not None and notice.demand_id != self.demand_id:
            return
        self.dropped += _put(self.queue, notice)


@dataclass(eq=False)
class StreamSubscription:
    """Notices for one subscriber to portfolio streams: of `stream_types` (None: every type),
    of the stream `stream_id` (None: every stream). `dropped` counts overflow losses."""

    stream_types: frozenset[str] | None
    stream_id: str | None
    queue: asyncio.Queue[StreamNotice] = field(
        default_factory=lambda: asyncio.Queue(SUBSCRIBER_QUEUE)
    )
    dropped: int = 0

    def offer(self, notice: StreamNotice) -> None:
        if self.stream_types is not None and notice.stream_type not in self.stream_types:
            return
        if self.stream_id is not None and notice.stream_id != self.stream_id:
            return
        self.dropped += _put(self.queue, notice)


N = TypeVar("N")


def _put(queue: asyncio.Queue[N], notice: N) -> int:
    """Queue `notice`; how many notices it pushed out (a full queue loses its oldest: a slow
    client must not grow memory without bound)."""
    dropped = 0
    if queue.full():
        queue.get_nowait()
        dropped = 1
    queue.put_nowait(notice)
    return dropped


class ChangeHub:
    def __init__(
        self,
        database_url: str | None,
        version_of: VersionOf,
        stream_version_of: VersionOf | None = None,
        capacity_version_of: VersionOf | None = None,
    ) -> None:
        """`version_of` reads a demand's version, `stream_version_of` a portfolio stream's
        and `capacity_version_of` a capacity stream's ("<stream type>/<stream id>").
        `database_url` None: no LISTEN at all (waiters poll; subscriptions get nothing unless
        `publish` is called), for tests and tools."""
        self.database_url = database_url
        self.version_of = version_of
        self.stream_version_of = stream_version_of
        self.capacity_version_of = capacity_version_of
        self._waiters: dict[str, set[_Waiter]] = {}
        self._subscriptions: set[Subscription] = set()
        self._stream_subscriptions: set[StreamSubscription] = set()
        self._capacity_subscriptions: set[StreamSubscription] = set()
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()  # set while the LISTEN connection is up

    async def start(self) -> None:
        if self.database_url is not None and self._task is None:
            self._task = asyncio.create_task(self._listen_forever(self.database_url))
            # Up front if the database is there; the task keeps trying if it is not.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.listening.wait(), timeout=5)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # -- consumers of notices -------------------------------------------------------------

    async def wait_for(self, demand_id: str, version: int, seconds: float) -> bool:
        """Whether the read model has `demand_id` at `version` (or later) within `seconds`."""
        return await self._wait(demand_id, version, seconds, lambda: self.version_of(demand_id))

    async def wait_for_stream(self, stream_key: str, version: int, seconds: float) -> bool:
        """Whether the portfolio projection applied `stream_key` ("<type>/<id>") up to
        `version` within `seconds`."""
        version_of = self.stream_version_of
        if version_of is None:
            raise RuntimeError("this hub does not know the portfolio streams' versions")
        return await self._wait(
            STREAM + stream_key, version, seconds, lambda: version_of(stream_key)
        )

    async def wait_for_capacity_stream(self, stream_key: str, version: int, seconds: float) -> bool:
        """Whether the capacity projection applied `stream_key` ("<type>/<id>") up to
        `version` within `seconds`."""
        version_of = self.capacity_version_of
        if version_of is None:
            raise RuntimeError("this hub does not know the capacity streams' versions")
        return await self._wait(
            CAPACITY + stream_key, version, seconds, lambda: version_of(stream_key)
        )

    async def _wait(
        self,
        key: str,
        version: int,
        seconds: float,
        current_version: Callable[[], Awaitable[int | None]],
    ) -> bool:
        waiter = _Waiter(version)
        self._waiters.setdefault(key, set()).add(waiter)  # before checking: no race
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        try:
            while True:
                current = await current_version()
                if current is not None and current >= version:
                    return True
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter.reached.wait(), min(remaining, POLL_INTERVAL))
                if waiter.reached.is_set():
                    return True  # notices are sent at commit: the row is visible now
        finally:
            waiters = self._waiters.get(key)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[key]

    @contextlib.asynccontextmanager
    async def subscribe(self, demand_id: str | None = None) -> AsyncIterator[Subscription]:
        subscription = Subscription(demand_id)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    @contextlib.asynccontextmanager
    async def subscribe_streams(
        self, stream_types: frozenset[str] | None = None, stream_id: str | None = None
    ) -> AsyncIterator[StreamSubscription]:
        """Portfolio stream notices: of these stream types (None: all), of one id (None: all)."""
        subscription = StreamSubscription(stream_types, stream_id)
        self._stream_subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._stream_subscriptions.discard(subscription)

    @contextlib.asynccontextmanager
    async def subscribe_capacity_streams(
        self, stream_types: frozenset[str] | None = None
    ) -> AsyncIterator[StreamSubscription]:
        """Capacity stream notices (CAPACITY_CHANNEL) of these stream types (None: all)."""
        subscription = StreamSubscription(stream_types, None)
        self._capacity_subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._capacity_subscriptions.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        """Open subscriptions, to demand and to portfolio notices alike."""
        return len(self._subscriptions) + len(self._stream_subscriptions)

    def publish(self, notice: ChangeNotice) -> None:
        """Deliver one notice to the waiters and subscribers it concerns."""
        self._wake(notice.demand_id, notice.version)
        for subscription in self._subscriptions:
            subscription.offer(notice)

    def publish_stream_versions(self, versions: dict[str, int]) -> None:
        """Deliver the versions these portfolio streams reached ("<type>/<id>" → version) to
        the waiters and the subscribers they concern."""
        self._publish_streams(stream_notices(versions))

    def publish_capacity_versions(self, versions: dict[str, int]) -> None:
        """Deliver the versions these capacity streams reached to the waiters on them and
        the capacity stream subscribers."""
        for notice in stream_notices(versions):
            self._wake(CAPACITY + notice.key, notice.version)
            for subscription in self._capacity_subscriptions:
                subscription.offer(notice)

    def _publish_streams(self, notices: list[StreamNotice]) -> None:
        for notice in notices:
            self._wake(STREAM + notice.key, notice.version)
            for subscription in self._stream_subscriptions:
                subscription.offer(notice)

    def _wake(self, key: str, version: int) -> None:
        for waiter in self._waiters.get(key, ()):
            if version >= waiter.version:
                waiter.reached.set()

    # -- the LISTEN connection ------------------------------------------------------------

    def _on_notify(self, connection: object, pid: int, channel: str, payload: object) -> None:
        try:
            notices = decode_notices(str(payload))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring an unreadable %s notice: %r", channel, payload)
            return
        for notice in notices:
            self.publish(notice)

    def _on_portfolio_notify(
        self, connection: object, pid: int, channel: str, payload: object
    ) -> None:
        try:
            notices = stream_notices(decode_versions(str(payload)))
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("ignoring an unreadable %s notice: %r", channel, payload)
            return
        self._publish_streams(notices)

    def _on_capacity_notify(
        self, connection: object, pid: int, channel: str, payload: object
    ) -> None:
        try:
            versions = decode_versions(str(payload))
            self.publish_capacity_versions(versions)
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("ignoring an unreadable %s notice: %r", channel, payload)

    async def _listen_forever(self, database_url: str) -> None:
        attempt = 0
        while True:
            closed = asyncio.Event()
            try:
                conn = await asyncpg.connect(asyncpg_dsn(database_url))
            except (OSError, asyncpg.PostgresError) as exc:
                delay = RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)]
                attempt += 1
                log.warning("LISTEN %s: cannot connect (%r), retrying in %s s", CHANNEL, exc, delay)
                await asyncio.sleep(delay)
                continue
            try:
                conn.add_termination_listener(lambda _conn, closed=closed: closed.set())
                await conn.add_listener(CHANNEL, self._on_notify)
                await conn.add_listener(PORTFOLIO_CHANNEL, self._on_portfolio_notify)
                await conn.add_listener(CAPACITY_CHANNEL, self._on_capacity_notify)
                attempt = 0
                self.listening.set()
                log.info("listening to %s", CHANNEL)
                await closed.wait()
                log.warning("LISTEN %s: connection lost, reconnecting", CHANNEL)
            finally:
                self.listening.clear()
                if not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.shield(conn.close(timeout=2))
