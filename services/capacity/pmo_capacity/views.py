"""JSON views served by the capacity API, folded from the event streams."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel

from pmo_capacity.application.service import ImportResult, PersonLoad
from pmo_capacity.domain import (
    AllocationKind,
    PersonRole,
    RequestSource,
    RequestStatus,
    RequiredSkill,
    ResourceRequest,
    Skill,
    SkillCatalogue,
    WorkingCalendar,
)
from pmo_kernel.money import Money


class CommandAccepted(BaseModel):
    id: str
    version: int
    event_ids: list[str]
    allocation_id: str | None = None
    replayed: bool = False


class SkillView(BaseModel):
    name: str
    description: str | None
    added_by: str
    added_at: datetime


class SkillsView(BaseModel):
    version: int
    skills: list[SkillView]  # by name, case-insensitively

    @classmethod
    def of(cls, catalogue: SkillCatalogue) -> SkillsView:
        return cls(
            version=catalogue.version,
            skills=[
                SkillView(name=s.name, description=s.description, added_by=s.added_by,
                          added_at=s.added_at)
                for _, s in sorted(catalogue.skills.items())
            ],
        )  # fmt: skip


class ImportedPersonView(BaseModel):
    row: int  # the CSV's row; row 1 is the header
    id: str


class PeopleImported(BaseModel):
    people: list[ImportedPersonView]
    event_ids: list[str]
    replayed: bool = False

    @classmethod
    def of(cls, result: ImportResult) -> PeopleImported:
        return cls(
            people=[ImportedPersonView(row=p.row, id=p.id) for p in result.people],
            event_ids=[str(e) for e in result.event_ids],
        )


class CalendarView(BaseModel):
    id: str
    version: int
    name: str
    hours_per_week: Decimal
    public_holidays: list[date]

    @classmethod
    def of(cls, calendar: WorkingCalendar) -> CalendarView:
        return cls(
            id=calendar.id, version=calendar.version, name=calendar.name,
            hours_per_week=calendar.hours_per_week,
            public_holidays=sorted(calendar.public_holidays),
        )  # fmt: skip


class AllocationWeekView(BaseModel):
    week: str
    hours: Decimal


class AllocationView(BaseModel):
    allocation_id: str
    project_id: str
    start_week: str
    end_week: str
    hours_per_week: Decimal | None  # None: a share of availability (percent_of_availability)
    percent_of_availability: Decimal | None
    weeks: list[AllocationWeekView]  # the hours it loads each week read (none once released)
    kind: AllocationKind
    over_allocated: bool
    released: bool
    proposed_by: str
    confirmed_by: str | None


class WeekView(BaseModel):
    week: str
    available_hours: Decimal
    allocated_hours: Decimal
    soft_hours: Decimal
    hard_hours: Decimal
    over_allocated: bool


class PersonView(BaseModel):
    id: str
    version: int
    name: str
    line_manager: str
    team: str
    roles: list[PersonRole]
    skills: list[Skill]
    cost_rate_per_day: Money | None  # None: the caller may not see cost rates
    calendar_id: str
    part_time_percent: Decimal
    last_day: date | None
    allocations: list[AllocationView]
    weeks: list[WeekView]

    @classmethod
    def of(cls, load: PersonLoad) -> PersonView:
        person = load.person
        return cls(
            id=person.id,
            version=person.version,
            name=person.name,
            line_manager=person.line_manager,
            team=person.team,
            roles=list(person.roles),
            skills=list(person.skills),
            cost_rate_per_day=person.cost_rate_per_day if load.sees_costs else None,
            calendar_id=person.calendar_id,
            part_time_percent=person.part_time_percent,
            last_day=person.last_day,
            allocations=[
                AllocationView(
                    allocation_id=a.allocation_id,
                    project_id=a.project_id,
                    start_week=a.start_week,
                    end_week=a.end_week,
                    hours_per_week=a.hours_per_week,
                    percent_of_availability=a.percent_of_availability,
                    weeks=[
                        AllocationWeekView(week=w.week, hours=a.hours_in(w.available_hours))
                        for w in load.weeks
                        if a.covers(w.week) and not a.released
                    ],
                    kind=a.kind,
                    over_allocated=a.over_allocated,
                    released=a.released,
                    proposed_by=a.proposed_by,
                    confirmed_by=a.confirmed_by,
                )
                for a in person.allocations.values()
            ],
            weeks=[
                WeekView(
                    week=w.week,
                    available_hours=w.available_hours,
                    allocated_hours=w.allocated_hours,
                    soft_hours=w.soft_hours,
                    hard_hours=w.hard_hours,
                    over_allocated=w.over_allocated,
                )
                for w in load.weeks
            ],
        )


class ResourceRequestView(BaseModel):
    id: str
    version: int
    project_id: str
    role: PersonRole
    skills: list[RequiredSkill]
    start_week: str
    end_week: str
    hours_per_week: Decimal
    source: RequestSource
    raised_by: str
    note: str | None
    status: RequestStatus
    person_id: str | None  # once filled
    allocation_id: str | None  # once filled
    cancel_reason: str | None

    @classmethod
    def of(cls, request: ResourceRequest) -> ResourceRequestView:
        return cls(
            id=request.id,
            version=request.version,
            project_id=request.project_id,
            role=request.role,
            skills=list(request.skills),
            start_week=request.start_week,
            end_week=request.end_week,
            hours_per_week=request.hours_per_week,
            source=request.source,
            raised_by=request.raised_by,
            note=request.note,
            status=request.status,
            person_id=request.person_id,
            allocation_id=request.allocation_id,
            cancel_reason=request.cancel_reason,
        )
