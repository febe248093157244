"""The staffing drafts' read side of the gateway: what-if staffing plans from their read model
(projections/capacity_drafts.py), and a draft compared with another draft or a proposal.
schema.py merges `DraftQuery` into its `Query`.

Drafts are for whoever reads staffing proposals (the capacity readers, `reads_staffing`):
anyone else finds none (an empty list, null for an id, as for an unknown one).

The comparison is not read from a read model: it scores both plans with the capacity service's
optimiser objective on the capacity picture *now* (its people, availability, requests), which
is the capacity domain's rule, too large to share through the kernel. So it is forwarded to the
capacity service's `GET /staffing-drafts/{a}/comparison` with the caller's token, as commands
are; an unknown draft or proposal answers null.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from pmo_reporting.gateway import fields
from pmo_reporting.gateway.capacity import Allocation, Person, capacity
from pmo_reporting.gateway.capacity_loads import Row
from pmo_reporting.gateway.capacity_readmodel import DraftFilter
from pmo_reporting.gateway.capacity_staffing import (
    NO_PAGE,
    StaffingProposal,
    allocation_seen,
    proposal_seen,
    reads_staffing,
    visible_person,
)
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.errors import GatewayError
from pmo_reporting.gateway.pagination import check_page_size, decode_cursor, page_of
from pmo_reporting.gateway.types import PageInfo

COMPARISON_ROUTE = "/staffing-drafts/{id}/comparison"


@strawberry.enum(description="Active until adopted (its allocations made) or discarded")
class StaffingDraftStatus(Enum):
    ACTIVE = "active"
    ADOPTED = "adopted"
    DISCARDED = "discarded"


@strawberry.enum(description="What a staffing draft is compared with")
class StaffingPlanKind(Enum):
    DRAFT = "draft"
    PROPOSAL = "proposal"


@strawberry.type(description="One request given to one person: hours a week over a range of weeks")
class DraftAssignment:
    request_id: strawberry.ID
    project_id: str
    person_id: strawberry.ID
    start_week: str
    end_week: str
    hours_per_week: str = strawberry.field(description="Decimal string")

    @staticmethod
    def of(data: Row) -> DraftAssignment:
        return DraftAssignment(
            request_id=strawberry.ID(data["request_id"]),
            project_id=data["project_id"],
            person_id=strawberry.ID(data["person_id"]),
            start_week=data["start_week"],
            end_week=data["end_week"],
            hours_per_week=str(data["hours_per_week"]),
        )

    @fields.field("The person, as the Person type; null unless the caller sees them")
    async def person(self, info: GatewayInfo) -> Person | None:
        return await visible_person(info, str(self.person_id))


@strawberry.type(description="What adopting a draft made of one assignment")
class AdoptedDraftAssignment:
    request_id: strawberry.ID
    person_id: strawberry.ID
    allocation_id: str = strawberry.field(description="The soft allocation that fills it")
    over_allocated: bool = strawberry.field(
        description="Adopted though it overbooks the person (the adopter accepted it)"
    )

    @fields.field("The allocation made; null unless the caller sees its person")
    async def allocation(self, info: GatewayInfo) -> Allocation | None:
        return await allocation_seen(info, self.allocation_id)


@strawberry.type(description="A what-if staffing plan: it books nobody until adopted")
class StaffingDraft:
    id: strawberry.ID
    version: int
    name: str
    status: StaffingDraftStatus
    from_proposal_id: str | None = strawberry.field(description="The proposal it started from")
    request_ids: list[strawberry.ID] = strawberry.field(
        description="The requests it is about; none: every open request"
    )
    assignments: list[DraftAssignment] = strawberry.field(description="By request id")
    adopted: list[AdoptedDraftAssignment] = strawberry.field(description="Once adopted")
    filled_hours: str | None = strawberry.field(
        description="Decimal string: the hours its adoption filled; null until adopted"
    )
    discard_reason: str | None
    started_by: str
    started_at: datetime
    changed_by: str = strawberry.field(description="Who changed it last")
    changed_at: datetime
    closed_by: str | None = strawberry.field(description="Who adopted or discarded it")
    closed_at: datetime | None

    @staticmethod
    def of(row: Row) -> StaffingDraft:
        filled = row["filled_hours"]
        return StaffingDraft(
            id=strawberry.ID(row["id"]),
            version=row["version"],
            name=row["name"],
            status=StaffingDraftStatus(row["status"]),
            from_proposal_id=row["from_proposal_id"],
            request_ids=[strawberry.ID(r) for r in row["request_ids"]],
            assignments=[DraftAssignment.of(a) for a in row["assignments"]],
            adopted=[
                AdoptedDraftAssignment(
                    request_id=strawberry.ID(a["request_id"]),
                    person_id=strawberry.ID(a["person_id"]),
                    allocation_id=a["allocation_id"],
                    over_allocated=bool(a["over_allocated"]),
                )
                for a in row["adopted"]
            ],
            filled_hours=None if filled is None else str(filled),
            discard_reason=row["discard_reason"],
            started_by=row["started_by"],
            started_at=row["started_at"],
            changed_by=row["changed_by"],
            changed_at=row["changed_at"],
            closed_by=row["closed_by"],
            closed_at=row["closed_at"],
        )

    @fields.field("The proposal it started from; null if none or not in the read model")
    async def from_proposal(self, info: GatewayInfo) -> StaffingProposal | None:
        if self.from_proposal_id is None:
            return None
        return await proposal_seen(info, self.from_proposal_id)


@strawberry.type
class StaffingDraftEdge:
    cursor: str
    node: StaffingDraft


@strawberry.type
class StaffingDraftConnection:
    edges: list[StaffingDraftEdge]
    page_info: PageInfo
    wanted: strawberry.Private[DraftFilter | None]  # None: the caller reads none

    @fields.field("The drafts matching the filter that the caller sees, all pages")
    async def total_count(self, info: GatewayInfo) -> int:
        if self.wanted is None:
            return 0
        return await capacity(info).read_model.count_drafts(self.wanted)


async def draft_seen(info: GatewayInfo, draft_id: str) -> StaffingDraft | None:
    """The draft as the caller sees it, read now (no cache); null if unknown or not for them."""
    if not reads_staffing(info):
        return None
    found = (await capacity(info).read_model.drafts_by_ids([draft_id])).get(draft_id)
    return StaffingDraft.of(found) if found is not None else None


# -- the comparison -------------------------------------------------------------------------


@strawberry.type(description="A draft or a proposal, at the version compared")
class StaffingPlanRef:
    kind: StaffingPlanKind
    id: strawberry.ID
    version: int


@strawberry.type(description="A week a plan would overbook a person, with the plan's hours")
class PlanOverbooking:
    person_id: strawberry.ID
    name: str
    week: str
    available_hours: str = strawberry.field(description="Decimal string")
    allocated_hours: str = strawberry.field(description="Decimal string, with the plan's")


@strawberry.type(description="A plan on the capacity picture now")
class StaffingPlanEvaluation:
    value: str = strawberry.field(description="Decimal string: the optimiser's objective")
    filled_hours: str = strawberry.field(description="Decimal string: the hours it books")
    assignments: list[DraftAssignment]
    unfilled: list[strawberry.ID] = strawberry.field(description="Open requests it leaves open")
    closed: list[strawberry.ID] = strawberry.field(description="Requests it assigns, not open")
    ineligible: list[str] = strawberry.field(
        description="Sentences: a person lacking the role or a skill, or gone"
    )
    overbooked: list[PlanOverbooking]
    capacity_position: int = strawberry.field(
        description="The capacity log's position the picture was read at"
    )

    @staticmethod
    def of(data: dict[str, Any]) -> StaffingPlanEvaluation:
        return StaffingPlanEvaluation(
            value=str(data["value"]),
            filled_hours=str(data["filled_hours"]),
            assignments=[DraftAssignment.of(a) for a in data["assignments"]],
            unfilled=[strawberry.ID(r) for r in data["unfilled"]],
            closed=[strawberry.ID(r) for r in data["closed"]],
            ineligible=[str(s) for s in data["ineligible"]],
            overbooked=[
                PlanOverbooking(
                    person_id=strawberry.ID(o["person_id"]),
                    name=o["name"],
                    week=o["week"],
                    available_hours=str(o["available_hours"]),
                    allocated_hours=str(o["allocated_hours"]),
                )
                for o in data["overbooked"]
            ],
            capacity_position=int(data["capacity_position"]),
        )


@strawberry.type(description="Whom each plan gives one request to")
class RequestStaffingComparison:
    request_id: strawberry.ID
    a: DraftAssignment | None
    b: DraftAssignment | None
    same: bool


@strawberry.type(description="Two plans side by side on the capacity picture now; b less a")
class StaffingDraftComparison:
    a: StaffingPlanRef
    b: StaffingPlanRef
    a_evaluation: StaffingPlanEvaluation
    b_evaluation: StaffingPlanEvaluation
    requests: list[RequestStaffingComparison] = strawberry.field(
        description="Every request either plan assigns, by id"
    )
    value_difference: str = strawberry.field(description="Decimal string: b's value less a's")
    filled_hours_difference: str = strawberry.field(description="Decimal string")
    overbooked_weeks_difference: int

    @staticmethod
    def of(data: dict[str, Any]) -> StaffingDraftComparison:
        def ref(plan: dict[str, Any]) -> StaffingPlanRef:
            return StaffingPlanRef(
                kind=StaffingPlanKind(plan["kind"]),
                id=strawberry.ID(plan["id"]),
                version=int(plan["version"]),
            )

        def assignment(found: dict[str, Any] | None) -> DraftAssignment | None:
            return None if found is None else DraftAssignment.of(found)

        return StaffingDraftComparison(
            a=ref(data["a"]),
            b=ref(data["b"]),
            a_evaluation=StaffingPlanEvaluation.of(data["a_evaluation"]),
            b_evaluation=StaffingPlanEvaluation.of(data["b_evaluation"]),
            requests=[
                RequestStaffingComparison(
                    request_id=strawberry.ID(r["request_id"]),
                    a=assignment(r["a"]),
                    b=assignment(r["b"]),
                    same=bool(r["same"]),
                )
                for r in data["requests"]
            ],
            value_difference=str(data["value_difference"]),
            filled_hours_difference=str(data["filled_hours_difference"]),
            overbooked_weeks_difference=int(data["overbooked_weeks_difference"]),
        )


async def comparison_of(
    info: GatewayInfo, a: str, b: str, kind: StaffingPlanKind
) -> StaffingDraftComparison | None:
    """The capacity service's comparison of draft `a` with `b`; null for a caller who reads
    no staffing (nothing is asked) and for an unknown draft or proposal."""
    if not reads_staffing(info):
        return None
    api = info.context.services.capacity_api
    try:
        answer = await api.read(
            COMPARISON_ROUTE,
            {"id": a},
            {"with": b, "kind": kind.value},
            token=info.context.principal().token,
        )
    except GatewayError as error:
        if error.extensions.get("status") == 404:
            return None
        raise
    try:
        return StaffingDraftComparison.of(answer)
    except (KeyError, TypeError, ValueError) as exc:
        raise api.unreadable() from exc


# -- queries --------------------------------------------------------------------------------


@strawberry.type
class DraftQuery:
    @fields.field(
        "Staffing drafts, the latest started first, in pages (Relay), by status and by who "
        "started them; for capacity readers (empty for anyone else)"
    )
    async def staffing_drafts(
        self,
        info: GatewayInfo,
        status: StaffingDraftStatus | None = None,
        started_by: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> StaffingDraftConnection:
        check_page_size(first)
        start = decode_cursor(after) if after is not None else None
        if not reads_staffing(info):
            return StaffingDraftConnection(edges=[], page_info=NO_PAGE, wanted=None)
        wanted = DraftFilter(status.value if status else None, started_by)
        read_model = capacity(info).read_model
        rows = await read_model.drafts(wanted, first + 1, start)
        page = await page_of(
            rows, first, "started_at", start, lambda at: read_model.any_drafts_before(wanted, at)
        )
        return StaffingDraftConnection(
            edges=[
                StaffingDraftEdge(cursor=cursor, node=StaffingDraft.of(row))
                for cursor, row in page.rows
            ],
            page_info=page.info,
            wanted=wanted,
        )

    @fields.field("One staffing draft; null if unknown or the caller is no capacity reader")
    async def staffing_draft(self, info: GatewayInfo, id: strawberry.ID) -> StaffingDraft | None:
        return await draft_seen(info, str(id))

    @fields.field(
        "Draft `a` beside draft `b` (bKind DRAFT, the default) or a proposal's open assignments "
        "(bKind PROPOSAL), "
        "both judged by the capacity service on the capacity picture now: whom each gives each "
        "request to, each one's value, hours and overbooked weeks; null if either is unknown or "
        "the caller is no capacity reader"
    )
    async def staffing_draft_comparison(
        self,
        info: GatewayInfo,
        a: strawberry.ID,
        b: strawberry.ID,
        b_kind: StaffingPlanKind | None = None,
    ) -> StaffingDraftComparison | None:
        return await comparison_of(info, str(a), str(b), b_kind or StaffingPlanKind.DRAFT)
