"""Running a service process: until SIGINT/SIGTERM, then a clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Awaitable, Callable
from urllib.parse import urlparse

import uvicorn
from fastapi import FastAPI

from pmo_kernel.logs import configure_logging
from pmo_kernel.settings import Settings, load_settings
from pmo_kernel.telemetry import configure_tracing


def process_settings(service: str, process: str) -> Settings:
    """Settings for one process of a service, with its logs and traces named after it."""
    settings = load_settings(service)
    tune_garbage_collector(settings.gc_young_threshold)
    configure_logging(f"{service}-{process}", settings.log_level, settings.log_format)
    configure_tracing(f"pmo-{service}-{process}", settings.otel_exporter)
    return settings


def tune_garbage_collector(young_threshold: int) -> None:
    """Collect the youngest generation every `young_threshold` net new container objects
    instead of CPython's 700.

    Our processes work in batches whose objects live until the batch is done: a page of 1,000
    typed events read back is ~7,000 of them, a projector batch of 500 about as many. At 700 a
    batch sets off a young collection every hundred events, which walks objects still in use,
    finds nothing to free and promotes them, to be walked again one generation up. With a
    threshold above a batch's objects, a batch is freed by reference counting before a
    collection comes (the count falls as objects die), and reference cycles are still collected.
    The replay benchmark shows both settings (docs/benchmarks.md). `GC_YOUNG_THRESHOLD=700`
    restores CPython's own behaviour."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young_threshold, middle, old)


async def run_until_signalled(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `main(stopping)`; the first SIGINT/SIGTERM sets `stopping`, so it can finish cleanly."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await main(stopping)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def serve_http(app: FastAPI, url: str, port: int | None = None, host: str = "") -> None:
    """Serve `app` on `host` (default: the host of `url`) and the port of `url` (uvicorn
    handles the signals itself)."""
    parsed = urlparse(url)
    config = uvicorn.Config(
        app,
        host=host or parsed.hostname or "127.0.0.1",
        port=port or parsed.port or 8000,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    await QuietServer(config).serve()


class QuietServer(uvicorn.Server):
    """uvicorn's server, waking once a second instead of ten times.

    uvicorn's main loop sleeps 0.1 s between checks of whether to stop (and refreshes the Date
    header every tenth one): idle, that alone is 0.2 % of a core per HTTP process, most of an
    idle API's cost. This loop wakes once a second for the header, and at once when it is told
    to stop (a signal, or `should_exit = True` from a test), so stopping is no slower."""

    tick_seconds = 1.0

    def __init__(self, config: uvicorn.Config) -> None:
        self._exit_requested = False
        self._wake: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None
        super().__init__(config)

    @property  # uvicorn keeps a plain attribute: a property, so that setting it wakes the loop
    def should_exit(self) -> bool:
        return self._exit_requested

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        self._exit_requested = value
        if value and self._wake is not None:
            loop, event = self._wake
            # A signal handler or another thread may set it: wake the loop through its pipe.
            loop.call_soon_threadsafe(event.set)

    async def main_loop(self) -> None:
        exiting = asyncio.Event()
        self._wake = (asyncio.get_running_loop(), exiting)
        counter = 0  # uvicorn's on_tick refreshes the Date header when counter % 10 == 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 10) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(exiting.wait(), self.tick_seconds)
            should_exit = await self.on_tick(counter)
