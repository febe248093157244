"""Which tolerances a month's figures breach: pure, one `Breach` per tolerance (and per slipped
milestone), each naming its limit, the actual figure and the figures it was tested on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from pmo_portfolio.domain.delivery.evm import EarnedValue, money
from pmo_portfolio.domain.delivery.values import Tolerances


@dataclass(frozen=True)
class Slip:
    milestone_id: str
    baseline_date: dt.date
    forecast_date: dt.date

    @property
    def days(self) -> int:
        return (self.forecast_date - self.baseline_date).days


@dataclass(frozen=True)
class Breach:
    tolerance: str
    limit: str
    actual: str
    detail: str
    milestone_id: str | None = None


def figures_of(value: EarnedValue, forecast: Decimal) -> dict[str, str | None]:
    def text(number: Decimal | None) -> str | None:
        return None if number is None else str(number)

    return {
        "bac": text(value.bac),
        "pv": text(value.pv),
        "ev": text(value.ev),
        "ac": text(value.ac),
        "spi": text(value.spi),
        "cpi": text(value.cpi),
        "eac": text(value.eac_typical),
        "forecast_at_completion": text(money(forecast)),
    }


def breaches(
    tolerances: Tolerances, value: EarnedValue, forecast: Decimal, slips: list[Slip]
) -> list[Breach]:
    found: list[Breach] = []
    for name, limit, actual in (
        ("spi_below", tolerances.spi_below, value.spi),
        ("cpi_below", tolerances.cpi_below, value.cpi),
    ):
        if limit is not None and actual is not None and actual < limit:
            index = name[:3].upper()
            found.append(Breach(name, str(limit), str(actual), f"{index} {actual} < {limit}"))
    over = tolerances.forecast_over_bac_percent
    if over is not None:
        ceiling = money(value.bac * (1 + over / 100))
        if forecast > ceiling:
            found.append(
                Breach(
                    "forecast_over_bac_percent",
                    str(over),
                    str(_percent_over(value.bac, forecast)),
                    f"forecast at completion {money(forecast)} {value.currency} is more than "
                    f"{over} % over the budget at completion {value.bac} (ceiling {ceiling})",
                )
            )
    allowed = tolerances.milestone_slip_days
    if allowed is not None:
        for slip in slips:
            if slip.days > allowed:
                found.append(
                    Breach(
                        "milestone_slip_days",
                        str(allowed),
                        str(slip.days),
                        f"milestone {slip.milestone_id} forecast {slip.forecast_date}, "
                        f"{slip.days} days past its baseline date {slip.baseline_date}",
                        slip.milestone_id,
                    )
                )
    return found


def _percent_over(bac: Decimal, forecast: Decimal) -> Decimal | None:
    if bac == 0:
        return None
    return money((forecast - bac) * 100 / bac)


__all__ = ["Breach", "Slip", "breaches", "figures_of"]
