"""Database access.

SQLAlchemy's async engine is the project's database handle: migrations, read-model queries and
configuration go through it. The hot paths (event store, relay, consumers) borrow bare asyncpg
connections from a small pool kept beside each engine: borrowing through SQLAlchemy's async pool
costs about 120 µs of CPU (greenlet hops, a shielded close), a third of a durable single-row
insert; this pool costs a few µs. It connects with the engine's URL and is closed when the
engine is disposed.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def sqlalchemy_url(url: str) -> str:
    """Accept plain `postgresql://` URLs (what operators paste) and pin the asyncpg driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+asyncpg"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}")
    return parsed.render_as_string(hide_password=False)


def with_login(url: str, user: str, password: str | None = None) -> str:
    """`url` for another login on the same server and database."""
    parsed = make_url(url).set(username=user, password=password)
    return parsed.render_as_string(hide_password=False)


def asyncpg_dsn(url: str) -> str:
    """The same URL in the form asyncpg.connect() takes."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10) -> AsyncEngine:
    engine = create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=False,
        connect_args={"statement_cache_size": 256},
    )
    _pools[engine] = _FastPool(asyncpg_dsn(url), pool_size + max_overflow)
    event.listen(engine.sync_engine, "engine_disposed", _closer(engine))
    return engine


class _FastPool:
    """Idle connections in a list, a semaphore for the size. A connection comes back without
    an open transaction (rolled back if the borrower left one), or is dropped if broken."""

    def __init__(self, dsn: str, size: int) -> None:
        self.dsn = dsn
        self.size = size
        self._idle: list[asyncpg.Connection] = []
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        conn = await self.acquire()
        healthy = False
        try:
            yield conn
            healthy = True
        finally:
            await self.release(conn, healthy)

    async def acquire(self) -> asyncpg.Connection:
        """A connection for the caller alone until it hands it to `release` (which it must,
        in a finally: the pool's slot is held till then). `connection()` does both; the event
        store's append calls them directly, two context-manager layers less on every event."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (tests, CLI runs): start afresh
            self.terminate()
            self._loop, self._slots = loop, asyncio.Semaphore(self.size)
        slots = self._slots
        assert slots is not None
        await slots.acquire()
        try:
            conn = self._idle.pop() if self._idle else None
            if conn is None or conn.is_closed():
                # asyncpg prepares each statement once per connection and caches it; our SQL
                # texts are fixed, so after the first use every append skips planning.
                conn = await asyncpg.connect(self.dsn, statement_cache_size=256)
        except BaseException:
            slots.release()
            raise
        return conn

    async def release(self, conn: asyncpg.Connection, healthy: bool) -> None:
        """Give back a connection from `acquire`; `healthy` is False when its borrower failed
        (its protocol state is unknown: it is dropped)."""
        slots = self._slots
        try:
            if healthy and conn.is_in_transaction():
                try:
                    await conn.execute("ROLLBACK")
                except (asyncpg.PostgresError, OSError):
                    healthy = False
            if healthy and not conn.is_closed():
                self._idle.append(conn)
            else:
                conn.terminate()
        finally:
            # The semaphore of the loop it was borrowed on (a new loop starts a new pool).
            if slots is not None and self._loop is asyncio.get_running_loop():
                slots.release()

    def terminate(self) -> None:
        for conn in self._idle:
            conn.terminate()
        self._idle.clear()


_pools: weakref.WeakKeyDictionary[AsyncEngine, _FastPool] = weakref.WeakKeyDictionary()


def _closer(engine: AsyncEngine) -> Callable[..., None]:
    pool_ref = weakref.ref(_pools[engine])

    def on_dispose(*_: object) -> None:
        pool = pool_ref()
        if pool is not None:
            pool.terminate()

    return on_dispose


def fast_pool(engine: AsyncEngine) -> _FastPool | None:
    """The light pool of an engine made by `create_engine` (None for one made elsewhere)."""
    return _pools.get(engine)


@asynccontextmanager
async def raw_connection(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """Borrow a bare asyncpg connection for `engine`'s database; returned to the pool after."""
    pool = _pools.get(engine)
    if pool is None:  # an engine made elsewhere: borrow through SQLAlchemy's own pool
        async with engine.connect() as conn:
            fairy = await conn.get_raw_connection()
            driver = fairy.driver_connection
            assert driver is not None
            yield driver
        return
    async with pool.connection() as conn:
        yield conn
