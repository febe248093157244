"""The demand REST command API: one endpoint per command, reads from the event stream.

Optimistic concurrency: responses carry `ETag: "<version>"`; a command sent with
`If-Match: "<version>"` is refused with 409 if the demand has moved on. Retries: send an
`Idempotency-Key` header and a repeated request returns the first outcome, writing nothing
(pmo_kernel.idempotency).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from pmo_demand.application.service import CommandResult, DemandService
from pmo_demand.domain import (
    AcceptDemand,
    ProvideInformation,
    QualifyDemand,
    RejectDemand,
    RequestInformation,
    ReviseBusinessCase,
    SubmitDemand,
    WithdrawDemand,
)
from pmo_demand.views import CommandAccepted, DemandView, StreamEventView
from pmo_kernel.http.auth import CurrentPrincipal
from pmo_kernel.http.commands import Context
from pmo_kernel.http.conditional import etag
from pmo_kernel.http.idempotency import run_once
from pmo_kernel.http.problems import problem_responses

PROBLEMS = problem_responses(
    {
        400: "Malformed request",
        401: "Missing or invalid bearer token",
        403: "The caller's roles do not allow this command, or this view of a demand",
        404: "No such demand, or not one the caller may see",
        409: "Not allowed in the current state, or the demand changed (If-Match / concurrency)",
        413: "Body too large",
        422: "Invalid body, business rule or governance rule failed",
        429: "Too many commands from this caller: send again after Retry-After seconds",
        503: "The database is unavailable: nothing was written, send again after Retry-After",
    }
)


# Dependencies are `async def` although they never await: FastAPI runs a plain `def` one in
# its thread pool, two thread hand-offs per request (a sixth of the API's CPU at 200 commands/s).
async def _service(request: Request) -> DemandService:
    service: DemandService = request.app.state.demand_service
    return service


Service = Annotated[DemandService, Depends(_service)]


def _accepted(result: CommandResult, response: Response) -> CommandAccepted:
    response.headers["ETag"] = etag(result.version)
    response.headers["Location"] = f"/demands/{result.demand_id}"
    return CommandAccepted(
        id=result.demand_id,
        version=result.version,
        state=result.state,
        event_ids=[str(e) for e in result.event_ids],
        replayed=result.replayed,
    )


router = APIRouter(prefix="/demands", tags=["demands"], responses=PROBLEMS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Submit a demand (a project request), optionally with its business case",
    response_model=CommandAccepted,
)
async def submit_demand(
    body: SubmitDemand, service: Service, ctx: Context, response: Response, request: Request
) -> CommandAccepted | JSONResponse:
    async def execute() -> CommandAccepted:
        return _accepted(await service.submit(body, ctx), response)

    return await run_once(
        request, ctx.principal, ctx.idempotency_key, body, response, status.HTTP_201_CREATED,
        execute,
    )  # fmt: skip


@router.get("/{demand_id}", summary="A demand's current state, folded from its event stream")
async def get_demand(
    demand_id: str, service: Service, response: Response, principal: CurrentPrincipal
) -> DemandView:
    demand, sight = await service.read(demand_id, principal)
    response.headers["ETag"] = etag(demand.version)
    return DemandView.of(demand, sight)


@router.get("/{demand_id}/events", summary="A demand's events as stored, with their hash chain")
async def get_demand_events(
    demand_id: str, service: Service, principal: CurrentPrincipal
) -> list[StreamEventView]:
    demand = await service.get(demand_id)
    service.access.require_full(principal, demand, "the event history")
    return [
        StreamEventView(
            event_id=str(e.event_id),
            version=e.stream_version,
            event_type=e.event_type,
            schema_version=e.schema_version,
            global_position=e.global_position,
            recorded_at=e.recorded_at,
            actor=e.metadata_dict["actor"],
            payload=e.event.payload(),
            hash=e.hash,
            prev_hash=e.prev_hash,
        )
        for e in await service.store.read_stream(demand.stream_type, demand_id)
    ]


def _command_route(path: str, summary: str, method_name: str, body_type: type[BaseModel]) -> None:
    async def endpoint(
        demand_id: str,
        body: BaseModel,
        service: Service,
        ctx: Context,
        response: Response,
        request: Request,
    ) -> CommandAccepted | JSONResponse:
        handler = getattr(service, method_name)

        async def execute() -> CommandAccepted:
            return _accepted(await handler(demand_id, body, ctx), response)

        return await run_once(
            request, ctx.principal, ctx.idempotency_key, body, response, status.HTTP_200_OK,
            execute,
        )  # fmt: skip

    endpoint.__annotations__ = {**endpoint.__annotations__, "body": body_type}
    endpoint.__name__ = method_name
    router.add_api_route(
        f"/{{demand_id}}/{path}",
        endpoint,
        methods=["POST"],
        summary=summary,
        response_model=CommandAccepted,
    )


_COMMANDS: tuple[tuple[str, str, type[BaseModel], str], ...] = (
    ("business-case", "revise_business_case", ReviseBusinessCase,
     "Revise the business case (a new numbered version)"),
    ("information-requests", "request_information", RequestInformation,
     "Ask the requester questions (PMO analyst)"),
    ("information", "provide_information", ProvideInformation,
     "Answer the open questions (requester)"),
    ("qualification", "qualify", QualifyDemand,
     "Qualify against the governance rules (PMO analyst)"),
    ("rejection", "reject", RejectDemand, "Reject, with a reason (PMO analyst)"),
    ("withdrawal", "withdraw", WithdrawDemand, "Withdraw before a decision (requester)"),
    ("acceptance", "accept", AcceptDemand, "Accept for the portfolio (PMO analyst)"),
)  # fmt: skip

for _path, _method, _body, _summary in _COMMANDS:
    _command_route(_path, _summary, _method, _body)
