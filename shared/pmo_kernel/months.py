"""Calendar months as "YYYY-MM", I/O-free: the one month arithmetic of the platform (benefit
plans, delivery reporting periods, the demos' reporting horizons)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_index(month: str) -> int:
    """Months since year 0: the difference of two indexes is the months between them."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_at(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> Iterator[str]:
    """`first` to `last`, both included (nothing when `last` is before `first`)."""
    for index in range(month_index(first), month_index(last) + 1):
        yield month_at(index)
