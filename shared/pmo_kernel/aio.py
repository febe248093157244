"""Small asyncio helpers the kernel's long-running loops share."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def cancelled(task: asyncio.Future[Any]) -> None:
    """Cancel `task` and wait until it has finished, whatever it ends with."""
    task.cancel()
    with contextlib.suppress(BaseException):
        await task


async def sleep_unless(stopping: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less if `stopping` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
