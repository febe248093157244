"""Earned value in money: every formula against worked examples (PMBOK-style figures), zero
divisors as null, the SPI/CPI bands of DOMAIN.md, and roll-ups that add up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmo_portfolio.domain.delivery.evm import (
    CostBand,
    EacMethod,
    EarnedValue,
    ScheduleBand,
    cost_band,
    earned,
    earned_value,
    roll_up,
    schedule_band,
)

D = Decimal

# bac, pv, ev, ac → sv, cv, spi, cpi, eac(BAC/CPI), eac(AC+BAC-EV), eac(AC+(BAC-EV)/(CPI*SPI)),
# etc, vac, tcpi. Worked by hand from the definitions (PMBOK Guide 7.4 figures and the classic
# textbook cases): a project behind and over, one ahead and under, one on plan.
WORKED = [
    # BAC 100,000; a quarter planned, a fifth done, 25,000 spent: behind and over budget.
    ("100000", "25000", "20000", "25000",
     "-5000.00", "-5000.00", "0.8000", "0.8000", "125000.00", "105000.00", "150000.00",
     "100000.00", "-25000.00", "1.0667"),
    # BAC 1,000: PV 500, EV 400, AC 300 (the PMP exam classic): behind but under budget.
    ("1000", "500", "400", "300",
     "-100.00", "100.00", "0.8000", "1.3333", "750.00", "900.00", "862.50",
     "450.00", "250.00", "0.8571"),
    # BAC 200,000; PV 50,000, EV 60,000, AC 55,000: ahead and under budget.
    ("200000", "50000", "60000", "55000",
     "10000.00", "5000.00", "1.2000", "1.0909", "183333.33", "195000.00", "161944.44",
     "128333.33", "16666.67", "0.9655"),
    # On plan to the cent.
    ("50000", "10000", "10000", "10000",
     "0.00", "0.00", "1.0000", "1.0000", "50000.00", "50000.00", "50000.00",
     "40000.00", "0.00", "1.0000"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("bac", "pv", "ev", "ac", "sv", "cv", "spi", "cpi", "eac_cpi", "eac_budget", "eac_both",
     "etc", "vac", "tcpi"),
    WORKED,
)  # fmt: skip
def test_each_formula_gives_the_worked_figure(
    bac: str, pv: str, ev: str, ac: str, sv: str, cv: str, spi: str, cpi: str, eac_cpi: str,
    eac_budget: str, eac_both: str, etc: str, vac: str, tcpi: str,
) -> None:  # fmt: skip
    value = earned_value("EUR", bac=D(bac), pv=D(pv), ev=D(ev), ac=D(ac))

    assert (value.sv, value.cv, value.spi, value.cpi) == (D(sv), D(cv), D(spi), D(cpi))
    assert value.eac == {
        EacMethod.BAC_OVER_CPI: D(eac_cpi),
        EacMethod.REMAINING_AT_BUDGET: D(eac_budget),
        EacMethod.REMAINING_AT_CPI_AND_SPI: D(eac_both),
        EacMethod.MANAGER_FORECAST: None,
    }
    assert (value.etc, value.vac, value.tcpi) == (D(etc), D(vac), D(tcpi))


def test_the_managers_own_forecast_is_one_labelled_estimate_among_the_others() -> None:
    value = earned_value("EUR", bac=D(1000), pv=D(500), ev=D(400), ac=D(300),
                         manager_forecast=D("980.5"))  # fmt: skip

    assert value.eac[EacMethod.MANAGER_FORECAST] == D("980.50")
    assert value.eac_typical == D("750.00")


def test_nothing_planned_spent_or_earned_yet_gives_null_ratios_not_an_error() -> None:
    value = earned_value("EUR", bac=D(1000), pv=D(0), ev=D(0), ac=D(0))

    assert (value.spi, value.cpi, value.schedule_band, value.cost_band) == (None,) * 4
    assert value.eac[EacMethod.BAC_OVER_CPI] is None
    assert value.eac[EacMethod.REMAINING_AT_CPI_AND_SPI] is None
    assert value.eac[EacMethod.REMAINING_AT_BUDGET] == D("1000.00")
    assert (value.etc, value.vac) == (None, None)


def test_a_budget_spent_to_the_cent_has_no_tcpi() -> None:
    assert earned_value("EUR", bac=D(100), pv=D(100), ev=D(90), ac=D(100)).tcpi is None


@pytest.mark.parametrize(
    ("index", "schedule", "cost"),
    [
        ("1.05", ScheduleBand.AHEAD, CostBand.UNDER_BUDGET),
        ("1.0499", ScheduleBand.ON_TRACK, CostBand.ON_BUDGET),
        ("0.95", ScheduleBand.ON_TRACK, CostBand.ON_BUDGET),
        ("0.9499", ScheduleBand.BEHIND, CostBand.OVER_BUDGET),
    ],
)
def test_the_bands_are_those_of_the_domain(
    index: str, schedule: ScheduleBand, cost: CostBand
) -> None:
    assert (schedule_band(D(index)), cost_band(D(index))) == (schedule, cost)


@given(st.decimals(min_value=0, max_value=5, places=4))
def test_every_spi_falls_in_exactly_the_band_its_value_says(spi: Decimal) -> None:
    band = schedule_band(spi)

    expected = (
        ScheduleBand.AHEAD if spi >= D("1.05")
        else ScheduleBand.ON_TRACK if spi >= D("0.95") else ScheduleBand.BEHIND
    )  # fmt: skip
    assert band is expected


def test_earned_value_is_each_budget_times_its_percent_complete() -> None:
    budgets = {"design": D(40000), "build": D(60000)}

    assert earned(budgets, {"design": D(100), "build": D("12.5")}) == D(47500)
    assert earned(budgets, {"design": D(50)}) == D(20000)  # build not reported: nothing earned


amounts = st.decimals(min_value=0, max_value=10_000_000, places=2)


@st.composite
def projects(draw: st.DrawFn) -> EarnedValue:
    bac = draw(amounts)
    return earned_value(
        draw(st.sampled_from(["EUR", "USD"])), bac=bac, pv=draw(amounts), ev=draw(amounts),
        ac=draw(amounts), manager_forecast=draw(st.one_of(st.none(), amounts)),
    )  # fmt: skip


@given(st.lists(projects(), max_size=30))
def test_the_roll_up_of_ev_and_ac_over_projects_is_their_sum_per_currency(
    figures: list[EarnedValue],
) -> None:
    rolled = roll_up(figures)

    for currency in {"EUR", "USD"}:
        ours = [f for f in figures if f.currency == currency]
        if not ours:
            assert currency not in rolled
            continue
        total = rolled[currency]
        assert total.ev == sum((f.ev for f in ours), D(0))
        assert total.ac == sum((f.ac for f in ours), D(0))
        assert total.pv == sum((f.pv for f in ours), D(0))
        assert total.bac == sum((f.bac for f in ours), D(0))
        assert total.spi == (None if total.pv == 0 else (total.ev / total.pv).quantize(D("0.0001")))


def test_a_roll_up_forecast_is_unknown_when_one_project_gave_none() -> None:
    one = earned_value("EUR", bac=D(10), pv=D(5), ev=D(5), ac=D(5), manager_forecast=D(11))
    other = earned_value("EUR", bac=D(10), pv=D(5), ev=D(5), ac=D(5))

    assert roll_up([one, one])["EUR"].eac[EacMethod.MANAGER_FORECAST] == D("22.00")
    assert roll_up([one, other])["EUR"].eac[EacMethod.MANAGER_FORECAST] is None
