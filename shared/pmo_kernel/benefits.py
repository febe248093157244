"""Benefit arithmetic on plain values, I/O-free, shared by the portfolio (its benefit register)
and reporting (benefitsRealised): calendar months as "YYYY-MM", the planned value of a benefit in
a month, the value realised by a month, and ROI.

- Planned value in a month: the baseline until the first month, then a straight line to the
  target in the target month, the target from then on.
- Realised value in a month: the latest value reported for that month or an earlier one; None
  before the first report.
- ROI = (benefits − cost) / cost, to four decimal places; None at a cost of 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal

RATIO = Decimal("0.0001")


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


def planned_at(
    baseline: Decimal, target: Decimal, starts: str, target_month: str, month: str
) -> Decimal:
    start, end, now = (month_index(m) for m in (starts, target_month, month))
    if now <= start:
        return baseline
    if now >= end:
        return target
    return baseline + (target - baseline) * (now - start) / (end - start)


def realised_by(realised: Mapping[str, Decimal], month: str) -> Decimal | None:
    reported = [period for period in realised if period <= month]
    return realised[max(reported)] if reported else None


def roi_of(benefits: Decimal, cost: Decimal) -> Decimal | None:
    if cost == 0:
        return None
    return ((benefits - cost) / cost).quantize(RATIO)


__all__ = [
    "month_at",
    "month_index",
    "month_of",
    "months_between",
    "planned_at",
    "realised_by",
    "roi_of",
]
