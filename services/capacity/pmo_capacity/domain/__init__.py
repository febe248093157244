"""The capacity domain: people, working calendars, availability and allocations. Pure
decisions and state, no I/O; the application layer drives it."""

from pmo_capacity.domain.calendar import WorkingCalendar
from pmo_capacity.domain.commands import (
    COMMAND_ROLES,
    COST_READER_ROLES,
    READER_ROLES,
    ConfirmAllocation,
    DefineCalendar,
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
    CalendarDefined,
    CapacityEvent,
    PersonLeft,
    PersonRegistered,
    registry,
)
from pmo_capacity.domain.model import (
    MAX_RANGE_WEEKS,
    AllocationKind,
    IsoWeek,
    OverbookedWeek,
    PersonRole,
    Skill,
    WeekLoad,
    week_count,
    weeks_between,
)
from pmo_capacity.domain.person import Allocation, OverAllocation, Person

__all__ = [
    "COMMAND_ROLES",
    "COST_READER_ROLES",
    "MAX_RANGE_WEEKS",
    "READER_ROLES",
    "Allocation",
    "AllocationConfirmed",
    "AllocationKind",
    "AllocationProposed",
    "AllocationReleased",
    "AvailabilityReported",
    "CalendarDefined",
    "CapacityEvent",
    "ConfirmAllocation",
    "DefineCalendar",
    "IsoWeek",
    "OverAllocation",
    "OverbookedWeek",
    "Person",
    "PersonLeft",
    "PersonRegistered",
    "PersonRole",
    "ProposeAllocation",
    "RecordLeaving",
    "RegisterPerson",
    "ReleaseAllocation",
    "ReportAvailability",
    "Skill",
    "WeekLoad",
    "WorkingCalendar",
    "registry",
    "week_count",
    "weeks_between",
]
