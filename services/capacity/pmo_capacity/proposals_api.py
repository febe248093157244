"""REST endpoints of staffing proposals: propose, read, accept or decline an assignment.

Same conventions as the rest of the capacity API: `ETag` / `If-Match` on the proposal,
`Idempotency-Key` for retries, RFC 9457 problems.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from pmo_capacity.api import PROBLEMS
from pmo_capacity.application.staffing import (
    AcceptAssignment,
    DeclineAssignment,
    ProposalResult,
    ProposeStaffing,
    StaffingService,
)
from pmo_capacity.domain.proposal import StaffingProposal
from pmo_capacity.domain.proposal_events import ProposedAssignment, UnfilledHours, UnfilledRequest
from pmo_kernel.http.auth import CurrentPrincipal
from pmo_kernel.http.commands import Context
from pmo_kernel.http.conditional import etag
from pmo_kernel.http.idempotency import run_once

STAFF_READERS = frozenset(
    {"resource_manager", "project_manager", "pmo_analyst", "portfolio_board", "executive",
     "auditor", "admin", "service"}
)  # fmt: skip


async def _staffing(request: Request) -> StaffingService:
    service: StaffingService = request.app.state.staffing_service
    return service


Staffing = Annotated[StaffingService, Depends(_staffing)]

proposals = APIRouter(prefix="/staffing-proposals", tags=["staffing"], responses=PROBLEMS)


class ProposalAccepted(BaseModel):
    id: str
    version: int
    event_ids: list[str]
    allocation_id: str | None = None
    # An acceptance's other streams: the person given the allocation, the request it fills.
    person_id: str | None = None
    person_version: int | None = None
    request_id: str | None = None
    request_version: int | None = None
    replayed: bool = False


class AssignmentView(ProposedAssignment):
    decision: Literal["open", "accepted", "declined"]
    allocation_id: str | None


class ProposalView(BaseModel):
    id: str
    version: int
    request_ids: list[str]
    assignments: list[AssignmentView]
    unfilled: list[UnfilledRequest]
    unfilled_demand: list[UnfilledHours]
    value: Decimal
    greedy_value: Decimal
    value_gap_percent: Decimal | None
    optimal: bool
    solver: str
    solve_seconds: Decimal
    mip_gap_percent: Decimal | None
    time_limit_seconds: Decimal | None
    capacity_position: int
    proposed_by: str

    @classmethod
    def of(cls, proposal: StaffingProposal) -> ProposalView:
        made = proposal.proposed
        assert made is not None

        def decision(request_id: str) -> Literal["open", "accepted", "declined"]:
            if request_id in proposal.accepted:
                return "accepted"
            return "declined" if request_id in proposal.declined else "open"

        return cls(
            id=proposal.id,
            version=proposal.version,
            request_ids=list(made.request_ids),
            assignments=[
                AssignmentView(
                    **a.model_dump(),
                    decision=decision(a.request_id),
                    allocation_id=proposal.accepted.get(a.request_id),
                )
                for a in made.assignments
            ],
            unfilled=list(made.unfilled),
            unfilled_demand=list(made.unfilled_demand),
            value=made.value,
            greedy_value=made.greedy_value,
            value_gap_percent=made.value_gap_percent,
            optimal=made.optimal,
            solver=made.solver,
            solve_seconds=made.solve_seconds,
            mip_gap_percent=made.mip_gap_percent,
            time_limit_seconds=made.time_limit_seconds,
            capacity_position=made.capacity_position,
            proposed_by=made.proposed_by,
        )


def _accepted(result: ProposalResult, response: Response) -> ProposalAccepted:
    response.headers["ETag"] = etag(result.version)
    response.headers["Location"] = f"/staffing-proposals/{result.proposal_id}"
    return ProposalAccepted(
        id=result.proposal_id, version=result.version, event_ids=list(result.event_ids),
        allocation_id=result.allocation_id, person_id=result.person_id,
        person_version=result.person_version, request_id=result.request_id,
        request_version=result.request_version,
    )  # fmt: skip


@proposals.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Propose an optimal staffing of open resource requests, beside a greedy baseline "
    "(resource manager, PMO analyst)",
    response_model=ProposalAccepted,
)
async def propose_staffing(
    body: ProposeStaffing, service: Staffing, ctx: Context, response: Response, request: Request
) -> ProposalAccepted | JSONResponse:
    async def execute() -> ProposalAccepted:
        return _accepted(await service.propose(body, ctx), response)

    return await run_once(
        request, ctx.principal, ctx.idempotency_key, body, response, status.HTTP_201_CREATED,
        execute,
    )  # fmt: skip


@proposals.get("/{proposal_id}", summary="A staffing proposal: assignments, reasons, unfilled")
async def get_proposal(
    proposal_id: str, service: Staffing, response: Response, principal: CurrentPrincipal
) -> ProposalView:
    principal.require_any(STAFF_READERS, "reading a staffing proposal")
    proposal = await service.proposal(proposal_id)
    response.headers["ETag"] = etag(proposal.version)
    return ProposalView.of(proposal)


@proposals.post(
    "/{proposal_id}/assignments/{request_id}/acceptance",
    summary="Accept one assignment: a soft allocation for the person, the request filled",
    response_model=ProposalAccepted,
)
async def accept_assignment(
    proposal_id: str,
    request_id: str,
    body: AcceptAssignment,
    service: Staffing,
    ctx: Context,
    response: Response,
    request: Request,
) -> ProposalAccepted | JSONResponse:
    async def execute() -> ProposalAccepted:
        return _accepted(await service.accept(proposal_id, request_id, ctx), response)

    return await run_once(
        request, ctx.principal, ctx.idempotency_key, body, response, status.HTTP_200_OK, execute
    )


@proposals.post(
    "/{proposal_id}/assignments/{request_id}/decline",
    summary="Decline one assignment: the request stays open",
    response_model=ProposalAccepted,
)
async def decline_assignment(
    proposal_id: str,
    request_id: str,
    body: DeclineAssignment,
    service: Staffing,
    ctx: Context,
    response: Response,
    request: Request,
) -> ProposalAccepted | JSONResponse:
    async def execute() -> ProposalAccepted:
        return _accepted(await service.decline(proposal_id, request_id, body, ctx), response)

    return await run_once(
        request, ctx.principal, ctx.idempotency_key, body, response, status.HTTP_200_OK, execute
    )
