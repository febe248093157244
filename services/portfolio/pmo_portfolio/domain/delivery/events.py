"""The facts of delivery. Stream "delivery-project", one per portfolio item started as a
project (the stream id is the item's id): its start from the delivery-gate decision, its plan
versions and baselines, its status reports, the alerts and exceptions they raise, and its
dependencies on other projects' milestones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from pmo_kernel.events import DomainEvent
from pmo_kernel.money import Money
from pmo_portfolio.domain.delivery.values import (
    DeliveryGo,
    GoverningBody,
    Id,
    Key,
    Name,
    Period,
    Plan,
    StatusContent,
    Text,
    Timestamp,
    Tolerances,
)
from pmo_portfolio.domain.registry import registry

PlanVersion = int
BaselineNumber = int


@registry.event
class ProjectStarted(DomainEvent):
    """An item that passed its delivery gate became a project: its manager, its plan (version 1)
    and the decision it was started on. Baseline 1 ("initial", the plan as decided) is set and
    approved with it (`BaselineSet`, `BaselineApproved`)."""

    event_type: ClassVar[str] = "ProjectStarted"

    project_id: Id
    title: Name
    project_manager: Id
    go: DeliveryGo
    plan: Plan
    tolerances: Tolerances
    report_due_day: int = Field(ge=1, le=28)
    started_by: Id
    started_at: Timestamp


@registry.event
class PlanRevised(DomainEvent):
    """A new version of the plan: the project is run against it, and measured against the
    approved baseline until another one is approved."""

    event_type: ClassVar[str] = "PlanRevised"

    project_id: Id
    plan_version: PlanVersion = Field(ge=2)
    plan: Plan
    reason: Text
    revised_by: Id
    revised_at: Timestamp


@registry.event
class BaselineSet(DomainEvent):
    """A named, numbered snapshot of one plan version's dates, budget and scope."""

    event_type: ClassVar[str] = "BaselineSet"

    project_id: Id
    number: BaselineNumber = Field(ge=1)
    name: Name
    plan_version: PlanVersion = Field(ge=1)
    plan: Plan
    set_by: Id
    set_at: Timestamp


@registry.event
class BaselineApproved(DomainEvent):
    """The baseline became the reference the project is measured against (the one approved
    before it no longer is)."""

    event_type: ClassVar[str] = "BaselineApproved"

    project_id: Id
    number: BaselineNumber = Field(ge=1)
    previous: BaselineNumber | None = None
    approved_by: Id
    approved_at: Timestamp


@registry.event
class TolerancesSet(DomainEvent):
    event_type: ClassVar[str] = "TolerancesSet"

    project_id: Id
    tolerances: Tolerances
    set_by: Id
    set_at: Timestamp


@registry.event
class StatusReported(DomainEvent):
    """A month's status report, with what it is measured against (the decision, the plan
    version, the approved baseline) and the earned value it gives, as figures of that moment
    (money to 2 places, ratios to 4; a ratio without a divisor is null)."""

    event_type: ClassVar[str] = "StatusReported"

    project_id: Id
    report: StatusContent
    decision_id: Id
    plan_version: PlanVersion = Field(ge=1)
    baseline_number: BaselineNumber = Field(ge=1)
    planned_value: Money
    earned_value: Money
    spi: Decimal | None
    cpi: Decimal | None
    late: bool  # submitted after the day it was due
    reported_by: Id
    reported_at: Timestamp


@registry.event
class ToleranceBreached(DomainEvent):
    """An alert: a status report (or a slip on a milestone the project hangs on) breached one of
    the project's tolerances. `figures` are the report's numbers the tolerance was tested on."""

    event_type: ClassVar[str] = "ToleranceBreached"

    project_id: Id
    period: Period
    tolerance: Key  # spi_below, cpi_below, forecast_over_bac_percent, milestone_slip_days
    limit: str
    actual: str
    detail: Text
    figures: dict[str, str | None]
    milestone_id: Key | None = None


@registry.event
class ExceptionRaised(DomainEvent):
    """The report's breaches, as one exception sent to the bodies that govern the project (those
    that approved it at the delivery gate, under the routing rules recorded there)."""

    event_type: ClassVar[str] = "ExceptionRaised"

    project_id: Id
    period: Period
    tolerances: tuple[Key, ...] = Field(min_length=1)
    routed_to: tuple[GoverningBody, ...] = Field(min_length=1)
    decision_id: Id
    routing_rule_ids: tuple[Id, ...] = ()


@registry.event
class MilestoneSlipped(DomainEvent):
    """A report forecasts a milestone past its date in the approved baseline."""

    event_type: ClassVar[str] = "MilestoneSlipped"

    project_id: Id
    milestone_id: Key
    period: Period
    baseline_date: dt.date
    forecast_date: dt.date
    slip_days: int = Field(ge=1)


@registry.event
class DependencyDeclared(DomainEvent):
    """Finish-to-start: this project's work cannot start until the predecessor project's
    milestone is reached."""

    event_type: ClassVar[str] = "DependencyDeclared"

    project_id: Id
    predecessor_id: Id
    milestone_id: Key
    milestone_date: dt.date  # in the predecessor's approved baseline when declared
    declared_by: Id
    declared_at: Timestamp


@registry.event
class DependencyAlertRaised(DomainEvent):
    """A milestone this project hangs on slipped: the alert reaches every dependent project."""

    event_type: ClassVar[str] = "DependencyAlertRaised"

    project_id: Id
    predecessor_id: Id
    milestone_id: Key
    period: Period
    baseline_date: dt.date
    forecast_date: dt.date
    slip_days: int = Field(ge=1)


ProjectEvent = (
    ProjectStarted
    | PlanRevised
    | BaselineSet
    | BaselineApproved
    | TolerancesSet
    | StatusReported
    | ToleranceBreached
    | ExceptionRaised
    | MilestoneSlipped
    | DependencyDeclared
    | DependencyAlertRaised
)

__all__ = [
    "BaselineApproved",
    "BaselineSet",
    "DependencyAlertRaised",
    "DependencyDeclared",
    "ExceptionRaised",
    "MilestoneSlipped",
    "PlanRevised",
    "ProjectEvent",
    "ProjectStarted",
    "StatusReported",
    "ToleranceBreached",
    "TolerancesSet",
]
