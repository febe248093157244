"""The Person aggregate: who they are, their availability as reported by their line manager,
and their allocations. Allocations live in the person's stream, so the overbooking check and
the append are one optimistic-locked decision: two concurrent proposals cannot both overbook.

Effective availability of a week = the calendar's hours on the days the person works that week
(Monday to Friday, less public holidays, less the days after they leave) x part-time
percentage, then the latest report for the week: a percentage of that, or that less the hours
of absence and other duties (never below zero). The arithmetic is the shared kernel's
(pmo_kernel.capacity), which the reporting service's heatmap uses too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Self

from pmo_capacity.domain.calendar import WorkingCalendar
from pmo_capacity.domain.commands import (
    ProposeAllocation,
    RecordLeaving,
    RegisterPerson,
    ReleaseAllocation,
    ReportAvailability,
)
from pmo_capacity.domain.events import (
    AllocationConfirmed,
    AllocationProposed,
    AllocationReleased,
    AvailabilityReported,
    PersonLeft,
    PersonRegistered,
)
from pmo_capacity.domain.model import (
    AllocationKind,
    OverbookedWeek,
    PersonRole,
    Skill,
    WeekLoad,
)
from pmo_kernel import capacity as kernel
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from pmo_kernel.events import DomainEvent, utcnow
from pmo_kernel.money import Money

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class OverAllocation(DomainError):
    """The allocation would book a person beyond their availability in the weeks named."""

    code = "over_allocation"
    status = 422
    title = "Allocation overbooks the person"


@dataclass
class Allocation:
    allocation_id: str
    project_id: str
    start_week: str
    end_week: str
    hours_per_week: Decimal | None  # None: a share of the person's availability
    kind: AllocationKind
    over_allocated: bool
    proposed_by: str
    confirmed_by: str | None = None
    released: bool = False
    percent_of_availability: Decimal | None = None

    def covers(self, week: str) -> bool:
        return self.booking().covers(week)

    def hours_in(self, available_hours: Decimal) -> Decimal:
        """The hours it loads a week in which the person is available `available_hours`."""
        return self.booking().hours_in(available_hours)

    def booking(self) -> kernel.Booking:
        return kernel.Booking(
            self.start_week, self.end_week, self.hours_per_week,
            self.kind is AllocationKind.HARD, self.percent_of_availability,
        )  # fmt: skip


# An allocation's hours in a week: its hours per week, or its share of the availability.
hours_of = kernel.booked_hours


@dataclass(frozen=True)
class Report:
    available_percent: Decimal | None
    absence_hours: Decimal | None
    other_duty_hours: Decimal | None
    reported_by: str

    def kernel(self) -> kernel.Report:
        return kernel.Report(self.available_percent, self.absence_hours, self.other_duty_hours)


class Person(Aggregate):
    stream_type = "person"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.name = ""
        self.line_manager = ""
        self.team = ""
        self.roles: tuple[PersonRole, ...] = ()
        self.skills: tuple[Skill, ...] = ()
        self.cost_rate_per_day: Money | None = None
        self.calendar_id = ""
        self.part_time_percent = HUNDRED
        self.last_day: date | None = None
        self.reports: dict[str, Report] = {}  # by week: the latest report
        self.allocations: dict[str, Allocation] = {}

    # -- decide ---------------------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        person_id: str,
        command: RegisterPerson,
        registered_by: str,
        now: datetime | None = None,
    ) -> Self:
        person = cls(person_id)
        person._record(
            PersonRegistered(
                person_id=person_id,
                name=command.name,
                line_manager=command.line_manager,
                team=command.team,
                roles=list(dict.fromkeys(command.roles)),
                skills=list(command.skills),
                cost_rate_per_day=command.cost_rate_per_day,
                calendar_id=command.calendar_id,
                part_time_percent=command.part_time_percent,
                registered_by=registered_by,
                registered_at=now or utcnow(),
            )
        )
        return person

    def record_leaving(self, command: RecordLeaving, by: str, now: datetime | None = None) -> None:
        if self.last_day is not None:
            raise InvalidTransition(f"person {self.id} already leaves on {self.last_day}")
        self._record(
            PersonLeft(
                person_id=self.id, last_day=command.last_day, recorded_by=by,
                recorded_at=now or utcnow(),
            )
        )  # fmt: skip

    def report_availability(
        self, command: ReportAvailability, by: str, now: datetime | None = None
    ) -> None:
        self._require_line_manager(by, "reporting availability")
        at = now or utcnow()
        # A month's report is one event per week, so the latest report of a week holds
        # whether it was made for the week or for its month.
        for week in command.weeks:
            self._record(
                AvailabilityReported(
                    person_id=self.id,
                    week=week,
                    available_percent=command.available_percent,
                    absence_hours=command.absence_hours,
                    other_duty_hours=command.other_duty_hours,
                    note=command.note,
                    reported_by=by,
                    reported_at=at,
                )
            )

    def propose_allocation(
        self,
        allocation_id: str,
        command: ProposeAllocation,
        calendar: WorkingCalendar,
        by: str,
        now: datetime | None = None,
    ) -> None:
        if allocation_id in self.allocations:
            raise InvalidTransition(f"allocation {allocation_id} already exists")
        hours, percent = command.hours_per_week, command.percent_of_availability
        overbooked = []
        for load in self.loads(calendar, command.start_week, command.end_week):
            allocated = load.allocated_hours + hours_of(hours, percent, load.available_hours)
            if allocated > load.available_hours:
                overbooked.append(
                    OverbookedWeek(
                        week=load.week, available_hours=load.available_hours,
                        allocated_hours=allocated.quantize(CENT),
                    )
                )  # fmt: skip
        if overbooked and not command.accept_over_allocation:
            weeks = ", ".join(w.week for w in overbooked)
            asked = f"{hours} h a week" if hours is not None else f"{percent} % of availability"
            raise OverAllocation(
                f"{asked} overbooks {self.name} in {weeks}: send "
                "accept_over_allocation=true to allocate anyway (flagged over-allocated)",
                person_id=self.id,
                overbooked_weeks=[w.model_dump(mode="json") for w in overbooked],
            )
        self._record(
            AllocationProposed(
                person_id=self.id,
                allocation_id=allocation_id,
                project_id=command.project_id,
                start_week=command.start_week,
                end_week=command.end_week,
                hours_per_week=hours,
                percent_of_availability=percent,
                over_allocated=bool(overbooked),
                overbooked_weeks=overbooked,
                proposed_by=by,
                proposed_at=now or utcnow(),
            )
        )

    def confirm_allocation(self, allocation_id: str, by: str, now: datetime | None = None) -> None:
        allocation = self._allocation(allocation_id)
        self._require_line_manager(by, "confirming an allocation")
        if allocation.released:
            raise InvalidTransition(f"allocation {allocation_id} was released")
        if allocation.kind is AllocationKind.HARD:
            raise InvalidTransition(f"allocation {allocation_id} is already confirmed")
        self._record(
            AllocationConfirmed(
                person_id=self.id, allocation_id=allocation_id, confirmed_by=by,
                confirmed_at=now or utcnow(),
            )
        )  # fmt: skip

    def release_allocation(
        self, allocation_id: str, command: ReleaseAllocation, by: str, now: datetime | None = None
    ) -> None:
        allocation = self._allocation(allocation_id)
        if allocation.released:
            raise InvalidTransition(f"allocation {allocation_id} is already released")
        self._record(
            AllocationReleased(
                person_id=self.id, allocation_id=allocation_id, reason=command.reason,
                released_by=by, released_at=now or utcnow(),
            )
        )  # fmt: skip

    def _require_line_manager(self, subject: str, action: str) -> None:
        if subject != self.line_manager:
            raise PermissionDenied(
                f"{action} for {self.name} is for their line manager {self.line_manager}, "
                f"not {subject}",
                person_id=self.id,
            )

    def _allocation(self, allocation_id: str) -> Allocation:
        try:
            return self.allocations[allocation_id]
        except KeyError:
            raise NotFound(
                f"person {self.id} has no allocation {allocation_id}",
                allocation_id=allocation_id,
            ) from None

    # -- evolve ---------------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, PersonRegistered):
            self.name = event.name
            self.line_manager = event.line_manager
            self.team = event.team
            self.roles = tuple(event.roles)
            self.skills = tuple(event.skills)
            self.cost_rate_per_day = event.cost_rate_per_day
            self.calendar_id = event.calendar_id
            self.part_time_percent = event.part_time_percent
        elif isinstance(event, PersonLeft):
            self.last_day = event.last_day
        elif isinstance(event, AvailabilityReported):
            self.reports[event.week] = Report(
                event.available_percent, event.absence_hours, event.other_duty_hours,
                event.reported_by,
            )  # fmt: skip
        elif isinstance(event, AllocationProposed):
            self.allocations[event.allocation_id] = Allocation(
                allocation_id=event.allocation_id,
                project_id=event.project_id,
                start_week=event.start_week,
                end_week=event.end_week,
                hours_per_week=event.hours_per_week,
                kind=AllocationKind.SOFT,
                over_allocated=event.over_allocated,
                proposed_by=event.proposed_by,
                percent_of_availability=event.percent_of_availability,
            )
        elif isinstance(event, AllocationConfirmed):
            allocation = self.allocations[event.allocation_id]
            allocation.kind = AllocationKind.HARD
            allocation.confirmed_by = event.confirmed_by
        elif isinstance(event, AllocationReleased):
            self.allocations[event.allocation_id].released = True

    # -- read -----------------------------------------------------------------------------------

    def contract(self, calendar: WorkingCalendar) -> kernel.Contract:
        return calendar.contract(self.part_time_percent, self.last_day)

    def calendar_hours(self, calendar: WorkingCalendar, week: str) -> Decimal:
        """The hours the person's contract gives in `week`, before any report: the calendar's
        hours on the days they work (not after they leave) x their part-time percentage."""
        return kernel.calendar_hours(self.contract(calendar), week)

    def available_hours(self, calendar: WorkingCalendar, week: str) -> Decimal:
        report = self.reports.get(week)
        return kernel.available_hours(
            self.contract(calendar), week, report.kernel() if report is not None else None
        )

    def loads(self, calendar: WorkingCalendar, first: str, last: str) -> list[WeekLoad]:
        """Each week from `first` to `last`: availability and the hours allocated (soft and
        hard; released allocations no longer count)."""
        loads = kernel.week_loads(
            self.contract(calendar),
            {week: report.kernel() for week, report in self.reports.items()},
            [a.booking() for a in self.allocations.values() if not a.released],
            first,
            last,
        )
        return [
            WeekLoad(
                week=load.week,
                available_hours=load.available_hours,
                allocated_hours=load.allocated_hours,
                soft_hours=load.soft_hours,
                hard_hours=load.hard_hours,
            )
            for load in loads
        ]
