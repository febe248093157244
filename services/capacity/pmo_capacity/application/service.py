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
from pmo_capacity.application.people_csv import ImportRejected, RejectedRow, parse_people
from pmo_capacity.domain import (
    CATALOGUE_ID,
    COMMAND_ROLES,
    MAX_RANGE_WEEKS,
    AddSkill,
    DefineCalendar,
    Person,
    ProposeAllocation,
    RecordLeaving,
    RegisterPerson,
    ReleaseAllocation,
    ReportAvailability,
    SkillCatalogue,
    WeekLoad,
    WorkingCalendar,
    week_count,
)
from pmo_capacity.domain.model import monday_of
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.application import CommandContext, Repository, event_metadata, save_together
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
class ImportedPerson:
    row: int
    id: str


@dataclass(frozen=True)
class ImportResult:
    people: list[ImportedPerson]
    event_ids: tuple[UUID, ...]


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
        self.catalogues = Repository(store, SkillCatalogue, "skills catalogue")

    # ------------------------------------------------------------------ reads

    async def skill_catalogue(self) -> SkillCatalogue:
        return await self.catalogues.load(CATALOGUE_ID)

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

    async def add_skill(self, command: AddSkill, ctx: CommandContext) -> CommandResult:
        ctx.principal.require_any(COMMAND_ROLES["add_skill"], "adding a skill to the catalogue")
        catalogue = await self.skill_catalogue()
        catalogue.add(command.name, command.description, ctx.principal.subject, ctx.now)
        return await self._save(self.catalogues, catalogue, ctx)

    async def register_person(self, command: RegisterPerson, ctx: CommandContext) -> CommandResult:
        ctx.principal.require_any(COMMAND_ROLES["register_person"], "registering a person")
        calendar = await self.calendars.load(command.calendar_id)
        if calendar.version == 0:
            raise DomainError(
                f"there is no calendar {command.calendar_id}", calendar_id=command.calendar_id
            )
        catalogue = await self.skill_catalogue()
        catalogue.require_known((s.name for s in command.skills), f"registering {command.name}")
        person = Person.register(str(uuid4()), command, ctx.principal.subject, ctx.now)
        return await self._save(self.people, person, ctx)

    async def import_people(self, csv_text: str, ctx: CommandContext) -> ImportResult:
        """Every person of the CSV (application.people_csv) registered in one append, or none
        and every rejected row listed: the rules of `register_person`, row by row."""
        ctx.principal.require_any(COMMAND_ROLES["import_people"], "importing people")
        parsed = parse_people(csv_text)
        catalogue = await self.skill_catalogue()
        calendars = {c.id for c in await self.calendars.load_all() if c.version}
        rejected = list(parsed.rejected)
        for row, command in parsed.people:
            if command.calendar_id not in calendars:
                rejected.append(
                    RejectedRow(row, "calendar_id", f"there is no calendar {command.calendar_id}")
                )
            unknown = ", ".join(catalogue.unknown(s.name for s in command.skills))
            if unknown:
                rejected.append(RejectedRow(row, "skills", f"the catalogue has no {unknown}"))
        if rejected:
            raise ImportRejected(sorted(rejected, key=lambda r: r.row))
        people = [
            (row, Person.register(str(uuid4()), command, ctx.principal.subject, ctx.now))
            for row, command in parsed.people
        ]
        metadata = event_metadata(ctx)
        event_ids: list[UUID] = []
        parts = []
        for _, person in people:
            ids = [new_event_id() for _ in person.pending]
            event_ids.extend(ids)
            parts.append((person, self.people.pending_append(person, metadata, ids)))
        await save_together(self.store, parts)
        return ImportResult(
            [ImportedPerson(row, person.id) for row, person in people], tuple(event_ids)
        )

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
