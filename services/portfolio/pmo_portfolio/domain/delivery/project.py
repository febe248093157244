"""The Project aggregate: an approved portfolio item in delivery, from the go-for-delivery gate.

    started (plan v1, baseline 1 approved) → reports month by month; plan revisions, baselines,
    tolerances and dependencies on other projects' milestones at any time

A project is measured against its approved baseline: planned value and the budget at completion
come from it, earned value is earned on its work packages. Each status report records what it
was measured against (the decision, the plan version, the baseline) and raises, in the same
append, the alerts its figures call for: a slipped milestone, a tolerance breached, and then
one exception routed to the bodies that govern the project.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Self

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, InvalidTransition, NotFound
from pmo_kernel.events import DomainEvent, utcnow
from pmo_kernel.money import Money
from pmo_portfolio.domain.delivery.events import (
    BaselineApproved,
    BaselineSet,
    DependencyAlertRaised,
    DependencyDeclared,
    ExceptionRaised,
    MilestoneSlipped,
    PlanRevised,
    ProjectStarted,
    StatusReported,
    ToleranceBreached,
    TolerancesSet,
)
from pmo_portfolio.domain.delivery.evm import EarnedValue, earned, earned_value
from pmo_portfolio.domain.delivery.tolerances import Slip, breaches, figures_of
from pmo_portfolio.domain.delivery.values import (
    DeliveryGo,
    Plan,
    StatusContent,
    Tolerances,
    period_of,
    periods_between,
    report_due,
)

INITIAL_BASELINE = "initial"


@dataclass(frozen=True)
class Baseline:
    number: int
    name: str
    plan_version: int
    plan: Plan
    set_by: str
    set_at: dt.datetime


def measure(plan: Plan, report: StatusContent) -> EarnedValue:
    """The report's earned value against `plan` (a baseline's): PV to the report's month, EV
    on the plan's work packages, AC and the forecast as reported."""
    budgets = {w.work_package_id: w.budget.amount for w in plan.work_packages}
    return earned_value(
        plan.currency,
        bac=plan.bac,
        pv=plan.planned_value_to(report.period),
        ev=earned(budgets, dict(report.percent_complete)),
        ac=report.actual_cost.amount,
        manager_forecast=report.forecast_at_completion.amount,
    )


class Project(Aggregate):
    stream_type = "delivery-project"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.title: str | None = None  # None until started
        self.project_manager: str | None = None
        self.go: DeliveryGo | None = None
        self.plans: dict[int, Plan] = {}  # plan version -> plan
        self.baselines: dict[int, Baseline] = {}
        self.approved_baseline: int | None = None
        self.tolerances = Tolerances()
        self.report_due_day = 10
        self.reports: dict[str, StatusReported] = {}  # period -> report
        self.alerts: list[ToleranceBreached | DependencyAlertRaised] = []
        self.slips: list[MilestoneSlipped] = []
        self.exceptions: list[ExceptionRaised] = []
        self.dependencies: list[DependencyDeclared] = []
        self.milestone_forecasts: dict[str, dt.date] = {}  # the latest reported
        self.started_at: dt.datetime | None = None

    # -- queries --------------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self.go is not None

    @property
    def plan_version(self) -> int:
        return max(self.plans, default=0)

    @property
    def plan(self) -> Plan:
        self._require_started()
        return self.plans[self.plan_version]

    @property
    def reference(self) -> Baseline:
        """The approved baseline, the project's reference."""
        self._require_started()
        assert self.approved_baseline is not None
        return self.baselines[self.approved_baseline]

    def baseline(self, number: int) -> Baseline:
        found = self.baselines.get(number)
        if found is None:
            raise NotFound(f"project {self.id} has no baseline {number}", baseline=number)
        return found

    @property
    def latest_report(self) -> StatusReported | None:
        return self.reports[max(self.reports)] if self.reports else None

    def late_periods(self, today: dt.date) -> list[str]:
        """The months of the plan whose report was due before `today` and never came."""
        plan = self.plan
        return [
            period
            for period in periods_between(period_of(plan.start), period_of(plan.end))
            if period not in self.reports and report_due(period, self.report_due_day) < today
        ]

    def figures(self, period: str | None = None, baseline: int | None = None) -> EarnedValue | None:
        """Earned value of the month's report (the latest by default) against a baseline (the
        approved one by default); None before the first report."""
        report = self.latest_report if period is None else self.reports.get(period)
        if report is None:
            return None
        plan = (self.reference if baseline is None else self.baseline(baseline)).plan
        return measure(plan, report.report)

    # -- commands -------------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        project_id: str,
        *,
        title: str,
        project_manager: str,
        go: DeliveryGo | None,
        plan: Plan,
        tolerances: Tolerances,
        report_due_day: int,
        actor_id: str,
        now: dt.datetime | None = None,
    ) -> Self:
        """Start the project from the delivery-gate decision `go`; None: the item has not
        passed that gate, and cannot be delivered."""
        if go is None:
            raise DomainError(
                f"item {project_id} has not passed its delivery gate: it cannot be started as "
                "a project",
                item_id=project_id,
            )
        if go.item_id != project_id:
            raise DomainError(
                f"the decision {go.decision_id} is about item {go.item_id}, not {project_id}",
                item_id=project_id,
            )
        at = now or utcnow()
        project = cls(project_id)
        project._record(
            ProjectStarted(
                project_id=project_id,
                title=title,
                project_manager=project_manager,
                go=go,
                plan=plan,
                tolerances=tolerances,
                report_due_day=report_due_day,
                started_by=actor_id,
                started_at=at,
            )
        )
        number = project.set_baseline(INITIAL_BASELINE, actor_id=actor_id, now=at)
        project.approve_baseline(number, actor_id=actor_id, now=at)
        return project

    def revise_plan(
        self, plan: Plan, reason: str, *, actor_id: str, now: dt.datetime | None = None
    ) -> int:
        if plan.currency != self.plan.currency:
            raise DomainError(
                f"project {self.id} is budgeted in {self.plan.currency}, not {plan.currency}",
                currency=self.plan.currency,
            )
        version = self.plan_version + 1
        self._record(
            PlanRevised(
                project_id=self.id,
                plan_version=version,
                plan=plan,
                reason=reason,
                revised_by=actor_id,
                revised_at=now or utcnow(),
            )
        )
        return version

    def set_baseline(self, name: str, *, actor_id: str, now: dt.datetime | None = None) -> int:
        """Snapshot the current plan's dates, budget and scope as the next numbered baseline."""
        if any(known.name == name for known in self.baselines.values()):
            raise InvalidTransition(
                f"project {self.id} already has a baseline named {name!r}", baseline_name=name
            )
        number = max(self.baselines, default=0) + 1
        self._record(
            BaselineSet(
                project_id=self.id,
                number=number,
                name=name,
                plan_version=self.plan_version,
                plan=self.plan,
                set_by=actor_id,
                set_at=now or utcnow(),
            )
        )
        return number

    def approve_baseline(
        self, number: int, *, actor_id: str, now: dt.datetime | None = None
    ) -> None:
        self.baseline(number)
        if self.approved_baseline == number:
            raise InvalidTransition(
                f"baseline {number} is already project {self.id}'s reference", baseline=number
            )
        self._record(
            BaselineApproved(
                project_id=self.id,
                number=number,
                previous=self.approved_baseline,
                approved_by=actor_id,
                approved_at=now or utcnow(),
            )
        )

    def set_tolerances(
        self, tolerances: Tolerances, *, actor_id: str, now: dt.datetime | None = None
    ) -> None:
        self._require_started()
        self._record(
            TolerancesSet(
                project_id=self.id, tolerances=tolerances, set_by=actor_id, set_at=now or utcnow()
            )
        )

    def report_status(
        self, report: StatusContent, *, actor_id: str, now: dt.datetime | None = None
    ) -> tuple[MilestoneSlipped, ...]:
        """Record the month's report and the alerts it raises; the milestones it reports slipped
        are returned, for the projects that hang on them."""
        at = now or utcnow()
        self._check_report(report, at)
        baseline = self.reference
        value = measure(baseline.plan, report)
        slips = self._slips(report, baseline.plan)  # before the report moves the forecasts
        assert self.go is not None
        currency = value.currency
        self._record(
            StatusReported(
                project_id=self.id,
                report=report,
                decision_id=self.go.decision_id,
                plan_version=self.plan_version,
                baseline_number=baseline.number,
                planned_value=Money(amount=value.pv, currency=currency),
                earned_value=Money(amount=value.ev, currency=currency),
                spi=value.spi,
                cpi=value.cpi,
                late=at.date() > report_due(report.period, self.report_due_day),
                reported_by=actor_id,
                reported_at=at,
            )
        )
        slipped = tuple(self._record_slip(report.period, slip) for slip in slips if slip.moved)
        found = breaches(
            self.tolerances,
            value,
            report.forecast_at_completion.amount,
            [slip.slip for slip in slips],
        )
        figures = figures_of(value, report.forecast_at_completion.amount)
        for breach in found:
            self._record(
                ToleranceBreached(
                    project_id=self.id,
                    period=report.period,
                    tolerance=breach.tolerance,
                    limit=breach.limit,
                    actual=breach.actual,
                    detail=breach.detail,
                    figures=figures,
                    milestone_id=breach.milestone_id,
                )
            )
        if found:
            self._record(
                ExceptionRaised(
                    project_id=self.id,
                    period=report.period,
                    tolerances=tuple(dict.fromkeys(b.tolerance for b in found)),
                    routed_to=self.go.governed_by,
                    decision_id=self.go.decision_id,
                    routing_rule_ids=self.go.routing_rule_ids,
                )
            )
        return slipped

    def declare_dependency(
        self,
        predecessor: Project,
        milestone_id: str,
        *,
        actor_id: str,
        now: dt.datetime | None = None,
    ) -> None:
        """Finish-to-start: this project waits for `milestone_id` of `predecessor`."""
        self._require_started()
        if predecessor.id == self.id:
            raise DomainError(f"project {self.id} cannot depend on itself", project_id=self.id)
        milestone = predecessor.reference.plan.milestone(milestone_id)
        if milestone is None:
            raise DomainError(
                f"project {predecessor.id} has no milestone {milestone_id}",
                milestone_id=milestone_id,
            )
        if self.depends_on(predecessor.id, milestone_id):
            raise InvalidTransition(
                f"project {self.id} already depends on {predecessor.id}'s {milestone_id}",
                predecessor_id=predecessor.id,
                milestone_id=milestone_id,
            )
        if predecessor.depends_on(self.id):
            raise DomainError(
                f"project {predecessor.id} already depends on {self.id}: a "
                "dependency both ways would be a circle",
                predecessor_id=predecessor.id,
            )
        self._record(
            DependencyDeclared(
                project_id=self.id,
                predecessor_id=predecessor.id,
                milestone_id=milestone_id,
                milestone_date=milestone.date,
                declared_by=actor_id,
                declared_at=now or utcnow(),
            )
        )

    def depends_on(self, predecessor_id: str, milestone_id: str | None = None) -> bool:
        return any(
            d.predecessor_id == predecessor_id and milestone_id in (None, d.milestone_id)
            for d in self.dependencies
        )

    def alert_dependency(self, slipped: MilestoneSlipped) -> bool:
        """Raise the alert of a slip on a milestone this project hangs on; False when it hangs
        on no such milestone."""
        if not self.depends_on(slipped.project_id, slipped.milestone_id):
            return False
        self._record(
            DependencyAlertRaised(
                project_id=self.id,
                predecessor_id=slipped.project_id,
                milestone_id=slipped.milestone_id,
                period=slipped.period,
                baseline_date=slipped.baseline_date,
                forecast_date=slipped.forecast_date,
                slip_days=slipped.slip_days,
            )
        )
        return True

    # -- evolve ---------------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        match event:
            case ProjectStarted():
                self.title = event.title
                self.project_manager = event.project_manager
                self.go = event.go
                self.plans = {1: event.plan}
                self.tolerances = event.tolerances
                self.report_due_day = event.report_due_day
                self.started_at = event.started_at
            case PlanRevised():
                self.plans[event.plan_version] = event.plan
            case BaselineSet():
                self.baselines[event.number] = Baseline(
                    event.number,
                    event.name,
                    event.plan_version,
                    event.plan,
                    event.set_by,
                    event.set_at,
                )
            case BaselineApproved():
                self.approved_baseline = event.number
            case TolerancesSet():
                self.tolerances = event.tolerances
            case StatusReported():
                self.reports[event.report.period] = event
                self.milestone_forecasts.update(event.report.milestone_forecasts)
            case MilestoneSlipped():
                self.slips.append(event)
            case ToleranceBreached() | DependencyAlertRaised():
                self.alerts.append(event)
            case ExceptionRaised():
                self.exceptions.append(event)
            case DependencyDeclared():
                self.dependencies.append(event)
            case _:
                raise TypeError(f"{type(event).__name__} is not a delivery-project event")

    # -- helpers --------------------------------------------------------------------------------

    def _require_started(self) -> None:
        if self.go is None:
            raise InvalidTransition(
                f"project {self.id} has not been started", project_id=self.id, state=None
            )

    def _check_report(self, report: StatusContent, at: dt.datetime) -> None:
        plan = self.plan
        first = period_of(plan.start)
        problems: list[str] = []
        if report.period < first:
            problems.append(f"period {report.period} is before the project starts ({first})")
        if report.period > period_of(at.date()):
            problems.append(f"period {report.period} has not begun")
        unknown = sorted(
            (set(report.percent_complete) | set(report.milestone_forecasts)) - plan.keys
        )
        if unknown:
            problems.append(f"no such milestone or work package in the plan: {unknown}")
        forecasts = sorted(k for k, day in report.milestone_forecasts.items() if day < plan.start)
        if forecasts:
            problems.append(
                f"milestones forecast before the project starts ({plan.start}): {forecasts}"
            )
        for label, amount in (
            ("actual cost", report.actual_cost),
            ("forecast at completion", report.forecast_at_completion),
        ):
            if amount.currency != plan.currency:
                problems.append(
                    f"the {label} is in {amount.currency}, the project in {plan.currency}"
                )
        if problems:
            raise DomainError(
                f"status report of project {self.id} refused: " + "; ".join(problems),
                problems=problems,
            )
        if report.period in self.reports:
            raise InvalidTransition(
                f"project {self.id} already reported {report.period}", period=report.period
            )

    def _slips(self, report: StatusContent, baseline: Plan) -> list[_Forecast]:
        found = []
        for milestone_id, forecast in sorted(report.milestone_forecasts.items()):
            planned = baseline.milestone(milestone_id)
            if planned is None or forecast <= planned.date:
                continue
            before = self.milestone_forecasts.get(milestone_id)
            found.append(
                _Forecast(
                    Slip(milestone_id, planned.date, forecast),
                    moved=before is None or forecast > before,
                )
            )
        return found

    def _record_slip(self, period: str, forecast: _Forecast) -> MilestoneSlipped:
        slip = forecast.slip
        event = MilestoneSlipped(
            project_id=self.id,
            milestone_id=slip.milestone_id,
            period=period,
            baseline_date=slip.baseline_date,
            forecast_date=slip.forecast_date,
            slip_days=slip.days,
        )
        self._record(event)
        return event


@dataclass(frozen=True)
class _Forecast:
    slip: Slip
    moved: bool  # later than the latest forecast reported before (or the first one)


__all__ = ["INITIAL_BASELINE", "Baseline", "Project", "measure"]
