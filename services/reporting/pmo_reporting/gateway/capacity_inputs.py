"""GraphQL inputs of the capacity commands, and their translation to the REST bodies.

They mirror services/capacity/pmo_capacity/domain/commands.py in camelCase; `body()` is the
snake_case JSON the service takes (it refuses unknown fields), fields the client left out are
left out. Validation is the service's: its 422 comes back as VALIDATION_FAILED with the field
errors. Hours, percentages and amounts are decimal strings, never floats; weeks are ISO weeks
("2027-W05"), months "2027-03".
"""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

import strawberry

from pmo_reporting.gateway.inputs import MoneyInput

Body = dict[str, Any]


def _json(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return body_of(value)
    return value


def body_of(value: Any) -> Body:
    """A strawberry input as the REST body: its set fields, snake_case, nested ones too."""
    fields = dataclasses.fields(value)
    found = {f.name: getattr(value, f.name) for f in fields}
    return {name: _json(v) for name, v in found.items() if v is not None}


class _Input:
    def body(self) -> Body:
        return body_of(self)


@strawberry.enum(description="A person's role, as the capacity service names it")
class PersonRole(Enum):
    PROJECT_MANAGER = "project_manager"
    PROGRAMME_MANAGER = "programme_manager"
    BUSINESS_ANALYST = "business_analyst"
    ARCHITECT = "architect"
    DEVELOPER = "developer"
    TESTER = "tester"
    SUPPORT = "support"


@strawberry.input(description="A skill and a level, 1 (notions) to 5 (expert)")
class SkillLevelInput(_Input):
    name: str
    level: int


@strawberry.input(description="A skill a request needs, at a minimum level")
class RequiredSkillInput(_Input):
    name: str
    min_level: int


@strawberry.input
class DefineCalendarInput(_Input):
    calendar_id: str
    name: str
    hours_per_week: str
    public_holidays: list[date] | None = None


@strawberry.input
class AddSkillInput(_Input):
    name: str
    description: str | None = None


@strawberry.input
class RegisterPersonInput(_Input):
    name: str
    line_manager: str = strawberry.field(description="The subject of their line manager")
    team: str
    roles: list[PersonRole]
    cost_rate_per_day: MoneyInput
    calendar_id: str
    skills: list[SkillLevelInput] | None = None
    part_time_percent: str | None = None


@strawberry.input
class RecordLeavingInput(_Input):
    last_day: date


@strawberry.input(
    description="For one ISO week or a month: either availablePercent, or absenceHours and/or "
    "otherDutyHours"
)
class ReportAvailabilityInput(_Input):
    week: str | None = None
    month: str | None = None
    available_percent: str | None = None
    absence_hours: str | None = None
    other_duty_hours: str | None = None
    note: str | None = None


@strawberry.input(description="Either hoursPerWeek or percentOfAvailability")
class ProposeAllocationInput(_Input):
    project_id: str
    start_week: str
    end_week: str
    hours_per_week: str | None = None
    percent_of_availability: str | None = None
    accept_over_allocation: bool | None = None


@strawberry.input
class AllocationInput(_Input):
    allocation_id: str
    reason: str | None = None

    def path_values(self) -> dict[str, str]:
        return {"allocation_id": self.allocation_id}

    def body(self) -> Body:
        return {} if self.reason is None else {"reason": self.reason}


@strawberry.input
class RaiseResourceRequestInput(_Input):
    project_id: str
    role: PersonRole
    start_week: str
    end_week: str
    hours_per_week: str
    skills: list[RequiredSkillInput] | None = None
    note: str | None = None


@strawberry.input(description="New values for an open request; what is left out stays")
class ReviseResourceRequestInput(_Input):
    start_week: str | None = None
    end_week: str | None = None
    hours_per_week: str | None = None
    skills: list[RequiredSkillInput] | None = None


@strawberry.input
class CancelResourceRequestInput(_Input):
    reason: str


@strawberry.input(description="The open requests to staff (all when none is named), from a team")
class ProposeStaffingInput(_Input):
    request_ids: list[str] | None = None
    team: str | None = None


@strawberry.input
class ProposedAssignmentInput(_Input):
    request_id: str
    reason: str | None = None

    def path_values(self) -> dict[str, str]:
        return {"request_id": self.request_id}

    def body(self) -> Body:
        return {} if self.reason is None else {"reason": self.reason}


@strawberry.input(description="An empty draft, or one with a saved proposal's open assignments")
class StartStaffingDraftInput(_Input):
    name: str
    from_proposal_id: str | None = None


@strawberry.input(
    description="Give a request to a person in the draft: the request's hours and weeks unless told"
)
class AssignInStaffingDraftInput(_Input):
    request_id: str
    person_id: str
    hours_per_week: str | None = None
    start_week: str | None = None
    end_week: str | None = None


@strawberry.input(description="The request the draft should give to nobody")
class UnassignInStaffingDraftInput(_Input):
    request_id: str

    def path_values(self) -> dict[str, str]:
        return {"request_id": self.request_id}

    def body(self) -> Body:
        return {}


@strawberry.input
class RenameStaffingDraftInput(_Input):
    name: str


@strawberry.input
class DiscardStaffingDraftInput(_Input):
    reason: str | None = None


@strawberry.input(
    description="acceptOverAllocation: adopt even if some allocations overbook their person "
    "(those flagged); otherwise OVER_ALLOCATION names each person and week, and nothing is made"
)
class AdoptStaffingDraftInput(_Input):
    accept_over_allocation: bool | None = None
