"""Staffing proposals: read the capacity picture, solve, save; accept request by request.

Proposing reads every person, calendar and open resource request (one read per stream type),
turns them into a `StaffingProblem` (each person's spare hours per week = availability less
the allocations they already hold, soft and hard), solves it exactly and greedily on the same
picture (the solvers are CPU-bound: they run in a worker thread, not on the event loop) and
records the answer as one `StaffingProposed` event. Nothing else is written: a proposal is
advice until an assignment is accepted.

Accepting one assignment is one atomic append to three streams (all or nothing): the person
gets a soft allocation (checked against their availability *now*: if their picture changed
since the proposal and the allocation would overbook them, it is refused as any other), the
request is filled by it, and the proposal records the acceptance.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Protocol, TypeVar
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field

from pmo_capacity.domain import (
    Person,
    ProposeAllocation,
    RequestStatus,
    ResourceRequest,
    WorkingCalendar,
    weeks_between,
)
from pmo_capacity.domain.model import Name, monday_of
from pmo_capacity.domain.proposal import StaffingProposal
from pmo_capacity.domain.proposal_events import (
    ProposedAlternative,
    ProposedAssignment,
    StaffingProposed,
    UnfilledHours,
    UnfilledRequest,
)
from pmo_capacity.staffing import (
    Candidate,
    Need,
    StaffingPlan,
    StaffingProblem,
    solve_greedy,
    solve_optimal,
    unfilled_demand,
)
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.application import CommandContext, Repository, event_metadata, save_together
from pmo_kernel.errors import DomainError, NotFound
from pmo_kernel.events import EventMetadata, utcnow
from pmo_kernel.recorded import RecordedEvent
from pmo_kernel.store import AppendResult, EventStore, NewEvent, StreamAppend
from pmo_kernel.store.event_ids import new_event_id

ZERO = Decimal(0)
CENT = Decimal("0.01")
STAFFERS = frozenset({"resource_manager", "pmo_analyst", "admin"})
# Past this HiGHS stops and the better of its best plan and the greedy one is saved, marked not
# proven optimal: a proposal is asked for over HTTP (the gateway waits 10 s), and an
# oversubscribed picture (the demo: 329 requests for 40 people) is not proven within a minute.
SOLVE_SECONDS = 7.0
# A caller may give the solver another budget, within these bounds (the gateway waits 10 s for
# a command; a longer budget is for REST callers willing to wait).
MIN_SOLVE_SECONDS, MAX_SOLVE_SECONDS = 1, 60
MAX_REQUESTS = 500

A = TypeVar("A", bound=Aggregate)
RequestId = Annotated[str, Field(min_length=1, max_length=200)]


class ProposeStaffing(BaseModel):
    """Which open requests to staff (all open ones when none is named), from which team."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    request_ids: Annotated[list[RequestId], Field(max_length=MAX_REQUESTS)] | None = None
    team: Name | None = None
    time_limit_seconds: (
        Annotated[Decimal, Field(ge=MIN_SOLVE_SECONDS, le=MAX_SOLVE_SECONDS, decimal_places=1)]
        | None
    ) = None  # the solver's budget; the service's default (7 s) when left out


class DeclineAssignment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    reason: Annotated[str, Field(max_length=1000)] | None = None


class AcceptAssignment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True)
class Picture:
    """The capacity as read for one proposal, with the log position it was read up to."""

    people: dict[str, Person]
    calendars: dict[str, WorkingCalendar]
    requests: dict[str, ResourceRequest]
    position: int


@dataclass(frozen=True)
class ProposalResult:
    proposal_id: str
    version: int
    event_ids: tuple[str, ...]
    allocation_id: str | None = None
    # An acceptance also appends to the person (the allocation) and the request (filled):
    # their versions after it, for callers that wait for a read model to have them.
    person_id: str | None = None
    person_version: int | None = None
    request_id: str | None = None
    request_version: int | None = None


def _folded(factory: type[A], streams: dict[str, list[RecordedEvent]]) -> tuple[dict[str, A], int]:
    position = max((e.global_position for events in streams.values() for e in events), default=0)
    return {sid: factory.load(sid, events) for sid, events in streams.items()}, position


def problem_of(
    picture: Picture, requests: Sequence[ResourceRequest], team: str | None
) -> StaffingProblem:
    """The optimiser's view of `requests` against everyone's spare hours in their weeks."""
    needs = tuple(
        Need(
            request_id=r.id,
            project_id=r.project_id,
            role=r.role.value,
            skills={s.name.casefold(): s.min_level for s in r.skills},
            weeks=tuple(weeks_between(r.start_week, r.end_week)),
            hours_per_week=r.hours_per_week,
        )
        for r in requests
    )
    first = min((n.weeks[0] for n in needs), key=monday_of)
    last = max((n.weeks[-1] for n in needs), key=monday_of)
    candidates = []
    for person in picture.people.values():
        if team is not None and person.team != team:
            continue
        if person.last_day is not None and person.last_day < monday_of(first):
            continue
        calendar = picture.calendars[person.calendar_id]
        spare = {
            load.week: max(ZERO, load.available_hours - load.allocated_hours)
            for load in person.loads(calendar, first, last)
        }
        candidates.append(
            Candidate(
                person_id=person.id,
                name=person.name,
                roles=frozenset(role.value for role in person.roles),
                skills={skill.name.casefold(): skill.level for skill in person.skills},
                spare_hours={week: hours for week, hours in spare.items() if hours > 0},
                projects=frozenset(
                    a.project_id for a in person.allocations.values() if not a.released
                ),
            )
        )
    return StaffingProblem(candidates=tuple(candidates), needs=needs)


def _gap(value: Decimal, baseline: Decimal) -> Decimal | None:
    if baseline == 0:
        return None
    return ((value - baseline) / baseline * 100).quantize(CENT)


def proposed_event(
    proposal_id: str,
    problem: StaffingProblem,
    requests: dict[str, ResourceRequest],
    people: dict[str, Person],
    optimal: StaffingPlan,
    greedy: StaffingPlan,
    position: int,
    by: str,
    time_limit: Decimal | None = None,
) -> StaffingProposed:
    def name(person_id: str) -> str:
        return people[person_id].name

    assignments = []
    for a in optimal.assignments:
        request = requests[a.request_id]
        assignments.append(
            ProposedAssignment(
                request_id=a.request_id,
                project_id=request.project_id,
                person_id=a.person_id,
                person_name=name(a.person_id),
                role=request.role,
                start_week=request.start_week,
                end_week=request.end_week,
                hours_per_week=request.hours_per_week,
                value=a.value,
                reasons=a.reasons,
                alternatives=tuple(
                    ProposedAlternative(
                        person_id=alt.person_id,
                        name=name(alt.person_id),
                        value=alt.value,
                        why_not=alt.why_not,
                    )
                    for alt in a.alternatives
                ),
            )
        )
    return StaffingProposed(
        proposal_id=proposal_id,
        request_ids=tuple(sorted(requests)),
        assignments=tuple(assignments),
        unfilled=tuple(
            UnfilledRequest(
                request_id=u.request_id,
                project_id=requests[u.request_id].project_id,
                role=requests[u.request_id].role,
                reason=u.reason,
            )
            for u in optimal.unfilled
        ),
        unfilled_demand=tuple(
            UnfilledHours(role=d.role, skill=d.skill, month=d.month, hours=d.hours)
            for d in unfilled_demand(problem, optimal)
        ),
        value=optimal.value,
        greedy_value=greedy.value,
        value_gap_percent=_gap(optimal.value, greedy.value),
        optimal=optimal.optimal,
        solver=optimal.solver,
        solve_seconds=Decimal(str(round(optimal.seconds, 3))),
        mip_gap_percent=None if optimal.optimal else optimal.mip_gap_percent,
        time_limit_seconds=time_limit,
        capacity_position=position,
        proposed_by=by,
        proposed_at=utcnow(),
    )


class Booked(Protocol):
    """What is booked: a proposed assignment, or a draft's."""

    @property
    def project_id(self) -> str: ...
    @property
    def start_week(self) -> str: ...
    @property
    def end_week(self) -> str: ...
    @property
    def hours_per_week(self) -> Decimal: ...


def book(
    person: Person,
    calendar: WorkingCalendar,
    request: ResourceRequest,
    allocation_id: str,
    booked: Booked,
    by: str,
    now: datetime | None,
    *,
    accept_over_allocation: bool = False,
) -> None:
    """The person gets a soft allocation for `booked` (the allocation rule: refused with
    OverAllocation if it overbooks them now, unless accepted, then flagged) and it fills the
    request. Both aggregates record; the caller appends them together."""
    person.propose_allocation(
        allocation_id,
        ProposeAllocation(
            project_id=booked.project_id,
            start_week=booked.start_week,
            end_week=booked.end_week,
            hours_per_week=booked.hours_per_week,
            accept_over_allocation=accept_over_allocation,
        ),
        calendar,
        by,
        now,
    )
    request.fill(person.id, allocation_id, by, now)


async def save_all(
    store: EventStore, metadata: EventMetadata, aggregates: Sequence[Aggregate]
) -> tuple[list[AppendResult], list[str]]:
    """Append every aggregate's pending events in one atomic write (all or nothing): the
    results in the same order, and the event ids."""
    parts: list[tuple[Aggregate, StreamAppend]] = []
    ids: list[str] = []
    for aggregate in aggregates:
        append = StreamAppend(
            aggregate.stream_type, aggregate.id, aggregate.version,
            [NewEvent(e, metadata, new_event_id()) for e in aggregate.pending],
            prev_hash=aggregate.last_hash,
        )  # fmt: skip
        parts.append((aggregate, append))
        ids.extend(str(event.event_id) for event in append.events)
    return await save_together(store, parts), ids


class StaffingService:
    def __init__(self, store: EventStore, *, solve_seconds: float = SOLVE_SECONDS) -> None:
        self.store = store
        self.solve_seconds = solve_seconds
        self.proposals = Repository(store, StaffingProposal, "staffing proposal")
        self.people = Repository(store, Person, "person")
        self.calendars = Repository(store, WorkingCalendar, "calendar")
        self.requests = Repository(store, ResourceRequest, "resource request")

    async def picture(self) -> Picture:
        people, at_people = _folded(Person, await self.store.read_streams_of_type("person"))
        calendars, at_calendars = _folded(
            WorkingCalendar, await self.store.read_streams_of_type("calendar")
        )
        requests, at_requests = _folded(
            ResourceRequest, await self.store.read_streams_of_type("request")
        )
        return Picture(people, calendars, requests, max(at_people, at_calendars, at_requests))

    async def proposal(self, proposal_id: str) -> StaffingProposal:
        return await self.proposals.get(proposal_id)

    async def propose(self, command: ProposeStaffing, ctx: CommandContext) -> ProposalResult:
        ctx.principal.require_any(STAFFERS, "proposing a staffing plan")
        picture = await self.picture()
        chosen = self._open_requests(picture, command.request_ids)
        problem = problem_of(picture, chosen, command.team)
        budget = command.time_limit_seconds or Decimal(str(self.solve_seconds))
        optimal = await asyncio.to_thread(solve_optimal, problem, time_limit=float(budget))
        greedy = await asyncio.to_thread(solve_greedy, problem)
        proposal = StaffingProposal.record(
            proposed_event(
                str(uuid4()), problem, {r.id: r for r in chosen}, picture.people, optimal,
                greedy, picture.position, ctx.principal.subject, budget,
            )
        )  # fmt: skip
        ids = [new_event_id() for _ in proposal.pending]
        result = await self.proposals.save(proposal, event_metadata(ctx), ids)
        return ProposalResult(proposal.id, result.version, tuple(map(str, ids)))

    @staticmethod
    def _open_requests(picture: Picture, wanted: Iterable[str] | None) -> list[ResourceRequest]:
        if wanted is None:
            chosen = [r for r in picture.requests.values() if r.status is RequestStatus.OPEN]
            if not chosen:
                raise DomainError("there is no open resource request to staff")
            if len(chosen) > MAX_REQUESTS:
                raise DomainError(
                    f"{len(chosen)} requests are open: name at most {MAX_REQUESTS} to staff"
                )
            return sorted(chosen, key=lambda r: r.id)
        ids = sorted(set(wanted))
        if not ids:
            raise DomainError("name at least one resource request, or none to staff all open")
        unknown = [i for i in ids if i not in picture.requests]
        if unknown:
            raise NotFound(f"no resource request {', '.join(unknown)}", request_ids=unknown)
        closed = [i for i in ids if picture.requests[i].status is not RequestStatus.OPEN]
        if closed:
            raise DomainError(
                f"resource requests {', '.join(closed)} are no longer open", request_ids=closed
            )
        return [picture.requests[i] for i in ids]

    async def accept(
        self, proposal_id: str, request_id: str, ctx: CommandContext
    ) -> ProposalResult:
        ctx.principal.require_any(STAFFERS, "accepting a proposed assignment")
        proposal = await self.proposals.get(proposal_id, ctx)
        assignment = proposal.assignment(request_id)
        request = await self.requests.get(request_id)
        person = await self.people.get(assignment.person_id)
        calendar = await self.calendars.get(person.calendar_id)
        allocation_id = str(uuid4())
        by, now = ctx.principal.subject, ctx.now
        book(person, calendar, request, allocation_id, assignment, by, now)
        proposal.accept(request_id, allocation_id, by, now)
        results, ids = await save_all(self.store, event_metadata(ctx), [proposal, request, person])
        return ProposalResult(
            proposal.id, results[0].version, tuple(ids), allocation_id,
            person_id=person.id, person_version=results[2].version,
            request_id=request.id, request_version=results[1].version,
        )  # fmt: skip

    async def decline(
        self, proposal_id: str, request_id: str, command: DeclineAssignment, ctx: CommandContext
    ) -> ProposalResult:
        ctx.principal.require_any(STAFFERS, "declining a proposed assignment")
        proposal = await self.proposals.get(proposal_id, ctx)
        proposal.decline(request_id, command.reason, ctx.principal.subject, ctx.now)
        ids = [new_event_id() for _ in proposal.pending]
        result = await self.proposals.save(proposal, event_metadata(ctx), ids)
        return ProposalResult(proposal.id, result.version, tuple(map(str, ids)))
