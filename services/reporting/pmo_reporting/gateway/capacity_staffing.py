"""The staffing read side of the gateway: resource requests, the optimiser's staffing
proposals with the decision on each assignment, and the skills catalogue. schema.py merges
`StaffingQuery` into its `Query`.

Who sees what is the capacity service's rule: requests and proposals are for its readers
(READER_ROLES, pmo_kernel.capacity.access); anyone else finds none (empty lists, null for an
id: the same answer as an unknown one, so nothing is revealed). The people a proposal names
follow the person rule (`PeopleAudience`): `person` is the `Person` when the caller sees them,
and a name the caller may not see is null. The catalogue of skills is for any caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from pmo_reporting.gateway import fields
from pmo_reporting.gateway.access import PeopleAudience
from pmo_reporting.gateway.capacity import Allocation, Person, capacity
from pmo_reporting.gateway.capacity_loads import Row
from pmo_reporting.gateway.capacity_readmodel import RequestFilter
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.pagination import check_page_size, decode_cursor, page_of
from pmo_reporting.gateway.types import PageInfo


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


async def visible_person(info: GatewayInfo, person_id: str | None) -> Person | None:
    if person_id is None:
        return None
    return Person.visible(await capacity(info).person.load(person_id), info)


async def allocation_seen(info: GatewayInfo, allocation_id: str | None) -> Allocation | None:
    if allocation_id is None:
        return None
    row = await capacity(info).allocation.load(allocation_id)
    person = await visible_person(info, row["person_id"]) if row is not None else None
    return Allocation.of(row) if row is not None and person is not None else None


# -- requests -------------------------------------------------------------------------------


@strawberry.enum(description="Open until a person's allocation fills it or it is cancelled")
class ResourceRequestStatus(Enum):
    OPEN = "open"
    FILLED = "filled"
    CANCELLED = "cancelled"


@strawberry.type(description="A skill a request needs, at minLevel (1 to 5) or above")
class RequiredSkill:
    name: str
    min_level: int


@strawberry.type(description="A project's need for a person of a role, with skills")
class ResourceRequest:
    id: strawberry.ID
    version: int
    status: ResourceRequestStatus
    project_id: str
    role: str
    skills: list[RequiredSkill]
    start_week: str
    end_week: str
    hours_per_week: str = strawberry.field(description="Decimal string")
    source: str = strawberry.field(description="direct, or portfolio (an item's plan)")
    note: str | None
    raised_by: str
    raised_at: datetime
    person_id: str | None = strawberry.field(description="Who fills it, once filled")
    allocation_id: str | None = strawberry.field(description="The allocation that fills it")
    cancel_reason: str | None
    cancelled_by: str | None

    @staticmethod
    def of(row: Row) -> ResourceRequest:
        return ResourceRequest(
            id=strawberry.ID(row["id"]),
            version=row["version"],
            status=ResourceRequestStatus(row["status"]),
            project_id=row["project_id"],
            role=row["role"],
            skills=[RequiredSkill(name=s["name"], min_level=s["min_level"]) for s in row["skills"]],
            start_week=row["start_week"],
            end_week=row["end_week"],
            hours_per_week=str(row["hours_per_week"]),
            source=row["source"],
            note=row["note"],
            raised_by=row["raised_by"],
            raised_at=row["raised_at"],
            person_id=row["person_id"],
            allocation_id=row["allocation_id"],
            cancel_reason=row["cancel_reason"],
            cancelled_by=row["cancelled_by"],
        )

    @staticmethod
    def visible(row: Row | None, info: GatewayInfo) -> ResourceRequest | None:
        return ResourceRequest.of(row) if row is not None and reads_staffing(info) else None

    @fields.field("The person filling it, as the Person type; null unless the caller sees them")
    async def person(self, info: GatewayInfo) -> Person | None:
        return await visible_person(info, self.person_id)

    @fields.field("The allocation filling it; null unless the caller sees its person")
    async def allocation(self, info: GatewayInfo) -> Allocation | None:
        return await allocation_seen(info, self.allocation_id)


@strawberry.type
class ResourceRequestEdge:
    cursor: str
    node: ResourceRequest


@strawberry.type
class ResourceRequestConnection:
    edges: list[ResourceRequestEdge]
    page_info: PageInfo
    wanted: strawberry.Private[RequestFilter | None]  # None: the caller reads none

    @fields.field("The requests matching the filter that the caller sees, all pages")
    async def total_count(self, info: GatewayInfo) -> int:
        if self.wanted is None:
            return 0
        return await capacity(info).read_model.count_requests(self.wanted)


# -- proposals ------------------------------------------------------------------------------


@strawberry.enum(description="What became of a proposed assignment")
class AssignmentDecision(Enum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@strawberry.type(description="Someone else who could have taken the request, and why not")
class ProposedAlternative:
    person_id: strawberry.ID
    name: str | None = strawberry.field(description="Null unless the caller sees the person")
    value: str = strawberry.field(description="Decimal string: their value for the request")
    why_not: str
    visible: strawberry.Private[bool]

    @fields.field("The person, as the Person type; null unless the caller sees them")
    async def person(self, info: GatewayInfo) -> Person | None:
        return await visible_person(info, str(self.person_id)) if self.visible else None


@strawberry.type(description="One request given to one person for all its weeks, and why")
class ProposedAssignment:
    request_id: strawberry.ID
    project_id: str
    person_id: strawberry.ID
    person_name: str | None = strawberry.field(description="Null unless the caller sees the person")
    role: str
    start_week: str
    end_week: str
    hours_per_week: str = strawberry.field(description="Decimal string")
    value: str = strawberry.field(description="Decimal string: this assignment's value")
    reasons: list[str]
    alternatives: list[ProposedAlternative]
    decision: AssignmentDecision
    decided_by: str | None
    decided_at: datetime | None
    decline_reason: str | None
    allocation_id: str | None = strawberry.field(description="The allocation, once accepted")
    visible: strawberry.Private[bool]

    @fields.field("The person proposed, as the Person type; null unless the caller sees them")
    async def person(self, info: GatewayInfo) -> Person | None:
        return await visible_person(info, str(self.person_id)) if self.visible else None

    @fields.field("The allocation the acceptance made; null unless the caller sees its person")
    async def allocation(self, info: GatewayInfo) -> Allocation | None:
        return await allocation_seen(info, self.allocation_id) if self.visible else None


@strawberry.type(description="A request the proposal leaves unfilled, and why nobody took it")
class UnfilledRequest:
    request_id: strawberry.ID
    project_id: str
    role: str
    reason: str


@strawberry.type(description="Hours of a role (and skill) in a month the proposal leaves unmet")
class UnfilledHours:
    role: str
    skill: str | None
    month: str
    hours: str = strawberry.field(description="Decimal string")


@strawberry.type(description="The optimiser's staffing of open requests, beside a greedy one")
class StaffingProposal:
    id: strawberry.ID
    version: int
    request_ids: list[strawberry.ID]
    assignments: list[ProposedAssignment]
    unfilled: list[UnfilledRequest]
    unfilled_demand: list[UnfilledHours]
    value: str = strawberry.field(description="Decimal string: the proposal's total value")
    greedy_value: str = strawberry.field(description="Decimal string: the greedy baseline's")
    value_gap_percent: str | None = strawberry.field(
        description="How much better than the greedy baseline; null when that is worth 0"
    )
    optimal: bool = strawberry.field(description="Whether the solver proved it optimal")
    solver: str
    solve_seconds: str = strawberry.field(description="Decimal string")
    mip_gap_percent: str | None = strawberry.field(
        description="Decimal string: for a proposal not proven optimal (the solver stopped at "
        "its time limit), how far below the best its value may be, against the solver's bound; "
        "null when proven optimal or not recorded"
    )
    capacity_position: int = strawberry.field(
        description="The capacity log's position the proposal's picture was read at"
    )
    proposed_by: str
    proposed_at: datetime

    @staticmethod
    def of(row: Row, audience: PeopleAudience, people: dict[str, Row]) -> StaffingProposal:
        """`people`: the read model's rows of the people it names (the person rule needs
        their line manager; one unknown to the read model is seen by readers only)."""
        body, decisions = row["body"], row["decisions"]

        def sees(person_id: str) -> bool:
            found = people.get(person_id)
            return audience.everyone if found is None else audience.sees(found)

        return StaffingProposal(
            id=strawberry.ID(row["id"]),
            version=row["version"],
            request_ids=[strawberry.ID(r) for r in body["request_ids"]],
            assignments=[
                _assignment(a, decisions.get(a["request_id"]), sees) for a in body["assignments"]
            ],
            unfilled=[
                UnfilledRequest(
                    request_id=strawberry.ID(u["request_id"]),
                    project_id=u["project_id"],
                    role=u["role"],
                    reason=u["reason"],
                )
                for u in body["unfilled"]
            ],
            unfilled_demand=[
                UnfilledHours(role=u["role"], skill=u["skill"], month=u["month"], hours=u["hours"])
                for u in body["unfilled_demand"]
            ],
            value=str(body["value"]),
            greedy_value=str(body["greedy_value"]),
            value_gap_percent=_text(body["value_gap_percent"]),
            optimal=bool(body["optimal"]),
            solver=body["solver"],
            solve_seconds=str(body["solve_seconds"]),
            mip_gap_percent=_text(body.get("mip_gap_percent")),
            capacity_position=int(body["capacity_position"]),
            proposed_by=row["proposed_by"],
            proposed_at=row["proposed_at"],
        )


def _assignment(
    body: dict[str, Any], decided: dict[str, Any] | None, sees: Callable[[str], bool]
) -> ProposedAssignment:
    visible = sees(body["person_id"])
    decided = decided or {}
    return ProposedAssignment(
        request_id=strawberry.ID(body["request_id"]),
        project_id=body["project_id"],
        person_id=strawberry.ID(body["person_id"]),
        person_name=body["person_name"] if visible else None,
        role=body["role"],
        start_week=body["start_week"],
        end_week=body["end_week"],
        hours_per_week=str(body["hours_per_week"]),
        value=str(body["value"]),
        reasons=list(body["reasons"]),
        alternatives=[
            ProposedAlternative(
                person_id=strawberry.ID(a["person_id"]),
                name=a["name"] if sees(a["person_id"]) else None,
                value=str(a["value"]),
                why_not=a["why_not"],
                visible=sees(a["person_id"]),
            )
            for a in body["alternatives"]
        ],
        decision=AssignmentDecision(decided.get("decision", "open")),
        decided_by=decided.get("by"),
        decided_at=datetime.fromisoformat(decided["at"]) if decided.get("at") else None,
        decline_reason=decided.get("reason"),
        allocation_id=decided.get("allocation_id"),
        visible=visible,
    )


def named_people(rows: Sequence[Row]) -> list[str]:
    """Everyone the proposals of `rows` name: assigned or alternative."""
    found: dict[str, None] = {}
    for row in rows:
        for a in row["body"]["assignments"]:
            found[a["person_id"]] = None
            for alternative in a["alternatives"]:
                found[alternative["person_id"]] = None
    return list(found)


async def proposals_seen(info: GatewayInfo, rows: Sequence[Row]) -> list[StaffingProposal]:
    """The proposals of `rows` as the caller sees them (one read of the people they name)."""
    audience = info.context.people_audience()
    loaded = await capacity(info).person.load_many(named_people(rows))
    people = {row["id"]: row for row in loaded if row is not None}
    return [StaffingProposal.of(row, audience, people) for row in rows]


@strawberry.type
class StaffingProposalEdge:
    cursor: str
    node: StaffingProposal


@strawberry.type
class StaffingProposalConnection:
    edges: list[StaffingProposalEdge]
    page_info: PageInfo
    readable: strawberry.Private[bool]

    @fields.field("The proposals the caller sees, all pages")
    async def total_count(self, info: GatewayInfo) -> int:
        return await capacity(info).read_model.count_proposals() if self.readable else 0


@strawberry.type(description="A skill of the catalogue: people may have it, requests need it")
class CatalogueSkill:
    name: str
    description: str | None
    added_by: str
    added_at: datetime


NO_PAGE = PageInfo(has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None)


def reads_staffing(info: GatewayInfo) -> bool:
    """Requests and proposals are for the capacity readers (READER_ROLES)."""
    return info.context.people_audience().everyone


# -- queries --------------------------------------------------------------------------------


@strawberry.type
class StaffingQuery:
    @fields.field(
        "Resource requests, the latest raised first, in pages (Relay); for capacity readers "
        "(empty for anyone else)"
    )
    async def resource_requests(
        self,
        info: GatewayInfo,
        status: ResourceRequestStatus | None = None,
        project_id: str | None = None,
        role: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> ResourceRequestConnection:
        check_page_size(first)
        start = decode_cursor(after) if after is not None else None
        if not reads_staffing(info):
            return ResourceRequestConnection(edges=[], page_info=NO_PAGE, wanted=None)
        wanted = RequestFilter(status.value if status else None, project_id, role)
        read_model = capacity(info).read_model
        rows = await read_model.requests(wanted, first + 1, start)
        page = await page_of(
            rows, first, "raised_at", start, lambda at: read_model.any_requests_before(wanted, at)
        )
        return ResourceRequestConnection(
            edges=[
                ResourceRequestEdge(cursor=cursor, node=ResourceRequest.of(row))
                for cursor, row in page.rows
            ],
            page_info=page.info,
            wanted=wanted,
        )

    @fields.field("One resource request; null if unknown or the caller is no capacity reader")
    async def resource_request(
        self, info: GatewayInfo, id: strawberry.ID
    ) -> ResourceRequest | None:
        return await request_seen(info, str(id))

    @fields.field(
        "Staffing proposals, the latest first, in pages (Relay); for capacity readers (empty "
        "for anyone else)"
    )
    async def staffing_proposals(
        self, info: GatewayInfo, first: int = 20, after: str | None = None
    ) -> StaffingProposalConnection:
        check_page_size(first)
        start = decode_cursor(after) if after is not None else None
        if not reads_staffing(info):
            return StaffingProposalConnection(edges=[], page_info=NO_PAGE, readable=False)
        read_model = capacity(info).read_model
        rows = await read_model.proposals(first + 1, start)
        page = await page_of(rows, first, "proposed_at", start, read_model.any_proposals_before)
        nodes = await proposals_seen(info, [row for _, row in page.rows])
        return StaffingProposalConnection(
            edges=[
                StaffingProposalEdge(cursor=cursor, node=node)
                for (cursor, _), node in zip(page.rows, nodes, strict=True)
            ],
            page_info=page.info,
            readable=True,
        )

    @fields.field("One staffing proposal; null if unknown or the caller is no capacity reader")
    async def staffing_proposal(
        self, info: GatewayInfo, id: strawberry.ID
    ) -> StaffingProposal | None:
        return await proposal_seen(info, str(id))

    @fields.field("The skills catalogue, by name")
    async def skills(self, info: GatewayInfo) -> list[CatalogueSkill]:
        rows = await capacity(info).read_model.skills()
        return [
            CatalogueSkill(
                name=r["name"],
                description=r["description"],
                added_by=r["added_by"],
                added_at=r["added_at"],
            )
            for r in rows
        ]


async def proposal_seen(info: GatewayInfo, proposal_id: str) -> StaffingProposal | None:
    """The proposal as the caller sees it, read now (no loader cache); null if unknown or
    not for them."""
    if not reads_staffing(info):
        return None
    found = (await capacity(info).read_model.proposals_by_ids([proposal_id])).get(proposal_id)
    return (await proposals_seen(info, [found]))[0] if found is not None else None


async def request_seen(info: GatewayInfo, request_id: str) -> ResourceRequest | None:
    """The request as the caller sees it, read now; null if unknown or not for them."""
    if not reads_staffing(info):
        return None
    found = await capacity(info).read_model.requests_by_ids([request_id])
    return ResourceRequest.visible(found.get(request_id), info)
