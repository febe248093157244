"""A project in delivery for the unit tests: EUR 100,000 over 2027, two work packages, two
milestones, planned value spread evenly over the twelve months."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pmo_kernel.money import Money
from pmo_portfolio.domain.delivery.project import Project
from pmo_portfolio.domain.delivery.values import (
    DeliveryGo,
    GoverningBody,
    Plan,
    Rag,
    Rating,
    Ratings,
    StatusContent,
    Tolerances,
)

PM = "pia"
ANALYST = "paul"
START = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)
STEERING = GoverningBody(body_id="steering", body_kind="steering_committee")


def eur(amount: str | int) -> Money:
    return Money.of(amount)


def go(item_id: str = "P-1") -> DeliveryGo:
    return DeliveryGo(
        item_id=item_id,
        gate="G3",
        decision_id="D-3",
        decided_at=START,
        governed_by=(STEERING,),
        routing_rule_ids=("regulatory-to-steering",),
    )


def plan(**changes: Any) -> Plan:
    fields: dict[str, Any] = {
        "start": dt.date(2027, 1, 1),
        "end": dt.date(2027, 12, 31),
        "phases": [
            {"phase_id": "delivery", "name": "Delivery", "start": "2027-01-01", "end": "2027-12-31"}
        ],
        "milestones": [
            {
                "milestone_id": "design-done",
                "name": "Design signed off",
                "date": "2027-03-31",
                "phase_id": "delivery",
            },
            {"milestone_id": "go-live", "name": "Go live", "date": "2027-12-15"},
        ],
        "work_packages": [
            {
                "work_package_id": "design",
                "name": "Design",
                "budget": eur(40000),
                "milestone_id": "design-done",
            },
            {"work_package_id": "build", "name": "Build", "budget": eur(60000)},
        ],
        "budget_at_completion": eur(100000),
        "planned_value": {f"2027-{m:02d}": eur("8333.33") for m in range(1, 12)}
        | {"2027-12": eur("8333.37")},
    }
    fields.update(changes)
    return Plan.model_validate(fields)


def starting(item_id: str = "P-1", tolerances: Tolerances | None = None) -> Project:
    """A project just started: its first events still pending."""
    return Project.start(
        item_id,
        title="Ledger",
        project_manager=PM,
        go=go(item_id),
        plan=plan(),
        tolerances=tolerances or Tolerances(),
        report_due_day=10,
        actor_id=ANALYST,
        now=START,
    )


def started(item_id: str = "P-1", tolerances: Tolerances | None = None) -> Project:
    """A project started and saved."""
    project = starting(item_id, tolerances)
    project.mark_saved(len(project.pending), None)
    return project


GREEN = Rating(rag=Rag.GREEN)


def report(period: str = "2027-03", **changes: Any) -> StatusContent:
    fields: dict[str, Any] = {
        "period": period,
        "percent_complete": {"design": 50, "build": 5},
        "actual_cost": eur(25000),
        "forecast_at_completion": eur(100000),
        "ratings": Ratings(schedule=GREEN, cost=GREEN, scope=GREEN, overall=GREEN),
        "achievements": ["Design workshops held"],
        "next_steps": ["Sign the design off"],
    }
    fields.update(changes)
    return StatusContent.model_validate(fields)


def in_month(period: str, day: int = 5) -> dt.datetime:
    """A moment in the month after `period`, on `day`."""
    year, month = int(period[:4]), int(period[5:])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.datetime(year, month, day, 9, tzinfo=dt.UTC)
