"""Command allowances per caller: a token bucket per principal, in each API process.

A caller may send `burst` commands at once, then one every 60/`per_minute` seconds; beyond
that a command is refused with 429 and Retry-After (nothing is written). The buckets live in
the process: behind N replicas a caller's allowance is up to N times as large, which bounds
one caller's share of a replica, the point of the limit. Idle callers' buckets are forgotten
(the least recently used beyond `max_callers`), full again if they come back.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from pmo_kernel.errors import RateLimited


class CommandAllowance:
    def __init__(
        self,
        per_minute: int,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_callers: int = 10_000,
    ) -> None:
        self.per_second = per_minute / 60
        self.burst = float(burst)
        self._clock = clock
        self._max_callers = max_callers
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at

    @property
    def enabled(self) -> bool:
        return self.per_second > 0

    def take(self, caller: str) -> None:
        """Spend one command of `caller`'s allowance, or raise RateLimited."""
        if not self.enabled:
            return
        now = self._clock()
        tokens, at = self._buckets.pop(caller, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.per_second)
        if tokens < 1:
            self._buckets[caller] = (tokens, now)
            wait = math.ceil((1 - tokens) / self.per_second)
            raise RateLimited(
                f"too many commands: at most {self.burst:g} at once and "
                f"{self.per_second * 60:g} a minute; send again in {wait} s",
                retry_after_seconds=wait,
            )
        self._buckets[caller] = (tokens - 1, now)
        while len(self._buckets) > self._max_callers:
            self._buckets.popitem(last=False)
