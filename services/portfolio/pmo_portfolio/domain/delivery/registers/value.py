"""What the benefits are worth: realised against planned per month, ROI and payback. Pure
functions on benefit plans and Decimal money; a figure that is not defined is None (null), never
a zero or an infinity.

- Planned value of a benefit in a month: its baseline until its first month, then a straight
  line to its target in the target date's month, the target from then on.
- Realised value in a month: the latest value reported for that month or an earlier one; None
  before the first report.
- A monetary benefit (its unit a currency code) is worth its value minus its baseline: the
  amount realised since the baseline. Benefits in a currency other than the cost's are not
  added to it (no exchange rates here): they are listed apart.
- ROI = (benefits − cost) / cost, to four decimal places; None without a cost or at a cost of 0.
- Payback period: the months from the earliest benefit's first month to the month in which the
  cumulative monetary benefit first reaches the cost, that month included (1 = it pays back in
  its first month); None while it has not (realised) or never will on plan (planned).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pmo_kernel.benefits import planned_at, realised_by, roi_of
from pmo_kernel.money import Money
from pmo_kernel.months import months_between
from pmo_portfolio.domain.delivery.registers.benefit_register import Benefit

ZERO = Decimal(0)


def planned_value(benefit: Benefit, month: str) -> Decimal:
    return planned_at(benefit.baseline, benefit.target, benefit.starts, benefit.target_month, month)


def realised_value(benefit: Benefit, month: str) -> Decimal | None:
    return realised_by({period: r.value for period, r in benefit.realised.items()}, month)


@dataclass(frozen=True)
class MonthFigures:
    month: str
    planned: Decimal
    realised: Decimal | None  # None before the first report


def realised_vs_planned(benefit: Benefit, through: str) -> list[MonthFigures]:
    """Month by month from the benefit's first month to `through`."""
    return [
        MonthFigures(month, planned_value(benefit, month), realised_value(benefit, month))
        for month in months_between(benefit.starts, through)
    ]


def worth(benefit: Benefit, month: str, *, planned: bool) -> Decimal:
    """A monetary benefit's amount realised since its baseline by `month` (or planned to be)."""
    value = planned_value(benefit, month) if planned else realised_value(benefit, month)
    return ZERO if value is None else value - benefit.baseline


def roi(benefits: Decimal, cost: Money | None) -> Decimal | None:
    return None if cost is None else roi_of(benefits, cost.amount)


@dataclass(frozen=True)
class Payback:
    months: int
    month: str  # the month the cumulative benefit reached the cost


@dataclass(frozen=True)
class Returns:
    """An item's (or the portfolio's) benefits against its cost."""

    cost: Money | None
    planned_benefit: Money | None  # every counted monetary benefit at its target
    realised_benefit: Money | None  # as last reported by `through`
    planned_roi: Decimal | None
    realised_roi: Decimal | None
    planned_payback: Payback | None
    realised_payback: Payback | None
    counted: tuple[str, ...]  # the benefits counted ("item/B1")
    other_currencies: tuple[str, ...]  # monetary benefits in another currency, not counted


def returns(
    benefits: Sequence[Benefit], cost: Money | None, through: str, currency: str | None = None
) -> Returns:
    """ROI and payback of `benefits` against `cost`, as of the month `through`. The currency is
    the cost's (or `currency`, or the first monetary benefit's when there is no cost)."""
    monetary = [b for b in benefits if b.monetary]
    code = cost.currency if cost is not None else currency or next((b.unit for b in monetary), None)
    counted = [b for b in monetary if b.unit == code]
    others = tuple(f"{b.item_id}/{b.benefit_id}" for b in monetary if b.unit != code)
    if code is None or not counted:
        return Returns(cost, None, None, None, None, None, None, (), others)
    horizon = max([through, *(b.target_month for b in counted)])
    planned_total = sum((b.target - b.baseline for b in counted), ZERO)
    realised_total = sum((worth(b, through, planned=False) for b in counted), ZERO)
    return Returns(
        cost=cost,
        planned_benefit=Money.of(planned_total.quantize(Decimal("0.01")), code),
        realised_benefit=Money.of(realised_total.quantize(Decimal("0.01")), code),
        planned_roi=roi(planned_total, cost),
        realised_roi=roi(realised_total, cost),
        planned_payback=payback(counted, cost, horizon, planned=True),
        realised_payback=payback(counted, cost, through, planned=False),
        counted=tuple(f"{b.item_id}/{b.benefit_id}" for b in counted),
        other_currencies=others,
    )


def payback(
    benefits: Iterable[Benefit], cost: Money | None, through: str, *, planned: bool
) -> Payback | None:
    listed = list(benefits)
    if cost is None or cost.amount <= 0 or not listed:
        return None
    first = min(b.starts for b in listed)
    for count, month in enumerate(months_between(first, through), start=1):
        if sum((worth(b, month, planned=planned) for b in listed), ZERO) >= cost.amount:
            return Payback(count, month)
    return None


__all__ = [
    "MonthFigures",
    "Payback",
    "Returns",
    "payback",
    "planned_value",
    "realised_value",
    "realised_vs_planned",
    "returns",
    "roi",
    "worth",
]
