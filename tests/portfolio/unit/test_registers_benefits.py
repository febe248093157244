"""Benefit plans, their realisation month by month, ROI and payback: given/when/then, no
database. Figures are worked by hand: a plan from 0 to EUR 120,000 over 12 months plans 10,000 a
month; a cost of 100,000 pays back in the month the cumulative benefit reaches it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from pmo_kernel.errors import DomainError, NotFound
from pmo_kernel.money import Money
from pmo_portfolio.domain.delivery.registers import BenefitRegister
from pmo_portfolio.domain.delivery.registers.events import (
    BenefitPlanned,
    BenefitRealisationReported,
    BenefitSource,
)
from pmo_portfolio.domain.delivery.registers.value import (
    Payback,
    planned_value,
    realised_value,
    realised_vs_planned,
    returns,
    roi,
)
from tests.portfolio.unit.planning_helpers import reloaded
from tests.portfolio.unit.registers_helpers import ITEM, NOW, PM

D = Decimal
EUR = Money.of


def savings(
    register: BenefitRegister | None = None, target: str = "120000", unit: str = "EUR"
) -> BenefitRegister:
    """From 0 in 2027-01 to `target` by 2028-01-31: twelve monthly steps."""
    register = register or BenefitRegister(ITEM)
    register.plan_benefit(
        measure="Run cost savings",
        unit=unit,
        baseline=D(0),
        target=D(target),
        starts="2027-01",
        target_date=date(2028, 1, 31),
        owner="cfo",
        actor_id=PM,
        now=NOW,
    )
    return register


def report(register: BenefitRegister, period: str, value: str, benefit_id: str = "B1") -> None:
    register.report_realisation(
        benefit_id, period=period, value=D(value), actor_id="cfo", now=NOW + timedelta(days=400)
    )


def test_planning_a_benefit_records_its_measure_baseline_target_and_dates() -> None:
    register = savings()

    assert register.pending == (
        BenefitPlanned(
            item_id=ITEM,
            benefit_id="B1",
            measure="Run cost savings",
            unit="EUR",
            baseline=D(0),
            target=D(120000),
            starts="2027-01",
            target_date=date(2028, 1, 31),
            owner="cfo",
            source=BenefitSource.MANUAL,
            planned_by=PM,
            planned_at=NOW,
        ),
    )
    assert register.benefits["B1"].monetary


def test_a_benefit_whose_target_is_its_baseline_or_before_its_start_is_refused() -> None:
    register = BenefitRegister(ITEM)
    with pytest.raises(DomainError, match="target equals the baseline"):
        register.plan_benefit(
            measure="m",
            unit="%",
            baseline=D(5),
            target=D(5),
            starts="2027-01",
            target_date=date(2027, 6, 1),
            owner="o",
            actor_id=PM,
            now=NOW,
        )
    with pytest.raises(DomainError, match="before its first month 2027-07"):
        register.plan_benefit(
            measure="m",
            unit="%",
            baseline=D(5),
            target=D(9),
            starts="2027-07",
            target_date=date(2027, 6, 1),
            owner="o",
            actor_id=PM,
            now=NOW,
        )
    assert register.pending == ()


def test_the_plan_is_a_straight_line_from_baseline_to_target() -> None:
    benefit = savings().benefits["B1"]

    assert [
        planned_value(benefit, m) for m in ("2026-12", "2027-01", "2027-04", "2028-01", "2029-06")
    ] == [D(0), D(0), D(30000), D(120000), D(120000)]


def test_each_report_is_an_event_with_who_reported_and_a_later_one_corrects_the_month() -> None:
    register = savings()
    report(register, "2027-03", "15000")
    report(register, "2027-03", "18000")

    assert register.pending[1] == BenefitRealisationReported(
        benefit_id="B1",
        period="2027-03",
        value=D(15000),
        reported_by="cfo",
        reported_at=NOW + timedelta(days=400),
    )
    benefit = register.benefits["B1"]
    assert (benefit.reports, realised_value(benefit, "2027-03")) == (2, D(18000))
    assert realised_value(benefit, "2027-02") is None
    assert realised_value(benefit, "2027-09") == D(18000)  # the last report holds


def test_realised_against_planned_runs_month_by_month() -> None:
    register = savings()
    report(register, "2027-02", "9000")

    figures = realised_vs_planned(register.benefits["B1"], "2027-03")

    assert [(f.month, f.planned, f.realised) for f in figures] == [
        ("2027-01", D(0), None),
        ("2027-02", D(10000), D(9000)),
        ("2027-03", D(20000), D(9000)),
    ]


def test_a_realisation_before_the_plan_starts_or_in_the_future_is_refused() -> None:
    register = savings()
    with pytest.raises(DomainError, match="starts in 2027-01"):
        report(register, "2026-12", "1")
    with pytest.raises(DomainError, match="in the future"):
        register.report_realisation("B1", period="2027-04", value=D(1), actor_id="cfo", now=NOW)
    with pytest.raises(NotFound, match="no benefit B7"):
        report(register, "2027-02", "1", benefit_id="B7")
    assert len(register.pending) == 1


def test_roi_is_benefits_less_cost_over_cost_and_null_without_a_cost() -> None:
    assert roi(D(150000), EUR(100000)) == D("0.5000")
    assert roi(D(50000), EUR(100000)) == D("-0.5000")
    assert roi(D(1), EUR(3)) == D("-0.6667")
    assert roi(D(150000), None) is None
    assert roi(D(150000), EUR(0)) is None


def test_payback_is_the_month_the_cumulative_benefit_reaches_the_cost() -> None:
    register = savings()
    for month, value in (("2027-03", "40000"), ("2027-05", "100000")):
        report(register, month, value)

    figures = returns(list(register.benefits.values()), EUR(100000), "2027-06")

    assert figures.planned_payback == Payback(11, "2027-11")  # 10 steps of 10,000 after Jan
    assert figures.realised_payback == Payback(5, "2027-05")
    assert (figures.planned_roi, figures.realised_roi) == (D("0.2000"), D("0.0000"))
    assert figures.realised_benefit == EUR("100000.00")


def test_a_cost_never_paid_back_has_no_payback_and_no_cost_has_no_roi() -> None:
    benefits = list(savings(target="50000").benefits.values())

    figures = returns(benefits, EUR(100000), "2027-06")
    assert (figures.planned_payback, figures.realised_payback) == (None, None)
    assert figures.planned_roi == D("-0.5000")

    uncosted = returns(benefits, None, "2027-06")
    assert (uncosted.planned_roi, uncosted.realised_roi, uncosted.planned_payback) == (
        None,
        None,
        None,
    )
    assert uncosted.planned_benefit == EUR("50000.00")


def test_benefits_in_another_currency_or_not_in_money_are_not_added_to_the_cost() -> None:
    register = savings()
    savings(register, target="90000", unit="GBP")
    register.plan_benefit(
        measure="Incidents a month",
        unit="incidents",
        baseline=D(40),
        target=D(10),
        starts="2027-01",
        target_date=date(2027, 12, 1),
        owner="ops",
        actor_id=PM,
        now=NOW,
    )

    figures = returns(list(register.benefits.values()), EUR(100000), "2027-06")

    assert (figures.counted, figures.other_currencies) == ((f"{ITEM}/B1",), (f"{ITEM}/B2",))
    assert figures.planned_benefit == EUR("120000.00")


def test_the_benefit_register_folds_back_from_its_stored_events() -> None:
    register = savings()
    report(register, "2027-02", "9000")

    again = reloaded(BenefitRegister(ITEM), register.pending)

    benefit = again.benefits["B1"]
    assert (benefit.target, benefit.reports, realised_value(benefit, "2027-02")) == (
        D(120000),
        1,
        D(9000),
    )
