"""Command bodies of delivery tracking (frozen, unknown fields refused). The plan, the status
report and the tolerances are the delivery domain's own values: a body that breaks one of
their rules (a percent over 100, a negative cost, a milestone before the project starts, a
non-green rating without a comment) is refused before anything is looked up (422)."""

from __future__ import annotations

from pydantic import Field

from pmo_portfolio.application.commands import Command
from pmo_portfolio.domain.delivery.values import Id, Key, Name, Plan, Text, Tolerances


class StartProject(Command):
    """Start delivery of an item that passed its scheme's delivery gate (G3 by default)."""

    item_id: Id
    project_manager: Id = Field(description="the subject of the project manager's token")
    plan: Plan
    tolerances: Tolerances = Tolerances()
    report_due_day: int = Field(
        default=10, ge=1, le=28, description="a month's report is due by this day of the next"
    )


class RevisePlan(Command):
    plan: Plan
    reason: Text


class SetBaseline(Command):
    name: Name


class ApproveBaseline(Command):
    number: int = Field(ge=1)


class SetTolerances(Command):
    tolerances: Tolerances


class DeclareDependency(Command):
    """Finish-to-start: the project waits for `milestone_id` of project `predecessor_id`."""

    predecessor_id: Id
    milestone_id: Key


__all__ = [
    "ApproveBaseline",
    "DeclareDependency",
    "RevisePlan",
    "SetBaseline",
    "SetTolerances",
    "StartProject",
]
