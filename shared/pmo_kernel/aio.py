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
