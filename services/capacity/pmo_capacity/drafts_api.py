"""REST endpoints of staffing drafts: start, change, rename, discard, adopt; evaluate one on
the capacity picture now, compare it with another draft or a proposal.

Same conventions as the proposals (proposals_api): `ETag` / `If-Match` on the draft,
`Idempotency-Key` for retries, RFC 9457 problems; the same roles (STAFFERS command, the staff
readers read).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from pmo_capacity.api import PROBLEMS
from pmo_capacity.application.drafts import (
    AdoptDraft,
    AssignInDraft,
    Comparison,
    DiscardDraft,
    DraftResult,
    DraftService,
    Evaluation,
    RenameDraft,
    StartDraft,
    UnassignInDraft,
)
from pmo_capacity.domain.draft import DraftStatus, StaffingDraft
from pmo_capacity.domain.draft_events import AdoptedAssignment, DraftAssignment
from pmo_capacity.proposals_api import STAFF_READERS
from pmo_kernel.http.auth import CurrentPrincipal
from pmo_kernel.http.commands import Context
from pmo_kernel.http.conditional import etag
from pmo_kernel.http.idempotency import run_once


async def _drafts(request: Request) -> DraftService:
    service: DraftService = request.app.state.draft_service
    return service


Drafts = Annotated[DraftService, Depends(_drafts)]

drafts = APIRouter(prefix="/staffing-drafts", tags=["staffing drafts"], responses=PROBLEMS)


class DraftAccepted(BaseModel):
    id: str
    version: int
    event_ids: list[str]
    # An adoption's other streams ("<type>/<id>": version after it) and what it made of each
    # assignment: for callers that wait for a read model to have them.
    moved_streams: dict[str, int] = {}
    adopted: list[AdoptedAssignment] = []
    replayed: bool = False


class DraftView(BaseModel):
    id: str
    version: int
    name: str
    status: DraftStatus
    from_proposal_id: str | None
    request_ids: list[str]
    assignments: list[DraftAssignment]
    adopted: list[AdoptedAssignment]

    @classmethod
    def of(cls, draft: StaffingDraft) -> DraftView:
        return cls(
            id=draft.id, version=draft.version, name=draft.name, status=draft.status,
            from_proposal_id=draft.from_proposal_id, request_ids=list(draft.request_ids),
            assignments=[draft.assignments[r] for r in sorted(draft.assignments)],
            adopted=list(draft.adopted),
        )  # fmt: skip


class OverbookingView(BaseModel):
    person_id: str
    name: str
    week: str
    available_hours: Decimal
    allocated_hours: Decimal


class EvaluationView(BaseModel):
    value: Decimal
    filled_hours: Decimal
    assignments: list[DraftAssignment]
    unfilled: list[str]
    closed: list[str]
    ineligible: list[str]
    overbooked: list[OverbookingView]
    capacity_position: int

    @classmethod
    def of(cls, found: Evaluation) -> EvaluationView:
        return cls(
            value=found.value, filled_hours=found.filled_hours,
            assignments=list(found.assignments), unfilled=list(found.unfilled),
            closed=list(found.closed), ineligible=list(found.ineligible),
            overbooked=[OverbookingView(**vars(o)) for o in found.overbooked],
            capacity_position=found.capacity_position,
        )  # fmt: skip


class DraftEvaluationView(EvaluationView):
    id: str
    version: int
    status: DraftStatus


class PlanRef(BaseModel):
    kind: Literal["draft", "proposal"]
    id: str
    version: int


class RequestComparisonView(BaseModel):
    request_id: str
    a: DraftAssignment | None
    b: DraftAssignment | None
    same: bool


class ComparisonView(BaseModel):
    a: PlanRef
    b: PlanRef
    a_evaluation: EvaluationView
    b_evaluation: EvaluationView
    requests: list[RequestComparisonView]
    value_difference: Decimal  # b less a
    filled_hours_difference: Decimal
    overbooked_weeks_difference: int

    @classmethod
    def of(cls, found: Comparison) -> ComparisonView:
        return cls(
            a=PlanRef(kind=found.a.kind, id=found.a.id, version=found.a.version),
            b=PlanRef(kind=found.b.kind, id=found.b.id, version=found.b.version),
            a_evaluation=EvaluationView.of(found.a_evaluation),
            b_evaluation=EvaluationView.of(found.b_evaluation),
            requests=[
                RequestComparisonView(request_id=r.request_id, a=r.a, b=r.b, same=r.same)
                for r in found.requests
            ],
            value_difference=found.value_difference,
            filled_hours_difference=found.filled_hours_difference,
            overbooked_weeks_difference=found.overbooked_weeks_difference,
        )


def _accepted(result: DraftResult, response: Response) -> DraftAccepted:
    response.headers["ETag"] = etag(result.version)
    response.headers["Location"] = f"/staffing-drafts/{result.draft_id}"
    return DraftAccepted(
        id=result.draft_id, version=result.version, event_ids=list(result.event_ids),
        moved_streams=dict(result.moved), adopted=list(result.adopted),
    )  # fmt: skip


@drafts.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Start a staffing draft, empty or from a proposal's open assignments (resource "
    "manager, PMO analyst): it changes nothing until adopted",
    response_model=DraftAccepted,
)
async def start_draft(
    body: StartDraft, service: Drafts, ctx: Context, response: Response, request: Request
) -> DraftAccepted | JSONResponse:
    async def execute() -> DraftAccepted:
        return _accepted(await service.start(body, ctx), response)

    return await run_once(
        request, ctx.principal, ctx.idempotency_key, body, response, status.HTTP_201_CREATED,
        execute,
    )  # fmt: skip


@drafts.get("/{draft_id}", summary="A staffing draft: its assignments, whether adopted")
async def get_draft(
    draft_id: str, service: Drafts, response: Response, principal: CurrentPrincipal
) -> DraftView:
    principal.require_any(STAFF_READERS, "reading a staffing draft")
    draft = await service.draft(draft_id)
    response.headers["ETag"] = etag(draft.version)
    return DraftView.of(draft)


@drafts.get(
    "/{draft_id}/evaluation",
    summary="The draft on the capacity picture now: its value (the optimiser's objective), "
    "the hours it fills, the requests it leaves open, the weeks it would overbook",
)
async def evaluate_draft(
    draft_id: str, service: Drafts, response: Response, principal: CurrentPrincipal
) -> DraftEvaluationView:
    principal.require_any(STAFF_READERS, "evaluating a staffing draft")
    draft, found = await service.evaluation(draft_id)
    response.headers["ETag"] = etag(draft.version)
    return DraftEvaluationView(
        id=draft.id, version=draft.version, status=draft.status,
        **EvaluationView.of(found).model_dump(),
    )  # fmt: skip


@drafts.get(
    "/{draft_id}/comparison",
    summary="The draft beside another draft or a proposal (its open assignments): who each "
    "gives each request to, and each one's value, hours and overbooking now",
)
async def compare_drafts(
    draft_id: str,
    service: Drafts,
    principal: CurrentPrincipal,
    other: Annotated[str, Query(alias="with", min_length=1, max_length=200)],
    kind: Literal["draft", "proposal"] = "draft",
) -> ComparisonView:
    principal.require_any(STAFF_READERS, "comparing staffing drafts")
    return ComparisonView.of(await service.comparison(draft_id, other, kind))


@drafts.post(
    "/{draft_id}/assignments",
    summary="Give a request to a person in the draft (the request's hours and weeks unless "
    "told), replacing whom the draft gave it to",
    response_model=DraftAccepted,
)
async def assign_in_draft(
    draft_id: str,
    body: AssignInDraft,
    service: Drafts,
    ctx: Context,
    response: Response,
    request: Request,
) -> DraftAccepted | JSONResponse:
    async def execute() -> DraftAccepted:
        return _accepted(await service.assign(draft_id, body, ctx), response)

    return await run_once(
        request, ctx.principal, ctx.idempotency_key, body, response, status.HTTP_200_OK, execute
    )


@drafts.post(
    "/{draft_id}/assignments/{request_id}/removal",
    summary="Give the request to nobody in the draft",
    response_model=DraftAccepted,
)
async def unassign_in_draft(
    draft_id: str,
    request_id: str,
    body: UnassignInDraft,
    service: Drafts,
    ctx: Context,
    response: Response,
    request: Request,
) -> DraftAccepted | JSONResponse:
    async def execute() -> DraftAccepted:
        return _accepted(await service.unassign(draft_id, request_id, ctx), response)

    return await run_once(
        request, ctx.principal, ctx.idempotency_key, body, response, status.HTTP_200_OK, execute
    )


@drafts.post("/{draft_id}/rename", summary="Rename the draft", response_model=DraftAccepted)
async def rename_draft(
    draft_id: str,
    body: RenameDraft,
    service: Drafts,
    ctx: Context,
    response: Response,
    request: Request,
) -> DraftAccepted | JSONResponse:
    async def execute() -> DraftAccepted:
        return _accepted(await service.rename(draft_id, body, ctx), response)

    return await run_once(
        request, ctx.principal, ctx.idempotency_key, body, response, status.HTTP_200_OK, execute
    )


@drafts.post(
    "/{draft_id}/discard",
    summary="Drop the draft: it changed nothing and takes no more changes",
    response_model=DraftAccepted,
)
async def discard_draft(
    draft_id: str,
    body: DiscardDraft,
    service: Drafts,
    ctx: Context,
    response: Response,
    request: Request,
) -> DraftAccepted | JSONResponse:
    async def execute() -> DraftAccepted:
        return _accepted(await service.discard(draft_id, body, ctx), response)

    return await run_once(
        request, ctx.principal, ctx.idempotency_key, body, response, status.HTTP_200_OK, execute
    )


@drafts.post(
    "/{draft_id}/adoption",
    summary="Adopt the draft: every assignment a soft allocation filling its request, in one "
    "write; over_allocation (422, naming each person and week) and nothing written if any "
    "would overbook, unless accept_over_allocation",
    response_model=DraftAccepted,
)
async def adopt_draft(
    draft_id: str,
    body: AdoptDraft,
    service: Drafts,
    ctx: Context,
    response: Response,
    request: Request,
) -> DraftAccepted | JSONResponse:
    async def execute() -> DraftAccepted:
        return _accepted(await service.adopt(draft_id, body, ctx), response)

    return await run_once(
        request, ctx.principal, ctx.idempotency_key, body, response, status.HTTP_200_OK, execute
    )
