"""The facts of a staffing proposal: what the optimiser proposed on which capacity picture,
beside the greedy baseline, and which of its assignments were then accepted or declined."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pmo_capacity.domain.events import Id, registry
from pmo_capacity.domain.model import IsoWeek, Name, PersonRole, Subject
from pmo_kernel.events import DomainEvent

Reason = Annotated[str, Field(min_length=1, max_length=4000)]  # names the weeks that block
Month = Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProposedAlternative(_Value):
    """Someone else who could have taken the request, and why they were not chosen."""

    person_id: Id
    name: Name
    value: Decimal
    why_not: Reason


class ProposedAssignment(_Value):
    """One request given to one person for all its weeks, with why this person."""

    request_id: Id
    project_id: Id
    person_id: Id
    person_name: Name
    role: PersonRole
    start_week: IsoWeek
    end_week: IsoWeek
    hours_per_week: Decimal
    value: Decimal
    reasons: tuple[Reason, ...]
    alternatives: tuple[ProposedAlternative, ...] = ()


class UnfilledRequest(_Value):
    """A request the proposal leaves unfilled, and why nobody could take it."""

    request_id: Id
    project_id: Id
    role: PersonRole
    reason: Reason


class UnfilledHours(_Value):
    """Demand left unfilled: hours of a role (and skill, when one was asked for) in a month."""

    role: PersonRole
    skill: Name | None
    month: Month
    hours: Decimal


@registry.event
class StaffingProposed(DomainEvent):
    """The optimiser's staffing proposal for a set of open resource requests.

    `capacity_position` is the capacity log's position the picture was read at (every person,
    calendar, report, allocation and request folded was recorded at or before it): the
    capacity version the proposal saw. `greedy_value` is the greedy baseline on the same
    picture, `value_gap_percent` how much better the proposal is. A proposal not proven optimal
    (the solver stopped at its time limit) says how far below the best it may be:
    `mip_gap_percent`, against the solver's bound (absent on proposals saved before it was
    recorded, and when the solver gave no bound); `time_limit_seconds` is the budget it had."""

    event_type: ClassVar[str] = "StaffingProposed"

    proposal_id: Id
    request_ids: tuple[Id, ...]
    assignments: tuple[ProposedAssignment, ...]
    unfilled: tuple[UnfilledRequest, ...]
    unfilled_demand: tuple[UnfilledHours, ...]
    value: Decimal
    greedy_value: Decimal
    value_gap_percent: Decimal | None  # None: the greedy baseline is worth 0
    optimal: bool
    solver: Annotated[str, Field(max_length=200)]
    solve_seconds: Decimal
    mip_gap_percent: Decimal | None = None
    time_limit_seconds: Decimal | None = None
    capacity_position: Annotated[int, Field(ge=0)]
    proposed_by: Subject
    proposed_at: AwareDatetime


@registry.event
class ProposedAssignmentAccepted(DomainEvent):
    """An assignment of the proposal was accepted: `allocation_id` is the soft allocation it
    became on the person, and the request is filled by it."""

    event_type: ClassVar[str] = "ProposedAssignmentAccepted"

    proposal_id: Id
    request_id: Id
    person_id: Id
    allocation_id: Id
    accepted_by: Subject
    accepted_at: AwareDatetime


@registry.event
class ProposedAssignmentDeclined(DomainEvent):
    """An assignment of the proposal was declined: the request stays open."""

    event_type: ClassVar[str] = "ProposedAssignmentDeclined"

    proposal_id: Id
    request_id: Id
    reason: Annotated[str, Field(max_length=1000)] | None = None
    declined_by: Subject
    declined_at: AwareDatetime
