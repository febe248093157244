"""Earned value management in money, as pure functions over Decimal amounts of one currency.

    PV  planned value (the budget of the work planned to date)
    EV  earned value (the budget of the work done to date)
    AC  actual cost (what the work done cost)
    SV  = EV - PV           CV  = EV - AC
    SPI = EV / PV           CPI = EV / AC
    EAC, estimate at completion, by each standard formula (labelled, `EacMethod`):
        bac_over_cpi                    BAC / CPI                 (the work to go at the CPI so far)
        remaining_at_budget             AC + (BAC - EV)           (the overrun so far is one-off)
        remaining_at_cpi_and_spi        AC + (BAC - EV) / (CPI x SPI)  (cost and schedule weigh)
        manager_forecast                the project manager's own forecast (bottom-up)
    ETC = EAC - AC          VAC = BAC - EAC     (with EAC = BAC / CPI)
    TCPI = (BAC - EV) / (BAC - AC)  (the efficiency the budget left needs)

A ratio whose divisor is zero (no work planned or spent yet) is None, never an exception, and
so is every figure computed from it. Ratios are rounded to 4 places, money to 2 (half even).
Bands are DOMAIN.md's: SPI >= 1.05 ahead, 0.95-1.05 on track, < 0.95 behind; CPI likewise
(under, on, over budget).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

RATIO_PLACES = Decimal("0.0001")
MONEY_PLACES = Decimal("0.01")
BAND_UPPER = Decimal("1.05")
BAND_LOWER = Decimal("0.95")
ZERO = Decimal(0)


class EacMethod(StrEnum):
    BAC_OVER_CPI = "bac_over_cpi"
    REMAINING_AT_BUDGET = "remaining_at_budget"
    REMAINING_AT_CPI_AND_SPI = "remaining_at_cpi_and_spi"
    MANAGER_FORECAST = "manager_forecast"


class ScheduleBand(StrEnum):
    AHEAD = "ahead"
    ON_TRACK = "on_track"
    BEHIND = "behind"


class CostBand(StrEnum):
    UNDER_BUDGET = "under_budget"
    ON_BUDGET = "on_budget"
    OVER_BUDGET = "over_budget"


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator / denominator to 4 places; None when the denominator is zero."""
    if denominator == 0:
        return None
    return (numerator / denominator).quantize(RATIO_PLACES, ROUND_HALF_EVEN)


def money(amount: Decimal) -> Decimal:
    return amount.quantize(MONEY_PLACES, ROUND_HALF_EVEN)


def _band(value: Decimal | None) -> int | None:
    if value is None:
        return None
    return 1 if value >= BAND_UPPER else (0 if value >= BAND_LOWER else -1)


def schedule_band(spi: Decimal | None) -> ScheduleBand | None:
    band = _band(spi)
    if band is None:
        return None
    return {1: ScheduleBand.AHEAD, 0: ScheduleBand.ON_TRACK, -1: ScheduleBand.BEHIND}[band]


def cost_band(cpi: Decimal | None) -> CostBand | None:
    band = _band(cpi)
    if band is None:
        return None
    return {1: CostBand.UNDER_BUDGET, 0: CostBand.ON_BUDGET, -1: CostBand.OVER_BUDGET}[band]


@dataclass(frozen=True)
class EarnedValue:
    """Every earned-value figure of one project (or one roll-up) at one date, in `currency`."""

    currency: str
    bac: Decimal
    pv: Decimal
    ev: Decimal
    ac: Decimal
    sv: Decimal
    cv: Decimal
    spi: Decimal | None
    cpi: Decimal | None
    eac: dict[EacMethod, Decimal | None] = field(hash=False)
    etc: Decimal | None
    vac: Decimal | None
    tcpi: Decimal | None
    schedule_band: ScheduleBand | None
    cost_band: CostBand | None

    @property
    def eac_typical(self) -> Decimal | None:
        return self.eac[EacMethod.BAC_OVER_CPI]


def earned_value(
    currency: str,
    *,
    bac: Decimal,
    pv: Decimal,
    ev: Decimal,
    ac: Decimal,
    manager_forecast: Decimal | None = None,
) -> EarnedValue:
    spi, cpi = ratio(ev, pv), ratio(ev, ac)
    # Divisions use the exact ratios, not the rounded ones shown: EAC = BAC x AC / EV.
    bac_over_cpi = None if ev == 0 else money(bac * ac / ev)
    composite = None if ev == 0 or pv == 0 else money(ac + (bac - ev) * ac * pv / (ev * ev))
    eac = {
        EacMethod.BAC_OVER_CPI: bac_over_cpi,
        EacMethod.REMAINING_AT_BUDGET: money(ac + bac - ev),
        EacMethod.REMAINING_AT_CPI_AND_SPI: composite,
        EacMethod.MANAGER_FORECAST: None if manager_forecast is None else money(manager_forecast),
    }
    return EarnedValue(
        currency=currency,
        bac=money(bac),
        pv=money(pv),
        ev=money(ev),
        ac=money(ac),
        sv=money(ev - pv),
        cv=money(ev - ac),
        spi=spi,
        cpi=cpi,
        eac=eac,
        etc=None if bac_over_cpi is None else money(bac_over_cpi - ac),
        vac=None if bac_over_cpi is None else money(bac - bac_over_cpi),
        tcpi=ratio(bac - ev, bac - ac),
        schedule_band=schedule_band(spi),
        cost_band=cost_band(cpi),
    )


def earned(budgets: dict[str, Decimal], percent_complete: dict[str, Decimal]) -> Decimal:
    """EV: each work package's budget times its percent complete (unreported: 0 %)."""
    return sum(
        (budget * percent_complete.get(key, ZERO) / 100 for key, budget in budgets.items()), ZERO
    )


def roll_up(figures: Iterable[EarnedValue]) -> dict[str, EarnedValue]:
    """Projects' figures added up per currency (BAC, PV, EV, AC and the managers' forecasts,
    a forecast missing on one project leaving the sum unknown), every ratio and estimate
    recomputed from the sums: a programme or a portfolio is measured as one big project."""
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO])
    forecasts: dict[str, Decimal | None] = {}
    for one in figures:
        total = sums[one.currency]
        for index, value in enumerate((one.bac, one.pv, one.ev, one.ac)):
            total[index] += value
        forecast = one.eac[EacMethod.MANAGER_FORECAST]
        known = forecasts.get(one.currency, ZERO)
        forecasts[one.currency] = None if known is None or forecast is None else known + forecast
    return {
        currency: earned_value(
            currency, bac=bac, pv=pv, ev=ev, ac=ac, manager_forecast=forecasts[currency]
        )
        for currency, (bac, pv, ev, ac) in sorted(sums.items())
    }


__all__ = [
    "CostBand",
    "EacMethod",
    "EarnedValue",
    "ScheduleBand",
    "cost_band",
    "earned",
    "earned_value",
    "ratio",
    "roll_up",
    "schedule_band",
]
