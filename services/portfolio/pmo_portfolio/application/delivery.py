"""Delivery handlers: start an approved item as a project, keep its plan and baselines, take its
monthly status reports, and carry a slipped milestone's alert to the projects that hang on it.

What delivery needs from governance, that the item passed its delivery gate and which bodies
approved it there under which routing rules, is read here, from the item's recorded decisions
(`delivery_go`), and handed to the delivery domain as its own value (`DeliveryGo`): the delivery
package never reads governance's internals, and the routing is the one recorded for the item,
not computed again.
"""

from __future__ import annotations

from collections.abc import Iterable

from pmo_kernel.application import CommandContext, check_expected_version
from pmo_kernel.errors import DomainError, PermissionDenied
from pmo_kernel.identity import Principal, Role
from pmo_portfolio.application.base import DECIDE, MANAGE, Accepted, ServiceBase
from pmo_portfolio.application.delivery_commands import (
    ApproveBaseline,
    DeclareDependency,
    RevisePlan,
    SetBaseline,
    SetTolerances,
    StartProject,
)
from pmo_portfolio.domain.delivery.events import ToleranceBreached
from pmo_portfolio.domain.delivery.evm import EarnedValue, roll_up
from pmo_portfolio.domain.delivery.project import Project
from pmo_portfolio.domain.delivery.values import DeliveryGo, GoverningBody, StatusContent
from pmo_portfolio.domain.governance.gates import GateScheme
from pmo_portfolio.domain.governance.item import PortfolioItem
from pmo_portfolio.domain.governance.vocabulary import ItemState

REPORTERS = frozenset({Role.PMO_ANALYST})  # beside the project's own manager


def delivery_gate(scheme: GateScheme) -> str:
    """The scheme's go-for-delivery gate: the one after the planning gate (G3 after G2 by
    default), unless that is the last gate (closure), when planning and delivery are one."""
    after = scheme.next_after(scheme.planning_gate)
    return scheme.planning_gate if after is None or scheme.is_last(after) else after


def delivery_go(item: PortfolioItem) -> DeliveryGo | None:
    """The decision the item passed its delivery gate with, the bodies that approved it (the
    joint sign-off's earlier approvals included) and the routing rules applied; None when it
    has not passed that gate."""
    gate = delivery_gate(item.scheme)
    if gate not in item.passed_gates:
        return None
    passing = next(
        (d for d in reversed(item.decision_log) if d.gate == gate and d.passes_gate), None
    )
    if passing is None:
        return None
    joined = [d for d in item.decision_log if d.decision_id in passing.earlier_approvals]
    joined.append(passing)
    bodies = dict.fromkeys(
        GoverningBody(body_id=d.body_id, body_kind=d.body_kind.value) for d in joined
    )
    rules = dict.fromkeys(rule.rule_id for d in joined for rule in d.applied_rules)
    return DeliveryGo(
        item_id=item.id,
        gate=gate,
        decision_id=passing.decision_id,
        decided_at=passing.decided_at,
        governed_by=tuple(bodies),
        routing_rule_ids=tuple(rules),
        programme_id=item.programme_id,
    )


def require_reporter(principal: Principal, project: Project, action: str) -> None:
    """Only the project's manager, or a PMO analyst, reports on and re-plans a project."""
    if principal.subject == project.project_manager or principal.roles & REPORTERS:
        return
    raise PermissionDenied(
        f"{action} is for project {project.id}'s manager or a pmo_analyst; {principal.subject} "
        "is neither",
        required_roles=sorted(REPORTERS),
    )


class DeliveryHandlers(ServiceBase):
    async def start_project(self, cmd: StartProject, ctx: CommandContext) -> Accepted:
        ctx.principal.require_any(MANAGE, "starting a project")
        item = await self._item_for(cmd.item_id, ctx, target=False)
        await self._fresh(self.projects, item.id)
        if item.state is not ItemState.APPROVED:
            raise DomainError(
                f"item {item.id} is {item.state}: only an approved item is delivered",
                item_id=item.id,
                state=item.state,
            )
        assert item.title is not None
        project = Project.start(
            item.id,
            title=item.title,
            project_manager=cmd.project_manager,
            go=delivery_go(item),
            plan=cmd.plan,
            tolerances=cmd.tolerances,
            report_due_day=cmd.report_due_day,
            actor_id=ctx.principal.subject,
            now=ctx.now,
        )
        assert project.go is not None
        return await self._save(
            self.projects,
            project,
            ctx,
            decision_id=project.go.decision_id,
            plan_version=1,
            baseline=1,
        )

    async def revise_plan(self, project_id: str, cmd: RevisePlan, ctx: CommandContext) -> Accepted:
        project = await self._project_for(project_id, ctx, "revising a project's plan")
        version = project.revise_plan(
            cmd.plan, cmd.reason, actor_id=ctx.principal.subject, now=ctx.now
        )
        return await self._save(self.projects, project, ctx, plan_version=version)

    async def set_baseline(
        self, project_id: str, cmd: SetBaseline, ctx: CommandContext
    ) -> Accepted:
        project = await self._project_for(project_id, ctx, "setting a baseline")
        number = project.set_baseline(cmd.name, actor_id=ctx.principal.subject, now=ctx.now)
        return await self._save(
            self.projects, project, ctx, baseline=number, plan_version=project.plan_version
        )

    async def approve_baseline(
        self, project_id: str, cmd: ApproveBaseline, ctx: CommandContext
    ) -> Accepted:
        ctx.principal.require_any(DECIDE, "approving a baseline")
        project = await self._project_for(project_id, ctx)
        project.approve_baseline(cmd.number, actor_id=ctx.principal.subject, now=ctx.now)
        return await self._save(self.projects, project, ctx, baseline=cmd.number)

    async def set_tolerances(
        self, project_id: str, cmd: SetTolerances, ctx: CommandContext
    ) -> Accepted:
        ctx.principal.require_any(MANAGE, "setting a project's tolerances")
        project = await self._project_for(project_id, ctx)
        project.set_tolerances(cmd.tolerances, actor_id=ctx.principal.subject, now=ctx.now)
        return await self._save(self.projects, project, ctx)

    async def declare_dependency(
        self, project_id: str, cmd: DeclareDependency, ctx: CommandContext
    ) -> Accepted:
        project = await self._project_for(project_id, ctx, "declaring a dependency")
        predecessor = await self.projects.get(cmd.predecessor_id)
        project.declare_dependency(
            predecessor, cmd.milestone_id, actor_id=ctx.principal.subject, now=ctx.now
        )
        return await self._save(self.projects, project, ctx)

    async def report_status(
        self, project_id: str, cmd: StatusContent, ctx: CommandContext
    ) -> Accepted:
        """The report and its alerts on the project and, for each milestone it slipped, the
        alert on every project that hangs on it: one transaction."""
        project = await self._project_for(project_id, ctx, "reporting a project's status")
        slipped = project.report_status(cmd, actor_id=ctx.principal.subject, now=ctx.now)
        alerts = [e.tolerance for e in project.pending if isinstance(e, ToleranceBreached)]
        dependents: dict[str, Project] = {}
        for slip in slipped:
            for dependent_id in await self.store.stream_ids_with(
                Project.stream_type,
                "DependencyDeclared",
                predecessor_id=project.id,
                milestone_id=slip.milestone_id,
            ):
                dependent = dependents.get(dependent_id) or await self.projects.load(dependent_id)
                if dependent.alert_dependency(slip):
                    dependents[dependent_id] = dependent
        await self._save_together(
            ctx, (self.projects, project), *((self.projects, d) for d in dependents.values())
        )
        return Accepted(
            project.id,
            project.version,
            {
                "period": cmd.period,
                "baseline": project.approved_baseline,
                "alerts": alerts,
                "slipped": [s.milestone_id for s in slipped],
                "dependents_alerted": sorted(dependents),
            },
        )

    # -- reads -------------------------------------------------------------------------------

    async def earned_value_of(self, project_ids: Iterable[str]) -> dict[str, EarnedValue]:
        """Per currency, the latest earned value of the projects (those reporting) added up."""
        figures = []
        for project_id in project_ids:
            project = await self.projects.load(project_id)
            value = project.figures() if project.started else None
            if value is not None:
                figures.append(value)
        return roll_up(figures)

    async def project_ids(self) -> list[str]:
        return sorted(await self.store.stream_ids_with(Project.stream_type, "ProjectStarted"))

    async def _project_for(
        self, project_id: str, ctx: CommandContext, reporting: str | None = None
    ) -> Project:
        """The project a command acts on: its item must be visible to the caller (404 as for
        an unknown id otherwise), If-Match names the project's version, and `reporting` names
        an action for the project's manager or a PMO analyst only."""
        project = await self.projects.get(project_id)
        await self.read_item(project_id, ctx.principal)
        if reporting is not None:
            require_reporter(ctx.principal, project, reporting)
        check_expected_version(project, ctx, self.projects.noun)
        return project


__all__ = ["REPORTERS", "DeliveryHandlers", "delivery_gate", "delivery_go", "require_reporter"]
