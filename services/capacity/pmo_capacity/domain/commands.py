"""Commands: request bodies of the capacity REST API. Frozen and strict (an unknown field is a
422, not silently dropped); who acts is never in a body, it is the authenticated caller."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pmo_capacity.domain.model import (
    MAX_RANGE_WEEKS,
    Hours,
    IsoWeek,
    Name,
    Percent,
    PersonRole,
    PositivePercent,
    Skill,
    SkillName,
    Subject,
    monday_of,
    week_count,
)
from pmo_capacity.domain.months import Month, weeks_of_month
from pmo_capacity.domain.request_values import RequestHours, RequiredSkill
from pmo_kernel.capacity.access import COST_READER_ROLES as COST_READER_ROLES
from pmo_kernel.capacity.access import READER_ROLES as READER_ROLES
from pmo_kernel.money import Money

Id = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Note = Annotated[str, Field(max_length=1000)]


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class DefineCalendar(Command):
    calendar_id: Id
    name: Name
    hours_per_week: Annotated[Hours, Field(gt=0)]
    public_holidays: Annotated[list[date], Field(max_length=400)] = []


class AddSkill(Command):
    name: SkillName
    description: Note | None = None


class RegisterPerson(Command):
    name: Name
    line_manager: Subject
    team: Name
    roles: Annotated[list[PersonRole], Field(min_length=1, max_length=10)]
    skills: Annotated[list[Skill], Field(max_length=50)] = []
    cost_rate_per_day: Money
    calendar_id: Id
    part_time_percent: PositivePercent = Decimal(100)

    # Field validators, so that an error names its field (a CSV import reports the column).
    @field_validator("skills")
    @classmethod
    def _one_level_per_skill(cls, skills: list[Skill]) -> list[Skill]:
        names = [s.name.casefold() for s in skills]
        if len(names) != len(set(names)):
            raise ValueError("each skill may be given once")
        return skills

    @field_validator("cost_rate_per_day")
    @classmethod
    def _not_negative(cls, rate: Money) -> Money:
        if rate.amount < 0:
            raise ValueError("the cost rate per day may not be negative")
        return rate


class RecordLeaving(Command):
    last_day: date


class ReportAvailability(Command):
    """For one ISO `week` or a calendar `month` (each of its ISO weeks, those whose Thursday
    falls in it): either `available_percent`, or hours of absence and / or other duties, a
    week (a month's report is the same report for each of its weeks)."""

    week: IsoWeek | None = None
    month: Month | None = None
    available_percent: Percent | None = None
    absence_hours: Hours | None = None
    other_duty_hours: Hours | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _one_way_of_saying_it(self) -> Self:
        if (self.week is None) == (self.month is None):
            raise ValueError("give either week or month, not both")
        hours = self.absence_hours is not None or self.other_duty_hours is not None
        if (self.available_percent is not None) == hours:
            raise ValueError(
                "give either available_percent or absence_hours / other_duty_hours, not both"
            )
        return self

    @property
    def weeks(self) -> list[str]:
        """The weeks the report is for."""
        if self.month is not None:
            return weeks_of_month(self.month)
        assert self.week is not None  # one of them, by the validator
        return [self.week]


class ProposeAllocation(Command):
    """Either `hours_per_week`, or `percent_of_availability`: that share of the person's
    available hours each week (an absence lowers it)."""

    project_id: Id
    start_week: IsoWeek
    end_week: IsoWeek
    hours_per_week: Annotated[Hours, Field(gt=0)] | None = None
    percent_of_availability: PositivePercent | None = None
    accept_over_allocation: bool = False

    @model_validator(mode="after")
    def _a_forward_range(self) -> Self:
        if (self.hours_per_week is None) == (self.percent_of_availability is None):
            raise ValueError("give either hours_per_week or percent_of_availability, not both")
        if monday_of(self.end_week) < monday_of(self.start_week):
            raise ValueError("end_week may not be before start_week")
        if week_count(self.start_week, self.end_week) > MAX_RANGE_WEEKS:
            raise ValueError(f"an allocation spans at most {MAX_RANGE_WEEKS} weeks")
        return self


class ConfirmAllocation(Command):
    pass


class ReleaseAllocation(Command):
    reason: Note | None = None


def _forward_range(start_week: str, end_week: str, what: str) -> None:
    if monday_of(end_week) < monday_of(start_week):
        raise ValueError("end_week may not be before start_week")
    if week_count(start_week, end_week) > MAX_RANGE_WEEKS:
        raise ValueError(f"{what} spans at most {MAX_RANGE_WEEKS} weeks")


def _one_level_per_required_skill(skills: list[RequiredSkill] | None) -> None:
    names = [s.name.casefold() for s in skills or []]
    if len(names) != len(set(names)):
        raise ValueError("each skill may be required once")


RequiredSkills = Annotated[list[RequiredSkill], Field(max_length=20)]


class RaiseResourceRequest(Command):
    """A request for a person of `role` with `skills`, `hours_per_week` over the weeks from
    `start_week` to `end_week`, for project `project_id` (the portfolio item's id)."""

    project_id: Id
    role: PersonRole
    skills: RequiredSkills = []
    start_week: IsoWeek
    end_week: IsoWeek
    hours_per_week: RequestHours
    note: Note | None = None

    @model_validator(mode="after")
    def _a_request_that_holds(self) -> Self:
        _forward_range(self.start_week, self.end_week, "a request")
        _one_level_per_required_skill(self.skills)
        return self


class ReviseResourceRequest(Command):
    """New values for an open request; what is left out stays as it is."""

    start_week: IsoWeek | None = None
    end_week: IsoWeek | None = None
    hours_per_week: RequestHours | None = None
    skills: RequiredSkills | None = None

    @model_validator(mode="after")
    def _something_to_revise(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("give at least one of start_week, end_week, hours_per_week, skills")
        _one_level_per_required_skill(self.skills)
        return self


class CancelResourceRequest(Command):
    reason: Annotated[Note, Field(min_length=1)]


_RESOURCE_MANAGER = frozenset({"resource_manager", "admin"})
_ALLOCATORS = frozenset({"project_manager", "pmo_analyst", "resource_manager", "admin"})

# Roles allowed each command; the line manager's own commands (reporting availability,
# confirming) are checked against the person instead: whoever is their line manager.
COMMAND_ROLES: dict[str, frozenset[str]] = {
    "add_skill": _RESOURCE_MANAGER,
    "import_people": _RESOURCE_MANAGER,
    "define_calendar": _RESOURCE_MANAGER,
    "register_person": _RESOURCE_MANAGER,
    "record_leaving": _RESOURCE_MANAGER,
    "propose_allocation": _ALLOCATORS,
    "release_allocation": _ALLOCATORS,
    "raise_resource_request": _ALLOCATORS,
    "revise_resource_request": _ALLOCATORS,
    "cancel_resource_request": _ALLOCATORS,
}
# Who may revise or cancel any resource request; a project manager without one of these roles
# only the requests they raised (ResourceRequest).
REQUEST_CHANGE_ANY_ROLES = frozenset({"pmo_analyst", "resource_manager", "admin", "service"})
# Who may read people and their load, and who sees cost rates (besides the person's line
# manager), READER_ROLES and COST_READER_ROLES, are the kernel's (pmo_kernel.capacity.access):
# the reporting gateway applies the same rule to its read models.
