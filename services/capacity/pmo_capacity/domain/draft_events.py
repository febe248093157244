"""The facts of a staffing draft: a what-if plan, changed assignment by assignment, that books
nobody and fills nothing until it is adopted (or discarded)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pmo_capacity.domain.events import Id, registry
from pmo_capacity.domain.model import Hours, IsoWeek, Name, Subject
from pmo_kernel.events import DomainEvent

Reason = Annotated[str, Field(max_length=1000)]


class DraftAssignment(BaseModel):
    """One request given to one person in a draft: hours per week over a range of weeks (the
    request's own when the draft was not told otherwise)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: Id
    project_id: Id
    person_id: Id
    start_week: IsoWeek
    end_week: IsoWeek
    hours_per_week: Annotated[Hours, Field(gt=0)]


class AdoptedAssignment(BaseModel):
    """What adopting made of one assignment: the soft allocation on the person, which fills
    the request; `over_allocated` when the adopter accepted that it overbooks them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: Id
    person_id: Id
    allocation_id: Id
    over_allocated: bool = False


@registry.event
class StaffingDraftStarted(DomainEvent):
    """A draft was started, empty or from a saved proposal's open assignments; `request_ids`
    are the requests it is about (the proposal's; none: every open request)."""

    event_type: ClassVar[str] = "StaffingDraftStarted"

    draft_id: Id
    name: Name
    from_proposal_id: Id | None = None
    request_ids: tuple[Id, ...] = ()
    assignments: tuple[DraftAssignment, ...] = ()
    started_by: Subject
    started_at: AwareDatetime


@registry.event
class DraftAssignmentMade(DomainEvent):
    """The draft gives a request to a person (replacing whom it gave it to before, if anyone)."""

    event_type: ClassVar[str] = "DraftAssignmentMade"

    draft_id: Id
    assignment: DraftAssignment
    assigned_by: Subject
    assigned_at: AwareDatetime


@registry.event
class DraftAssignmentRemoved(DomainEvent):
    """The draft no longer gives the request to anyone."""

    event_type: ClassVar[str] = "DraftAssignmentRemoved"

    draft_id: Id
    request_id: Id
    removed_by: Subject
    removed_at: AwareDatetime


@registry.event
class StaffingDraftRenamed(DomainEvent):
    event_type: ClassVar[str] = "StaffingDraftRenamed"

    draft_id: Id
    name: Name
    renamed_by: Subject
    renamed_at: AwareDatetime


@registry.event
class StaffingDraftDiscarded(DomainEvent):
    """The draft was dropped: it changed nothing and accepts no more changes."""

    event_type: ClassVar[str] = "StaffingDraftDiscarded"

    draft_id: Id
    reason: Reason | None = None
    discarded_by: Subject
    discarded_at: AwareDatetime


@registry.event
class StaffingDraftAdopted(DomainEvent):
    """The draft was adopted: in the same append, each assignment became a soft allocation on
    its person and filled its request (`adopted`). It accepts no more changes."""

    event_type: ClassVar[str] = "StaffingDraftAdopted"

    draft_id: Id
    adopted: tuple[AdoptedAssignment, ...]
    filled_hours: Decimal
    adopted_by: Subject
    adopted_at: AwareDatetime
