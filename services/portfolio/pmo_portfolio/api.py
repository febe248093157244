"""The portfolio REST command API. Responses carry `ETag: "<version>"`; `If-Match` refuses a
command on an aggregate that moved on (409). Errors are RFC 9457 problem+json. Who reads what
is `pmo_portfolio.access`: items by sight, the portfolio-wide views for its readers only."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from pmo_kernel.access import require_portfolio_reader
from pmo_kernel.http.auth import CurrentPrincipal
from pmo_kernel.http.commands import Context
from pmo_kernel.http.conditional import etag
from pmo_kernel.http.idempotency import run_once
from pmo_kernel.http.problems import problem_responses
from pmo_portfolio.application.commands import (
    AddAgendaItem,
    AddMember,
    AdoptScenario,
    ArchiveScenario,
    AssignToProgramme,
    CloseEnvelope,
    CreateScoringModel,
    EstablishBody,
    EstablishProgramme,
    GrantRight,
    OpenEnvelope,
    PlanItem,
    PublishRoutingRules,
    RetireScoringModel,
    ReviseEnvelope,
    ReviseScoringModelDraft,
    RevokeRight,
    SaveScenario,
    ScheduleMeeting,
    ScoreItem,
    TakeDecision,
)
from pmo_portfolio.application.service import Accepted, PortfolioService
from pmo_portfolio.domain.governance.routing import DEFAULT_RULE_SET_ID
from pmo_portfolio.views import (
    ItemView,
    comparison_view,
    envelope_view,
    item_view,
    programme_view,
    roadmap_view,
    routing_rules_view,
    scenario_view,
)

PROBLEMS = problem_responses(
    {
        400: "Malformed request (a body that is not JSON)",
        401: "Missing or invalid bearer token",
        403: "The caller's roles do not allow this command, or this portfolio-wide view",
        404: "No such item, model, body, meeting, envelope, scenario or programme, or an item "
        "the caller may not see",
        409: "Not allowed in the current state, or it changed (If-Match / concurrency)",
        413: "Body too large",
        422: "Invalid body, business rule or governance rule failed (the rule is named)",
        429: "Too many commands from this caller: send again after Retry-After seconds",
        503: "The database is unavailable: nothing was written, send again after Retry-After",
    }
)


class CommandAccepted(BaseModel):
    id: str
    version: int
    details: dict[str, Any]


# Dependencies are `async def` although they never await: FastAPI runs a plain `def` one in
# its thread pool, two thread hand-offs per request (a sixth of the API's CPU at 200 commands/s).
async def _service(request: Request) -> PortfolioService:
    service: PortfolioService = request.app.state.portfolio_service
    return service


Service = Annotated[PortfolioService, Depends(_service)]


def _accepted(result: Accepted, response: Response) -> CommandAccepted:
    response.headers["ETag"] = etag(result.version)
    return CommandAccepted(id=result.id, version=result.version, details=result.details)


router = APIRouter(tags=["portfolio"], responses=PROBLEMS)

Handler = Callable[..., Awaitable[Accepted]]


def _route(path: str, summary: str, call: Callable[[PortfolioService], Handler],
           body: type[BaseModel] | None, with_id: bool, created: bool = False,
           on: APIRouter | None = None) -> None:  # fmt: skip
    """One POST endpoint per command (on `router`, or `on`): `call(service)` is the handler."""

    status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK

    async def endpoint(
        service: Service,
        ctx: Context,
        response: Response,
        request: Request,
        **kwargs: Any,
    ) -> CommandAccepted | JSONResponse:
        args = [kwargs[p] for p in ("target_id", "body") if p in kwargs]

        async def execute() -> CommandAccepted:
            return _accepted(await call(service)(*args, ctx), response)

        return await run_once(
            request, ctx.principal, ctx.idempotency_key, kwargs.get("body"), response,
            status_code, execute,
        )  # fmt: skip

    params = []
    for name in ("service", "ctx", "response", "request"):
        params.append(inspect.signature(endpoint).parameters[name])
    if with_id:
        params.append(
            inspect.Parameter("target_id", inspect.Parameter.KEYWORD_ONLY, annotation=str)
        )
    if body is not None:
        params.append(inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=body))
    endpoint.__signature__ = inspect.Signature(params, return_annotation=CommandAccepted)  # type: ignore[attr-defined]
    (on or router).add_api_route(
        path, endpoint, methods=["POST"], summary=summary, response_model=CommandAccepted,
        status_code=status_code,
    )  # fmt: skip


S = PortfolioService
_ROUTES: tuple[tuple[str, str, Callable[[S], Handler], type[BaseModel] | None, bool, bool], ...] = (
    ("/scoring-models", "Create a scoring model (draft)", lambda s: s.create_scoring_model,
     CreateScoringModel, False, True),
    ("/scoring-models/{target_id}/draft", "Revise the draft criteria",
     lambda s: s.revise_scoring_model, ReviseScoringModelDraft, True, False),
    ("/scoring-models/{target_id}/publication", "Publish the draft as a new version",
     lambda s: s.publish_scoring_model, None, True, False),
    ("/scoring-models/{target_id}/retirement", "Retire the model",
     lambda s: s.retire_scoring_model, RetireScoringModel, True, False),
    ("/items/{target_id}/scores", "Score an item (the caller is the evaluator)",
     lambda s: s.score_item, ScoreItem, True, False),
    ("/items/{target_id}/plan",
     "Place an approved item on the roadmap (a year it overruns goes to arbitration)",
     lambda s: s.plan_item, PlanItem, True, False),
    ("/items/{target_id}/programme", "Assign the item to a programme",
     lambda s: s.assign_to_programme, AssignToProgramme, True, False),
    ("/budget-envelopes",
     "Open a year's budget envelope, claiming the year: one open envelope per year (of two "
     "opened at once for one year, the second gets 409 and writes nothing)",
     lambda s: s.open_envelope, OpenEnvelope, False, True),
    ("/budget-envelopes/{target_id}/revisions", "Revise the amount: a new envelope version",
     lambda s: s.revise_envelope, ReviseEnvelope, True, False),
    ("/budget-envelopes/{target_id}/closure",
     "Close the envelope, releasing its year: a new envelope may then be opened for it",
     lambda s: s.close_envelope, CloseEnvelope, True, False),
    ("/budget-envelopes/{target_id}/arbitration",
     "Send the envelope's over-committed year to arbitration, with the roadmap's figures now",
     lambda s: s.request_arbitration, None, True, False),
    ("/scenarios", "Solve a selection problem (MILP) and save it with its result",
     lambda s: s.save_scenario, SaveScenario, False, True),
    ("/scenarios/{target_id}/archive", "Archive a scenario: it can no longer be adopted",
     lambda s: s.archive_scenario, ArchiveScenario, True, False),
    ("/programmes", "Establish a programme", lambda s: s.establish_programme,
     EstablishProgramme, False, True),
    ("/governance-bodies", "Establish a governance body", lambda s: s.establish_body,
     EstablishBody, False, True),
    ("/governance-bodies/{target_id}/members", "Add a member", lambda s: s.add_member,
     AddMember, True, False),
    ("/governance-bodies/{target_id}/rights", "Grant a decision right", lambda s: s.grant_right,
     GrantRight, True, False),
    ("/governance-bodies/{target_id}/rights/revocation", "Revoke a decision right",
     lambda s: s.revoke_right, RevokeRight, True, False),
    ("/routing-rules/versions",
     "Publish a new version of the routing rules, optionally with a new stage-gate scheme (for "
     "items registered from then on)",
     lambda s: s.publish_routing_rules, PublishRoutingRules, False, True),
    ("/meetings", "Schedule a meeting of a body", lambda s: s.schedule_meeting,
     ScheduleMeeting, False, True),
    ("/meetings/{target_id}/agenda", "Put an item on the agenda", lambda s: s.add_agenda_item,
     AddAgendaItem, True, False),
    ("/meetings/{target_id}/decisions", "Record a decision (inputs frozen by the service)",
     lambda s: s.take_decision, TakeDecision, True, True),
    ("/meetings/{target_id}/scenario-adoptions",
     "Adopt a scenario: the body funds its selection (needs the right to approve at the "
     "planning gate, G2 by default)",
     lambda s: s.adopt_scenario, AdoptScenario, True, True),
    ("/meetings/{target_id}/closure", "Close the meeting: its decisions are the minutes",
     lambda s: s.close_meeting, None, True, False),
)  # fmt: skip

for _path, _summary, _call, _body, _with_id, _created in _ROUTES:
    _route(_path, _summary, _call, _body, _with_id, _created)

command_route = _route  # for the sub-domains' routers (delivery_api)


@router.delete(
    "/governance-bodies/{body_id}/members/{person_id}",
    summary="Remove a member",
    response_model=CommandAccepted,
)
async def remove_member(
    body_id: str,
    person_id: str,
    service: Service,
    ctx: Context,
    response: Response,
    request: Request,
) -> CommandAccepted | JSONResponse:
    async def execute() -> CommandAccepted:
        return _accepted(await service.remove_member(body_id, person_id, ctx), response)

    return await run_once(
        request, ctx.principal, ctx.idempotency_key, None, response, status.HTTP_200_OK, execute
    )


@router.get(
    "/items/{item_id}",
    summary="A portfolio item folded from its stream, as the caller may see it",
    description=(
        "Its requester and sponsor and the portfolio's readers see it whole. Requesters of its "
        "department (when the service shares departments) and, once it passed the planning "
        "gate, project and resource managers see it with every figure null and `figures_hidden` "
        "true. For anyone else it does not exist: 404, as for an unknown id."
    ),
    response_model=ItemView,
)
async def get_item(
    item_id: str, service: Service, response: Response, principal: CurrentPrincipal
) -> dict[str, Any]:
    item, sight = await service.read_item(item_id, principal)
    approvals = await service.approvals_at_next_gate(item)
    scores = await service.item_scores(item)
    response.headers["ETag"] = etag(item.version)
    return item_view(item, scores, approvals, sight)


@router.get(
    "/routing-rules",
    summary="The routing rules and stage-gate scheme in force, and every published version",
)
async def get_routing_rules(
    service: Service, response: Response, _: CurrentPrincipal
) -> dict[str, Any]:
    rule_set = await service.rules.load(DEFAULT_RULE_SET_ID)
    response.headers["ETag"] = etag(rule_set.version)
    return routing_rules_view(rule_set)


@router.get("/scoring-models/{model_id}", summary="A scoring model and its published versions")
async def get_scoring_model(
    model_id: str, service: Service, response: Response, _: CurrentPrincipal
) -> dict[str, Any]:
    model = await service.models.get(model_id)
    response.headers["ETag"] = etag(model.version)
    return {
        "id": model.id,
        "version": model.version,
        "status": model.status,
        "latest_version": model.latest_version,
        "versions": [v.model_dump(mode="json") for v in model.versions.values()],
    }


@router.get("/meetings/{meeting_id}", summary="A meeting, its agenda and its minutes")
async def get_meeting(
    meeting_id: str, service: Service, response: Response, principal: CurrentPrincipal
) -> dict[str, Any]:
    require_portfolio_reader(principal, "reading a meeting's minutes")
    meeting = await service.meetings.get(meeting_id)
    response.headers["ETag"] = etag(meeting.version)
    return {
        "id": meeting.id,
        "version": meeting.version,
        "body_id": meeting.body_id,
        "closed": meeting.closed,
        "agenda": [a.model_dump(mode="json") for a in meeting.agenda],
        "minutes": [d.model_dump(mode="json") for d in meeting.minutes],
        "scenario_adoptions": [a.model_dump(mode="json") for a in meeting.scenario_adoptions],
        "decision_register": list(meeting.decision_register),
    }


@router.get("/budget-envelopes/{envelope_id}", summary="A budget envelope and its versions")
async def get_envelope(
    envelope_id: str, service: Service, response: Response, principal: CurrentPrincipal
) -> dict[str, Any]:
    require_portfolio_reader(principal, "reading a budget envelope")
    envelope = await service.envelopes.get(envelope_id)
    response.headers["ETag"] = etag(envelope.version)
    return envelope_view(envelope)


@router.get(
    "/roadmap", summary="Approved, planned items by quarter, each year against its envelope"
)
async def get_roadmap(service: Service, principal: CurrentPrincipal) -> dict[str, Any]:
    require_portfolio_reader(principal, "reading the roadmap")
    roadmap, envelopes = await service.roadmap()
    return roadmap_view(roadmap, envelopes)


# Declared before /scenarios/{scenario_id}, which would otherwise take "comparison" for an id.
@router.get("/scenarios/comparison", summary="Scenarios side by side (?ids=a&ids=b)")
async def get_scenario_comparison(
    service: Service,
    principal: CurrentPrincipal,
    ids: Annotated[list[str], Query(min_length=1, max_length=20)],
) -> dict[str, Any]:
    require_portfolio_reader(principal, "comparing scenarios")
    return comparison_view(await service.comparison(ids))


@router.get(
    "/scenarios/{scenario_id}",
    summary="A scenario: inputs, result, state, adoption, and why (cut and efficient frontier)",
)
async def get_scenario(
    scenario_id: str, service: Service, response: Response, principal: CurrentPrincipal
) -> dict[str, Any]:
    require_portfolio_reader(principal, "reading a scenario")
    scenario = await service.scenarios.get(scenario_id)
    response.headers["ETag"] = etag(scenario.version)
    return scenario_view(scenario, await service.explanation(scenario))


@router.get("/programmes/{programme_id}", summary="A programme and the items in it")
async def get_programme(
    programme_id: str, service: Service, response: Response, principal: CurrentPrincipal
) -> dict[str, Any]:
    require_portfolio_reader(principal, "reading a programme")
    programme = await service.programmes.get(programme_id)
    response.headers["ETag"] = etag(programme.version)
    return programme_view(programme, await service.programme_items(programme_id))
