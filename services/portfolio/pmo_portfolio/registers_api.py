"""REST commands and reads of the risk, issue and benefit registers (`pmo_portfolio.application
.registers`). A register belongs to a portfolio item: `/items/{item_id}/risks/...`. Answers carry
`ETag: "<register version>"`; `If-Match` names it (409 when the register moved on), and every
command takes an Idempotency-Key. Errors are RFC 9457 problem+json; a refused command writes
nothing. Writers: pmo_analyst, project_manager (admin); an item the caller may not see is a 404.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from pmo_kernel.events import utcnow
from pmo_kernel.http.auth import CurrentPrincipal
from pmo_kernel.http.commands import Context
from pmo_kernel.http.conditional import etag
from pmo_kernel.http.idempotency import run_once
from pmo_kernel.http.problems import problem_responses
from pmo_portfolio.api import CommandAccepted
from pmo_portfolio.application.base import Accepted
from pmo_portfolio.application.register_commands import (
    CloseRisk,
    CompleteRiskAction,
    IdentifyRisk,
    PlanBenefit,
    PlanBenefitFromBusinessCase,
    PlanRiskAction,
    PlanRiskResponse,
    RaiseIssue,
    ReassessRisk,
    RecordLesson,
    ReportBenefitRealisation,
    ResolveIssue,
    ReviewRisk,
)
from pmo_portfolio.application.registers import RegisterService, this_month
from pmo_portfolio.domain.delivery.registers.values import LessonCategory, Month
from pmo_portfolio.registers_views import (
    benefits_view,
    lessons_view,
    matrix_view,
    open_issues_view,
    portfolio_benefits_view,
    register_view,
    top_risks_view,
)

PROBLEMS = problem_responses(
    {
        400: "Malformed request (a body that is not JSON)",
        401: "Missing or invalid bearer token",
        403: "The caller's roles do not allow this command, or this portfolio-wide view",
        404: "No such item (or one the caller may not see), risk, action, issue or benefit",
        409: "Not allowed in the current state (a closed risk, a resolved issue), or the "
        "register changed (If-Match / concurrency)",
        413: "Body too large",
        422: "Invalid body (a rating off the 1–5 scales) or a business rule failed (an action "
        "due before its risk was identified, a review date in the past)",
        429: "Too many commands from this caller: send again after Retry-After seconds",
        503: "The database is unavailable: nothing was written, send again after Retry-After",
    }
)


async def _service(request: Request) -> RegisterService:
    service: RegisterService = request.app.state.register_service
    return service


Service = Annotated[RegisterService, Depends(_service)]
Handler = Callable[..., Awaitable[Accepted]]

router = APIRouter(tags=["registers"], responses=PROBLEMS)


def _route(path: str, summary: str, call: Callable[[RegisterService], Handler],
           body: type[BaseModel], created: bool = False) -> None:  # fmt: skip
    """One POST endpoint per command; the path's parameters, in order, then the body and the
    context are the handler's arguments."""
    status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]

    async def endpoint(
        service: Service, ctx: Context, response: Response, request: Request, **kwargs: Any
    ) -> CommandAccepted | JSONResponse:
        async def execute() -> CommandAccepted:
            args = [kwargs[name] for name in names]
            result = await call(service)(*args, kwargs["body"], ctx)
            response.headers["ETag"] = etag(result.version)
            return CommandAccepted(id=result.id, version=result.version, details=result.details)

        return await run_once(
            request, ctx.principal, ctx.idempotency_key, kwargs["body"], response, status_code,
            execute,
        )  # fmt: skip

    fixed = inspect.signature(endpoint).parameters
    params = [fixed[name] for name in ("service", "ctx", "response", "request")]
    params += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=str) for n in names]
    params.append(inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=body))
    endpoint.__signature__ = inspect.Signature(params, return_annotation=CommandAccepted)  # type: ignore[attr-defined]
    router.add_api_route(
        path, endpoint, methods=["POST"], summary=summary, response_model=CommandAccepted,
        status_code=status_code,
    )  # fmt: skip


RISK = "/items/{item_id}/risks/{risk_id}"
S = RegisterService
_ROUTES: tuple[tuple[str, str, Callable[[S], Handler], type[BaseModel], bool], ...] = (
    ("/items/{item_id}/risks",
     "Identify a risk: probability × impact on 1–5 scales, its owner and first review date",
     lambda s: s.identify_risk, IdentifyRisk, True),
    (f"{RISK}/assessment", "Rate the risk's inherent probability and impact again",
     lambda s: s.reassess_risk, ReassessRisk, False),
    (f"{RISK}/response",
     "Choose the response (avoid, reduce, transfer, accept) and the residual rating",
     lambda s: s.plan_risk_response, PlanRiskResponse, False),
    (f"{RISK}/actions", "Plan an action against the risk, with its owner and due date",
     lambda s: s.plan_risk_action, PlanRiskAction, True),
    (f"{RISK}/actions/{{action_id}}/completion", "Complete an action",
     lambda s: s.complete_risk_action, CompleteRiskAction, False),
    (f"{RISK}/review", "Review the risk and set its next review date",
     lambda s: s.review_risk, ReviewRisk, False),
    (f"{RISK}/closure", "Close the risk", lambda s: s.close_risk, CloseRisk, False),
    ("/items/{item_id}/issues",
     "Raise an issue, from a risk of the item that materialised or not",
     lambda s: s.raise_issue, RaiseIssue, True),
    ("/items/{item_id}/issues/{issue_id}/resolution", "Resolve an issue",
     lambda s: s.resolve_issue, ResolveIssue, False),
    ("/items/{item_id}/benefits", "Plan a benefit: measure, unit, baseline, target, dates",
     lambda s: s.plan_benefit, PlanBenefit, True),
    ("/items/{item_id}/benefits/from-business-case",
     "Plan the business case's benefits estimate as a monetary benefit",
     lambda s: s.plan_benefit_from_business_case, PlanBenefitFromBusinessCase, True),
    ("/items/{item_id}/benefits/{benefit_id}/realisations",
     "Report the value a benefit reached in a month (a later report corrects it)",
     lambda s: s.report_benefit_realisation, ReportBenefitRealisation, True),
    ("/items/{item_id}/lessons", "Record a lesson learned (at closure), with category and tags",
     lambda s: s.record_lesson, RecordLesson, True),
)  # fmt: skip

for _path, _summary, _call, _body, _created in _ROUTES:
    _route(_path, _summary, _call, _body, _created)


@router.get(
    "/items/{item_id}/risk-register",
    summary="An item's risks (with overdue reviews and actions) and issues",
    description="For whoever may see the item; 404 otherwise, as for an unknown id.",
)
async def get_risk_register(
    item_id: str, service: Service, response: Response, principal: CurrentPrincipal
) -> dict[str, Any]:
    facts, register = await service.item_risks(item_id, principal)
    response.headers["ETag"] = etag(register.version)
    return register_view(facts, register, utcnow().date())


@router.get(
    "/items/{item_id}/benefits",
    summary="An item's benefits realised against plan per month, its ROI and payback",
    description=(
        "For whoever may see the item; delivery roles see no figure of money (figures_hidden). "
        "ROI and payback are null when undefined (no cost, no monetary benefit, not paid back)."
    ),
)
async def get_benefits(
    item_id: str,
    service: Service,
    response: Response,
    principal: CurrentPrincipal,
    through: Annotated[Month | None, Query(description="Up to this month (now)")] = None,
) -> dict[str, Any]:
    facts, register = await service.item_benefits(item_id, principal)
    response.headers["ETag"] = etag(register.version)
    return benefits_view(facts, register, through or this_month())


@router.get("/risk-matrix", summary="Open risks per 5×5 cell, inherent and residual")
async def get_risk_matrix(service: Service, principal: CurrentPrincipal) -> dict[str, Any]:
    return matrix_view(await service.portfolio_risks(principal))


@router.get(
    "/top-risks",
    summary="The portfolio's open risks by residual score, inherent score, then age",
)
async def get_top_risks(
    service: Service,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=500)] = 10,
) -> dict[str, Any]:
    return top_risks_view(await service.portfolio_risks(principal), limit, utcnow().date())


@router.get("/open-issues", summary="The portfolio's open issues by severity, worst first")
async def get_open_issues(service: Service, principal: CurrentPrincipal) -> dict[str, Any]:
    return open_issues_view(await service.portfolio_risks(principal), utcnow().date())


@router.get(
    "/benefits",
    summary="Benefits, ROI and payback per item and for the portfolio (in one currency)",
)
async def get_portfolio_benefits(
    service: Service,
    principal: CurrentPrincipal,
    through: Annotated[Month | None, Query(description="Up to this month (now)")] = None,
    currency: Annotated[str, Query(pattern=r"^[A-Z]{3}$")] = "EUR",
) -> dict[str, Any]:
    items = await service.portfolio_benefits(principal)
    return portfolio_benefits_view(items, through or this_month(), currency)


@router.get(
    "/items/{item_id}/lessons",
    summary="The lessons an item taught, newest first",
    description="For whoever may see the item; 404 otherwise, as for an unknown id.",
)
async def get_item_lessons(
    item_id: str, service: Service, principal: CurrentPrincipal
) -> dict[str, Any]:
    return lessons_view(await service.item_lessons(item_id, principal))


@router.get(
    "/lessons",
    summary="Lessons learned across the portfolio, by category, tags (all of them) and words",
)
async def get_lessons(
    service: Service,
    principal: CurrentPrincipal,
    category: LessonCategory | None = None,
    tag: Annotated[list[str] | None, Query(max_length=20)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    found = await service.find_lessons(principal, category=category, tags=tag or [], words=q)
    return lessons_view(found)
