"""One of every delivery and register event, made by the aggregates' own commands (their
nested values are too rich for a generated example), for the decoding tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pmo_kernel.events import DomainEvent
from pmo_portfolio.domain.delivery.registers import BenefitRegister
from pmo_portfolio.domain.delivery.registers.lessons import LessonsRegister
from pmo_portfolio.domain.delivery.registers.values import LessonCategory
from pmo_portfolio.domain.delivery.values import Tolerances
from tests.portfolio.unit.delivery_helpers import (
    ANALYST,
    PM,
    eur,
    in_month,
    plan,
    report,
    started,
    starting,
)
from tests.portfolio.unit.registers_helpers import ITEM, NOW


def delivery_events() -> list[DomainEvent]:
    events: list[DomainEvent] = [*starting().pending]
    upstream, downstream = started("P-1"), started("P-2")
    downstream.declare_dependency(upstream, "design-done", actor_id=ANALYST)
    upstream.set_tolerances(Tolerances(), actor_id=ANALYST)
    upstream.revise_plan(plan(), "Same plan, re-stated", actor_id=PM)
    upstream.set_baseline("re-plan", actor_id=PM)
    (slip,) = upstream.report_status(
        report(
            "2027-03",
            forecast_at_completion=eur(120000),
            milestone_forecasts={"design-done": dt.date(2027, 4, 14)},
        ),
        actor_id=PM,
        now=in_month("2027-03"),
    )
    downstream.alert_dependency(slip)
    benefits = BenefitRegister(ITEM)
    benefits.plan_benefit(
        measure="Run cost savings", unit="EUR", baseline=Decimal(0), target=Decimal(120000),
        starts="2027-01", target_date=dt.date(2028, 1, 31), owner="cfo", actor_id=PM, now=NOW,
    )  # fmt: skip
    benefits.report_realisation(
        "B1", period="2027-02", value=Decimal(5000), actor_id="cfo",
        now=NOW + dt.timedelta(days=400),
    )  # fmt: skip
    lessons = LessonsRegister(ITEM)
    lessons.record_lesson(
        title="Book testers early", description="Shared testers were never free.",
        category=LessonCategory.PEOPLE, tags=["testing"], actor_id=PM, now=NOW,
    )  # fmt: skip
    return [
        *events, *upstream.pending, *downstream.pending, *benefits.pending, *lessons.pending,
    ]  # fmt: skip
