"""Benefit arithmetic on plain values, I/O-free, shared by the portfolio (its benefit register)
and reporting (benefitsRealised), on the calendar months of `pmo_kernel.months`: the planned
value of a benefit in a month, the value realised by a month, and ROI.

- Planned value in a month: the baseline until the first month, then a straight line to the
  target in the target month, the target from then on.
- Realised value in a month: the latest value reported for that month or an earlier one; None
  before the first report.
- ROI = (benefits − cost) / cost, to four decimal places; None at a cost of 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from pmo_kernel.months import month_index

RATIO = Decimal("0.0001")


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
    "planned_at",
    "realised_by",
    "roi_of",
]
