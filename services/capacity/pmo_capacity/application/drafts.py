"""Staffing drafts: what-if plans that change nothing until adopted, evaluated and compared on
the capacity picture as it is now.

A draft's commands append to its own stream only. Adopting it is the accept path of a
proposal (`staffing.book`) for every assignment at once, in one atomic append to the draft,
each request and each person: every allocation is checked against the person's availability
*now*, after the draft's other assignments to them; if any would overbook, the adoption is
refused with one `OverAllocation` naming every person and week, and nothing is written, unless
the caller accepts over-allocation (then those allocations are flagged, as the allocation rule
does).

Evaluating a plan (a draft's assignments, or a proposal's still open ones) folds nothing into
the store: it scores the plan with the optimiser's objective (`staffing.value_of`: who fills
which request, as the optimiser counts it, on the requests as raised), adds up the hours it
books (the plan's own hours and weeks), lists the requests it leaves open, and dry-runs the
allocations on copies of the people to name the weeks it would overbook now.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal, Self
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pmo_capacity.application.staffing import (
    STAFFERS,
    Picture,
    StaffingService,
    book,
    problem_of,
    save_all,
)
from pmo_capacity.domain import (
    AllocationProposed,
    OverAllocation,
    Person,
    RequestStatus,
    ResourceRequest,
    WorkingCalendar,
)
from pmo_capacity.domain.draft import StaffingDraft, hours_of
from pmo_capacity.domain.draft_events import AdoptedAssignment, DraftAssignment
from pmo_capacity.domain.model import Hours, IsoWeek, Name, monday_of
from pmo_capacity.domain.proposal import StaffingProposal
from pmo_capacity.staffing import Pair, value_of
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.application import CommandContext, Repository, event_metadata
from pmo_kernel.errors import DomainError, InvalidTransition

ZERO = Decimal(0)
DRAFTERS = STAFFERS  # who may start, change, adopt and discard drafts: who may propose
Id = Annotated[str, Field(min_length=1, max_length=200)]


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class StartDraft(_Command):
    """An empty draft, or one with the open assignments of a saved proposal."""

    name: Name
    from_proposal_id: Id | None = None


class AssignInDraft(_Command):
    """Give a request to a person in the draft: the request's hours and weeks unless told."""

    request_id: Id
    person_id: Id
    hours_per_week: Annotated[Hours, Field(gt=0)] | None = None
    start_week: IsoWeek | None = None
    end_week: IsoWeek | None = None

    @model_validator(mode="after")
    def _a_forward_range(self) -> Self:
        if (
            self.start_week
            and self.end_week
            and monday_of(self.end_week) < monday_of(self.start_week)
        ):
            raise ValueError("end_week may not be before start_week")
        return self


class UnassignInDraft(_Command):
    pass


class RenameDraft(_Command):
    name: Name


class DiscardDraft(_Command):
    reason: Annotated[str, Field(max_length=1000)] | None = None


class AdoptDraft(_Command):
    accept_over_allocation: bool = False


@dataclass(frozen=True)
class DraftResult:
    draft_id: str
    version: int
    event_ids: tuple[str, ...]
    # An adoption's other streams, "<type>/<id>" -> version after it, and what it made.
    moved: tuple[tuple[str, int], ...] = ()
    adopted: tuple[AdoptedAssignment, ...] = ()


@dataclass(frozen=True)
class Overbooking:
    person_id: str
    name: str
    week: str
    available_hours: Decimal
    allocated_hours: Decimal  # with the plan's assignments


@dataclass(frozen=True)
class Evaluation:
    """A plan on the capacity picture now (module doc)."""

    value: Decimal
    filled_hours: Decimal
    assignments: tuple[DraftAssignment, ...]
    unfilled: tuple[str, ...]  # open requests of its scope it gives to nobody
    closed: tuple[str, ...]  # requests it assigns that are no longer open
    ineligible: tuple[str, ...]  # sentences: a person lacking the role, a skill, or gone
    overbooked: tuple[Overbooking, ...]
    capacity_position: int


@dataclass(frozen=True)
class Plan:
    """What can be evaluated: a draft, or a proposal's open assignments."""

    kind: Literal["draft", "proposal"]
    id: str
    version: int
    request_ids: tuple[str, ...]  # its scope: none means every open request
    assignments: tuple[DraftAssignment, ...]

    @classmethod
    def of_draft(cls, draft: StaffingDraft) -> Plan:
        return cls(
            "draft", draft.id, draft.version, draft.request_ids,
            tuple(draft.assignments[r] for r in sorted(draft.assignments)),
        )  # fmt: skip

    @classmethod
    def of_proposal(cls, proposal: StaffingProposal) -> Plan:
        return cls(
            "proposal", proposal.id, proposal.version, proposal.proposed.request_ids
            if proposal.proposed else (), tuple(open_assignments(proposal)),
        )  # fmt: skip


@dataclass(frozen=True)
class RequestComparison:
    request_id: str
    a: DraftAssignment | None
    b: DraftAssignment | None

    @property
    def same(self) -> bool:
        return self.a == self.b


@dataclass(frozen=True)
class Comparison:
    a: Plan
    b: Plan
    a_evaluation: Evaluation
    b_evaluation: Evaluation
    requests: tuple[RequestComparison, ...]  # every request either assigns, by id

    @property
    def value_difference(self) -> Decimal:
        return self.b_evaluation.value - self.a_evaluation.value

    @property
    def filled_hours_difference(self) -> Decimal:
        return self.b_evaluation.filled_hours - self.a_evaluation.filled_hours

    @property
    def overbooked_weeks_difference(self) -> int:
        return len(self.b_evaluation.overbooked) - len(self.a_evaluation.overbooked)


def open_assignments(proposal: StaffingProposal) -> list[DraftAssignment]:
    """A proposal's assignments not yet accepted or declined, as a draft holds them."""
    made = proposal.proposed
    if made is None:
        return []
    fields = ("request_id", "project_id", "person_id", "start_week", "end_week", "hours_per_week")
    return [
        DraftAssignment(**{f: getattr(a, f) for f in fields})
        for a in made.assignments
        if a.request_id not in proposal.accepted and a.request_id not in proposal.declined
    ]


def _overbooked(picture: Picture, assignments: Sequence[DraftAssignment]) -> list[Overbooking]:
    """The person-weeks the assignments would overbook now: booked as adopting would
    (`book_all`), on copies of the people and requests."""
    people = {
        a.person_id: copy.deepcopy(picture.people[a.person_id])
        for a in assignments
        if a.person_id in picture.people
    }
    known = [a for a in assignments if a.person_id in people]
    requests = {a.request_id: copy.deepcopy(picture.requests[a.request_id]) for a in known}
    already = {p: len(person.pending) for p, person in people.items()}
    book_all(
        "evaluation", known, people, picture.calendars, requests, "evaluation", None,
        accept_over_allocation=True,
    )  # fmt: skip
    worst: dict[tuple[str, str], Overbooking] = {}
    for person in people.values():
        # Only what the plan booked; a later allocation's week includes the earlier ones.
        for event in person.pending[already[person.id] :]:
            if isinstance(event, AllocationProposed):
                for week in event.overbooked_weeks:
                    worst[person.id, week.week] = Overbooking(
                        person.id, person.name, week.week, week.available_hours,
                        week.allocated_hours,
                    )  # fmt: skip
    return [worst[key] for key in sorted(worst)]


def evaluate(picture: Picture, plan: Plan) -> Evaluation:
    """The plan on `picture` (module doc)."""
    return evaluate_in(picture, plan, scope_of(picture, [plan]))


def scope_of(picture: Picture, plans: Sequence[Plan]) -> tuple[str, ...]:
    """The requests plans are judged on: those they name or assign; every open one if none."""
    named = {r for plan in plans for r in plan.request_ids}
    named |= {a.request_id for plan in plans for a in plan.assignments}
    if not any(plan.request_ids for plan in plans):
        named |= {r.id for r in picture.requests.values() if r.status is RequestStatus.OPEN}
    return tuple(sorted(r for r in named if r in picture.requests))


def evaluate_in(picture: Picture, plan: Plan, scope: Sequence[str]) -> Evaluation:
    """The plan judged on the requests of `scope` (the same for two plans compared)."""
    requests = [picture.requests[r] for r in scope]
    is_open = {r.id for r in requests if r.status is RequestStatus.OPEN}
    live = [a for a in plan.assignments if a.request_id in is_open]
    closed = tuple(a.request_id for a in plan.assignments if a.request_id not in is_open)
    value, ineligible = ZERO, []
    if is_open:
        problem = problem_of(picture, [r for r in requests if r.id in is_open], None)
        pairs = []
        for a in live:
            candidate = problem.person.get(a.person_id)
            if candidate is None:
                ineligible.append(f"{a.person_id} is not there in the weeks of {a.request_id}")
                continue
            if not candidate.qualifies_for(problem.need[a.request_id]):
                ineligible.append(
                    f"{candidate.name} lacks the role or a skill {a.request_id} asks for"
                )
            pairs.append(Pair(a.request_id, a.person_id))
        value = value_of(problem, pairs)
    assigned = {a.request_id for a in plan.assignments}
    return Evaluation(
        value=value,
        filled_hours=sum((hours_of(a) for a in live), ZERO),
        assignments=plan.assignments,
        unfilled=tuple(r for r in scope if r in is_open and r not in assigned),
        closed=closed,
        ineligible=tuple(ineligible),
        overbooked=tuple(_overbooked(picture, live)),
        capacity_position=picture.position,
    )


def compare(picture: Picture, a: Plan, b: Plan) -> Comparison:
    scope = scope_of(picture, [a, b])
    by_a = {x.request_id: x for x in a.assignments}
    by_b = {x.request_id: x for x in b.assignments}
    return Comparison(
        a, b, evaluate_in(picture, a, scope), evaluate_in(picture, b, scope),
        tuple(
            RequestComparison(r, by_a.get(r), by_b.get(r)) for r in sorted({*by_a, *by_b})
        ),
    )  # fmt: skip


class DraftService:
    def __init__(self, staffing: StaffingService) -> None:
        self.staffing = staffing
        self.store = staffing.store
        self.drafts = Repository(self.store, StaffingDraft, "staffing draft")

    async def draft(self, draft_id: str) -> StaffingDraft:
        return await self.drafts.get(draft_id)

    async def all(self) -> list[StaffingDraft]:
        return await self.drafts.load_all()

    async def start(self, command: StartDraft, ctx: CommandContext) -> DraftResult:
        ctx.principal.require_any(DRAFTERS, "starting a staffing draft")
        request_ids: tuple[str, ...] = ()
        assignments: list[DraftAssignment] = []
        if command.from_proposal_id is not None:
            proposal = await self.staffing.proposal(command.from_proposal_id)
            request_ids = proposal.proposed.request_ids if proposal.proposed else ()
            assignments = open_assignments(proposal)
        draft = StaffingDraft.start(
            str(uuid4()), command.name, ctx.principal.subject, ctx.now,
            from_proposal_id=command.from_proposal_id, request_ids=request_ids,
            assignments=assignments,
        )  # fmt: skip
        return await self._save(draft, ctx)

    async def assign(
        self, draft_id: str, command: AssignInDraft, ctx: CommandContext
    ) -> DraftResult:
        ctx.principal.require_any(DRAFTERS, "changing a staffing draft")
        draft = await self.drafts.get(draft_id, ctx)
        request = await self.staffing.requests.get(command.request_id)
        await self.staffing.people.get(command.person_id)
        if request.status is not RequestStatus.OPEN:
            raise InvalidTransition(
                f"request {request.id} is {request.status.value}: a draft assigns open ones",
                request_id=request.id,
                state=request.status.value,
            )
        start = command.start_week or request.start_week
        end = command.end_week or request.end_week
        if monday_of(end) < monday_of(start):
            raise DomainError(f"the assignment would end ({end}) before it starts ({start})")
        assignment = DraftAssignment(
            request_id=request.id, project_id=request.project_id, person_id=command.person_id,
            start_week=start, end_week=end,
            hours_per_week=command.hours_per_week or request.hours_per_week,
        )  # fmt: skip
        draft.assign(assignment, ctx.principal.subject, ctx.now)
        return await self._save(draft, ctx)

    async def unassign(self, draft_id: str, request_id: str, ctx: CommandContext) -> DraftResult:
        ctx.principal.require_any(DRAFTERS, "changing a staffing draft")
        draft = await self.drafts.get(draft_id, ctx)
        draft.unassign(request_id, ctx.principal.subject, ctx.now)
        return await self._save(draft, ctx)

    async def rename(self, draft_id: str, command: RenameDraft, ctx: CommandContext) -> DraftResult:
        ctx.principal.require_any(DRAFTERS, "renaming a staffing draft")
        draft = await self.drafts.get(draft_id, ctx)
        draft.rename(command.name, ctx.principal.subject, ctx.now)
        return await self._save(draft, ctx)

    async def discard(
        self, draft_id: str, command: DiscardDraft, ctx: CommandContext
    ) -> DraftResult:
        ctx.principal.require_any(DRAFTERS, "discarding a staffing draft")
        draft = await self.drafts.get(draft_id, ctx)
        draft.discard(command.reason, ctx.principal.subject, ctx.now)
        return await self._save(draft, ctx)

    async def adopt(self, draft_id: str, command: AdoptDraft, ctx: CommandContext) -> DraftResult:
        """Every assignment booked and filled in one append, or nothing (module doc)."""
        ctx.principal.require_any(DRAFTERS, "adopting a staffing draft")
        draft = await self.drafts.get(draft_id, ctx)
        assignments = draft.require_adoptable()
        staffing = self.staffing
        requests: dict[str, ResourceRequest] = {}
        people: dict[str, Person] = {}
        for assignment in assignments:
            requests[assignment.request_id] = await staffing.requests.get(assignment.request_id)
            if assignment.person_id not in people:
                people[assignment.person_id] = await staffing.people.get(assignment.person_id)
        closed = [r for r, request in requests.items() if request.status is not RequestStatus.OPEN]
        if closed:
            raise InvalidTransition(
                f"requests {', '.join(closed)} are no longer open: change the draft first",
                request_ids=closed,
            )
        by, now = ctx.principal.subject, ctx.now
        calendars = {
            c: await staffing.calendars.get(c)
            for c in sorted({p.calendar_id for p in people.values()})
        }
        adopted = book_all(
            draft.id, assignments, people, calendars, requests, by, now,
            accept_over_allocation=command.accept_over_allocation,
        )  # fmt: skip
        draft.adopt(adopted, by, now)
        moved: list[Aggregate] = [draft, *requests.values(), *people.values()]
        results, ids = await save_all(self.store, event_metadata(ctx), moved)
        others = zip(moved[1:], results[1:], strict=True)
        return DraftResult(
            draft.id, results[0].version, tuple(ids),
            tuple((f"{a.stream_type}/{a.id}", r.version) for a, r in others), tuple(adopted),
        )  # fmt: skip

    async def evaluation(self, draft_id: str) -> tuple[StaffingDraft, Evaluation]:
        draft = await self.drafts.get(draft_id)
        return draft, evaluate(await self.staffing.picture(), Plan.of_draft(draft))

    async def comparison(
        self, draft_id: str, other_id: str, other_kind: Literal["draft", "proposal"]
    ) -> Comparison:
        a = Plan.of_draft(await self.drafts.get(draft_id))
        if other_kind == "draft":
            b = Plan.of_draft(await self.drafts.get(other_id))
        else:
            b = Plan.of_proposal(await self.staffing.proposal(other_id))
        return compare(await self.staffing.picture(), a, b)

    async def _save(self, draft: StaffingDraft, ctx: CommandContext) -> DraftResult:
        results, ids = await save_all(self.store, event_metadata(ctx), [draft])
        return DraftResult(draft.id, results[0].version, tuple(ids))


def book_all(
    draft_id: str,
    assignments: Sequence[DraftAssignment],
    people: Mapping[str, Person],
    calendars: Mapping[str, WorkingCalendar],
    requests: Mapping[str, ResourceRequest],
    by: str,
    now: datetime | None,
    *,
    accept_over_allocation: bool,
) -> list[AdoptedAssignment]:
    """Book every assignment on its person and fill its request (the aggregates record; the
    caller appends them with the draft). Each allocation is checked after the ones before it
    (by request id), so two of the draft's assignments to one person add up. Raises one
    OverAllocation naming every person and week it would overbook, unless accepted."""
    adopted: list[AdoptedAssignment] = []
    overbooked: dict[str, list[dict[str, str]]] = {}
    for assignment in assignments:
        person = people[assignment.person_id]
        allocation_id = str(uuid4())
        book(
            person, calendars[person.calendar_id], requests[assignment.request_id],
            allocation_id, assignment, by, now, accept_over_allocation=True,
        )  # fmt: skip
        proposed = person.pending[-1]
        assert isinstance(proposed, AllocationProposed)
        for week in proposed.overbooked_weeks:
            overbooked.setdefault(person.id, []).append(week.model_dump(mode="json"))
        adopted.append(
            AdoptedAssignment(
                request_id=assignment.request_id, person_id=person.id,
                allocation_id=allocation_id, over_allocated=proposed.over_allocated,
            )
        )  # fmt: skip
    if overbooked and not accept_over_allocation:
        raise _overallocation(draft_id, people, overbooked)
    return adopted


def _overallocation(
    draft_id: str,
    people: Mapping[str, Person],
    overbooked: dict[str, list[dict[str, str]]],
) -> OverAllocation:
    named = "; ".join(
        f"{people[p].name} in {', '.join(w['week'] for w in weeks)}"
        for p, weeks in sorted(overbooked.items())
    )
    return OverAllocation(
        f"adopting draft {draft_id} overbooks {named}: send accept_over_allocation=true to "
        "adopt anyway (those allocations flagged over-allocated)",
        draft_id=draft_id,
        overbooked=[
            {"person_id": p, "name": people[p].name, "weeks": weeks}
            for p, weeks in sorted(overbooked.items())
        ],
    )
