"""Command handlers for people and calendars.

Each command: authorise by role → load the aggregate through the kernel's repository (at the
version the caller expects, If-Match) → decide → append what it decided at the version it was
loaded at (the store's optimistic lock refuses a concurrent writer). Nothing is written unless
the whole command succeeds. The line manager's commands are authorised by the aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID, uuid4

from pmo_capacity.access import PersonAccess
from pmo_capacity.domain import (
    COMMAND_ROLES,
    MAX_RANGE_WEEKS,
    DefineCalendar,
    Person,
    ProposeAllocation,
    RecordLeaving,
    RegisterPerson,
    ReleaseAllocation,
    ReportAvailability,
    WeekLoad,
    WorkingCalendar,
    week_count,
)
from pmo_capacity.domain.model import monday_of
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.application import CommandContext, Repository, event_metadata
from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_kernel.identity import Principal
from pmo_kernel.store import EventStore
from pmo_kernel.store.event_ids import new_event_id

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class CommandResult:
    id: str
    version: int
    event_ids: tuple[UUID, ...]
    allocation_id: str | None = None
    replayed: bool = False


@dataclass(frozen=True)
class PersonLoad:
    person: Person
    calendar: WorkingCalendar
    weeks: list[WeekLoad]
    sees_costs: bool


class CapacityService:
    def __init__(self, store: EventStore, access: PersonAccess | None = None) -> None:
        self.store = store
        self.access = access or PersonAccess()
        self.people = Repository(store, Person, "person")
        self.calendars = Repository(store, WorkingCalendar, "calendar")

    # ------------------------------------------------------------------ reads

    async def calendar(self, calendar_id: str) -> WorkingCalendar:
        return await self.calendars.get(calendar_id)

    async def person(self, person_id: str, principal: Principal) -> Person:
        person = await self.people.get(person_id)
        self.access.visible(principal, person)
        return person

    async def load(self, person_id: str, first: str, last: str, principal: Principal) -> PersonLoad:
        """The person with their availability and allocation load each week `first`..`last`."""
        if monday_of(last) < monday_of(first):
            raise DomainError("the range ends before it starts", from_week=first, to_week=last)
        if week_count(first, last) > MAX_RANGE_WEEKS:
            raise DomainError(f"a range spans at most {MAX_RANGE_WEEKS} weeks")
        person = await self.person(person_id, principal)
        calendar = await self.calendars.get(person.calendar_id)
        return PersonLoad(
            person, calendar, person.loads(calendar, first, last),
            self.access.sees_costs(principal, person),
        )  # fmt: skip

    # ------------------------------------------------------------------ commands

    async def define_calendar(self, command: DefineCalendar, ctx: CommandContext) -> CommandResult:
        ctx.principal.require_any(COMMAND_ROLES["define_calendar"], "defining a calendar")
        existing = await self.calendars.load(command.calendar_id)
        if existing.version:
            raise InvalidTransition(
                f"calendar {command.calendar_id} already exists", id=command.calendar_id
            )
        calendar = WorkingCalendar.define(command, ctx.principal.subject, ctx.now)
        return await self._save(self.calendars, calendar, ctx)

    async def register_person(self, command: RegisterPerson, ctx: CommandContext) -> CommandResult:
        ctx.principal.require_any(COMMAND_ROLES["register_person"], "registering a person")
        calendar = await self.calendars.load(command.calendar_id)
        if calendar.version == 0:
            raise DomainError(
                f"there is no calendar {command.calendar_id}", calendar_id=command.calendar_id
            )
        person = Person.register(str(uuid4()), command, ctx.principal.subject, ctx.now)
        return await self._save(self.people, person, ctx)

    async def record_leaving(
        self, person_id: str, command: RecordLeaving, ctx: CommandContext
    ) -> CommandResult:
        ctx.principal.require_any(COMMAND_ROLES["record_leaving"], "recording a leaving")
        person = await self._person(person_id, ctx)
        person.record_leaving(command, ctx.principal.subject, ctx.now)
        return await self._save(self.people, person, ctx)

    async def report_availability(
        self, person_id: str, command: ReportAvailability, ctx: CommandContext
    ) -> CommandResult:
        person = await self._person(person_id, ctx)
        person.report_availability(command, ctx.principal.subject, ctx.now)
        return await self._save(self.people, person, ctx)

    async def propose_allocation(
        self, person_id: str, command: ProposeAllocation, ctx: CommandContext
    ) -> CommandResult:
        ctx.principal.require_any(COMMAND_ROLES["propose_allocation"], "proposing an allocation")
        person = await self._person(person_id, ctx)
        calendar = await self.calendars.get(person.calendar_id)
        allocation_id = str(uuid4())
        person.propose_allocation(allocation_id, command, calendar, ctx.principal.subject, ctx.now)
        result = await self._save(self.people, person, ctx)
        return CommandResult(result.id, result.version, result.event_ids, allocation_id)

    async def confirm_allocation(
        self, person_id: str, allocation_id: str, ctx: CommandContext
    ) -> CommandResult:
        person = await self._person(person_id, ctx)
        person.confirm_allocation(allocation_id, ctx.principal.subject, ctx.now)
        result = await self._save(self.people, person, ctx)
        return CommandResult(result.id, result.version, result.event_ids, allocation_id)

    async def release_allocation(
        self, person_id: str, allocation_id: str, command: ReleaseAllocation, ctx: CommandContext
    ) -> CommandResult:
        ctx.principal.require_any(COMMAND_ROLES["release_allocation"], "releasing an allocation")
        person = await self._person(person_id, ctx)
        person.release_allocation(allocation_id, command, ctx.principal.subject, ctx.now)
        result = await self._save(self.people, person, ctx)
        return CommandResult(result.id, result.version, result.event_ids, allocation_id)

    # ------------------------------------------------------------------ unit of work

    async def _person(self, person_id: str, ctx: CommandContext) -> Person:
        person = await self.people.get(person_id, ctx)
        self.access.visible(ctx.principal, person)
        return person

    async def _save(
        self, repository: Repository[A], aggregate: A, ctx: CommandContext
    ) -> CommandResult:
        ids = [new_event_id() for _ in aggregate.pending]
        result = await repository.save(aggregate, event_metadata(ctx), ids)
        return CommandResult(aggregate.id, result.version, tuple(ids))
