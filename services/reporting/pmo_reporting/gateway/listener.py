"""The gateway's ear on the projector: LISTEN 'reporting_changes', fanned out in-process.

One dedicated asyncpg connection per gateway process (LISTEN needs a session of its own; a
pooled connection would lose it when returned), reconnected with backoff if it drops. Notices
go to:
- waiters: mutations with waitForReadModel, each waiting for a demand to reach a version;
- subscribers: `demandChanged` subscriptions, each with a bounded queue.

Notices can be missed while the connection is down, so a waiter also polls the read model now
and then: waiting stays bounded and correct, notices only make it prompt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg

from pmo_kernel.db import asyncpg_dsn
from pmo_reporting.changes import CHANNEL, ChangeNotice, decode_notices

log = logging.getLogger(__name__)

VersionOf = Callable[[str], Awaitable[int | None]]

POLL_INTERVAL = 0.5  # seconds between read-model checks of a waiter, notices or not
SUBSCRIBER_QUEUE = 1000
RECONNECT_DELAYS = (0.1, 0.5, 1.0, 2.0, 5.0)


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
        if self.queue.full():
            # A slow client must not grow memory without bound: its oldest notice goes.
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(notice)


class ChangeHub:
    def __init__(self, database_url: str | None, version_of: VersionOf) -> None:
        """`database_url` None: no LISTEN at all (waiters poll; subscriptions get nothing
        unless `publish` is called), for tests and tools."""
        self.database_url = database_url
        self.version_of = version_of
        self._waiters: dict[str, set[_Waiter]] = {}
        self._subscriptions: set[Subscription] = set()
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
        waiter = _Waiter(version)
        self._waiters.setdefault(demand_id, set()).add(waiter)  # before checking: no race
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        try:
            while True:
                current = await self.version_of(demand_id)
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
            waiters = self._waiters.get(demand_id)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[demand_id]

    @contextlib.asynccontextmanager
    async def subscribe(self, demand_id: str | None = None) -> AsyncIterator[Subscription]:
        subscription = Subscription(demand_id)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    def publish(self, notice: ChangeNotice) -> None:
        """Deliver one notice to the waiters and subscribers it concerns."""
        for waiter in self._waiters.get(notice.demand_id, ()):
            if notice.version >= waiter.version:
                waiter.reached.set()
        for subscription in self._subscriptions:
            subscription.offer(notice)

    # -- the LISTEN connection ------------------------------------------------------------

    def _on_notify(self, connection: object, pid: int, channel: str, payload: object) -> None:
        try:
            notices = decode_notices(str(payload))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring an unreadable %s notice: %r", channel, payload)
            return
        for notice in notices:
            self.publish(notice)

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
