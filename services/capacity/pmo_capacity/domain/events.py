"""The facts of the capacity service, one event per fact, named in the past tense. Each carries
the ids and the actor a read model needs without loading the aggregate."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, Field

from pmo_capacity.domain.model import (
    Hours,
    IsoWeek,
    Name,
    OverbookedWeek,
    Percent,
    PersonRole,
    PositivePercent,
    Skill,
    SkillName,
    Subject,
)
from pmo_capacity.domain.request_values import RequestHours, RequestSource, RequiredSkill
from pmo_kernel.events import DomainEvent, EventRegistry
from pmo_kernel.money import Money

registry = EventRegistry("capacity")

Id = Annotated[str, Field(min_length=1, max_length=200)]


@registry.event
class CalendarDefined(DomainEvent):
    """A resource manager defined a working calendar: contract hours and public holidays."""

    event_type: ClassVar[str] = "CalendarDefined"

    calendar_id: Id
    name: Name
    hours_per_week: Hours
    public_holidays: list[date]
    defined_by: Subject
    defined_at: AwareDatetime


@registry.event
class PersonRegistered(DomainEvent):
    """A resource manager registered a person, with their line manager, calendar and skills."""

    event_type: ClassVar[str] = "PersonRegistered"

    person_id: Id
    name: Name
    line_manager: Subject
    team: Name
    roles: list[PersonRole]
    skills: list[Skill]
    cost_rate_per_day: Money
    calendar_id: Id
    part_time_percent: PositivePercent
    registered_by: Subject
    registered_at: AwareDatetime


@registry.event
class PersonLeft(DomainEvent):
    """The person leaves the organisation: `last_day` is their last working day."""

    event_type: ClassVar[str] = "PersonLeft"

    person_id: Id
    last_day: date
    recorded_by: Subject
    recorded_at: AwareDatetime


@registry.event
class AvailabilityReported(DomainEvent):
    """A line manager reported a person's availability for one ISO week: a percentage of
    their calendar, or hours of absence and other duties. The latest report of a week holds."""

    event_type: ClassVar[str] = "AvailabilityReported"

    person_id: Id
    week: IsoWeek
    available_percent: Percent | None = None
    absence_hours: Hours | None = None
    other_duty_hours: Hours | None = None
    note: Annotated[str, Field(max_length=1000)] | None = None
    reported_by: Subject
    reported_at: AwareDatetime


@registry.event
class AllocationProposed(DomainEvent):
    """A soft allocation of the person to a project over a range of weeks: `hours_per_week`,
    or `percent_of_availability` (that share of their available hours each week). Either one.
    `over_allocated` when it was accepted although it overbooks `overbooked_weeks`."""

    event_type: ClassVar[str] = "AllocationProposed"

    person_id: Id
    allocation_id: Id
    project_id: Id
    start_week: IsoWeek
    end_week: IsoWeek
    hours_per_week: Hours | None = None
    percent_of_availability: PositivePercent | None = None
    over_allocated: bool
    overbooked_weeks: list[OverbookedWeek]
    proposed_by: Subject
    proposed_at: AwareDatetime


@registry.event
class AllocationConfirmed(DomainEvent):
    """The person's line manager confirmed the allocation: it is hard from now on."""

    event_type: ClassVar[str] = "AllocationConfirmed"

    person_id: Id
    allocation_id: Id
    confirmed_by: Subject
    confirmed_at: AwareDatetime


@registry.event
class AllocationReleased(DomainEvent):
    """The allocation was released: its hours no longer load the person."""

    event_type: ClassVar[str] = "AllocationReleased"

    person_id: Id
    allocation_id: Id
    reason: Annotated[str, Field(max_length=1000)] | None = None
    released_by: Subject
    released_at: AwareDatetime


@registry.event
class ResourceRequestRaised(DomainEvent):
    """Someone needs a person of `role` with `skills` for project `project_id`: `hours_per_week`
    from `start_week` to `end_week`. `source` says whether a person raised it (direct) or the
    portfolio's plan of the item did (portfolio)."""

    event_type: ClassVar[str] = "ResourceRequestRaised"

    request_id: Id
    project_id: Id
    role: PersonRole
    skills: list[RequiredSkill]
    start_week: IsoWeek
    end_week: IsoWeek
    hours_per_week: RequestHours
    source: RequestSource
    note: Annotated[str, Field(max_length=1000)] | None = None
    raised_by: Subject
    raised_at: AwareDatetime


@registry.event
class ResourceRequestRevised(DomainEvent):
    """The open request now asks for this period, these hours and these skills (all of them,
    changed or not)."""

    event_type: ClassVar[str] = "ResourceRequestRevised"

    request_id: Id
    start_week: IsoWeek
    end_week: IsoWeek
    hours_per_week: RequestHours
    skills: list[RequiredSkill]
    revised_by: Subject
    revised_at: AwareDatetime


@registry.event
class ResourceRequestCancelled(DomainEvent):
    """The request is no longer needed, and why."""

    event_type: ClassVar[str] = "ResourceRequestCancelled"

    request_id: Id
    reason: Annotated[str, Field(max_length=1000)]
    cancelled_by: Subject
    cancelled_at: AwareDatetime


@registry.event
class ResourceRequestFilled(DomainEvent):
    """The request is met by the person's allocation `allocation_id`."""

    event_type: ClassVar[str] = "ResourceRequestFilled"

    request_id: Id
    person_id: Id
    allocation_id: Id
    filled_by: Subject
    filled_at: AwareDatetime


@registry.event
class SkillAdded(DomainEvent):
    """A resource manager added a skill to the catalogue (SkillCatalogue)."""

    event_type: ClassVar[str] = "SkillAdded"

    name: SkillName
    description: Annotated[str, Field(max_length=1000)] | None = None
    added_by: Subject
    added_at: AwareDatetime


CapacityEvent = (
    CalendarDefined
    | PersonRegistered
    | PersonLeft
    | AvailabilityReported
    | AllocationProposed
    | AllocationConfirmed
    | AllocationReleased
    | ResourceRequestRaised
    | ResourceRequestRevised
    | ResourceRequestCancelled
    | ResourceRequestFilled
    | SkillAdded
)
