"""Delivery tracking over REST: start an approved item as a project, re-plan it, baseline it,
set its tolerances and dependencies, report its status month by month; read a project, its
variance against a baseline, and earned value rolled up per programme and for the portfolio.

Commands take `If-Match` (the project's version) and `Idempotency-Key` like every portfolio
command. Who may do what: starting a project and its tolerances are the PMO's (pmo_analyst,
admin), approving a baseline a deciding role's (pmo_analyst, portfolio_board, admin); status
reports, plan revisions, baselines and dependencies are the project's manager's or a PMO
analyst's (403 otherwise, nothing written). A project is read as its item is seen
(`pmo_portfolio.access`): its readers see it whole, delivery roles without its figures, anyone
else gets 404. The roll-ups are the whole portfolio's money: portfolio readers only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from pmo_kernel.access import require_portfolio_reader
from pmo_kernel.http.auth import CurrentPrincipal
from pmo_kernel.http.conditional import etag
from pmo_portfolio.api import PROBLEMS, Handler, Service, command_route
from pmo_portfolio.application.delivery_commands import (
    ApproveBaseline,
    DeclareDependency,
    RevisePlan,
    SetBaseline,
    SetTolerances,
    StartProject,
)
from pmo_portfolio.application.service import PortfolioService
from pmo_portfolio.delivery_views import project_view, roll_up_view, variance_view
from pmo_portfolio.domain.delivery.values import StatusContent
from pmo_portfolio.domain.delivery.variance import variance

delivery_router = APIRouter(tags=["delivery"], responses=PROBLEMS)

S = PortfolioService
_ROUTES: tuple[tuple[str, str, Callable[[S], Handler], type[Any], bool, bool], ...] = (
    ("/projects",
     "Start delivery of an item that passed its delivery gate (G3 by default): its manager, "
     "plan, budget at completion and planned value per month; baseline 1 is approved with it "
     "(422 if the item has not passed the gate)",
     lambda s: s.start_project, StartProject, False, True),
    ("/projects/{target_id}/plan", "Revise the plan: a new plan version",
     lambda s: s.revise_plan, RevisePlan, True, False),
    ("/projects/{target_id}/baselines",
     "Set a named baseline: a snapshot of the current plan's dates, budget and scope",
     lambda s: s.set_baseline, SetBaseline, True, True),
    ("/projects/{target_id}/baselines/approval",
     "Approve a baseline: the project is measured against it from now on",
     lambda s: s.approve_baseline, ApproveBaseline, True, False),
    ("/projects/{target_id}/tolerances", "Set the project's tolerances",
     lambda s: s.set_tolerances, SetTolerances, True, False),
    ("/projects/{target_id}/dependencies",
     "Declare a finish-to-start dependency on another project's milestone",
     lambda s: s.declare_dependency, DeclareDependency, True, True),
    ("/projects/{target_id}/status-reports",
     "Report a month's status (the project's manager or a pmo_analyst): its alerts, exception "
     "and the alerts of the projects hanging on a slipped milestone are raised with it",
     lambda s: s.report_status, StatusContent, True, True),
)  # fmt: skip

for _path, _summary, _call, _body, _with_id, _created in _ROUTES:
    command_route(_path, _summary, _call, _body, _with_id, _created, on=delivery_router)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@delivery_router.get(
    "/projects/{project_id}",
    summary="A project in delivery: plan, baselines, status reports with their earned value, "
    "late months, alerts, exceptions and dependencies",
)
async def get_project(
    project_id: str, service: Service, response: Response, principal: CurrentPrincipal
) -> dict[str, Any]:
    project = await service.projects.get(project_id)
    _, sight = await service.read_item(project_id, principal)
    response.headers["ETag"] = etag(project.version)
    return project_view(project, sight, _today())


@delivery_router.get(
    "/projects/{project_id}/variance",
    summary="Variance of dates, budget and scope against a baseline (the approved one by "
    "default), with the latest report's earned value against it",
)
async def get_variance(
    project_id: str,
    service: Service,
    principal: CurrentPrincipal,
    baseline: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> dict[str, Any]:
    project = await service.projects.get(project_id)
    _, sight = await service.read_item(project_id, principal)
    number = baseline or project.reference.number
    return variance_view(variance(project, number), project.approved_baseline, sight)


@delivery_router.get(
    "/earned-value", summary="Earned value of every reporting project, added up per currency"
)
async def get_portfolio_earned_value(
    service: Service, principal: CurrentPrincipal
) -> dict[str, Any]:
    require_portfolio_reader(principal, "reading the portfolio's earned value")
    ids = await service.project_ids()
    return roll_up_view({"scope": "portfolio", "projects": ids},
                        await service.earned_value_of(ids))  # fmt: skip


@delivery_router.get(
    "/programmes/{programme_id}/earned-value",
    summary="Earned value of a programme's reporting projects, added up per currency",
)
async def get_programme_earned_value(
    programme_id: str, service: Service, principal: CurrentPrincipal
) -> dict[str, Any]:
    require_portfolio_reader(principal, "reading a programme's earned value")
    await service.programmes.get(programme_id)
    started = set(await service.project_ids())
    ids = [i for i in await service.programme_items(programme_id) if i in started]
    return roll_up_view({"scope": "programme", "programme_id": programme_id, "projects": ids},
                        await service.earned_value_of(ids))  # fmt: skip


__all__ = ["delivery_router"]
