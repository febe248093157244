"""Values of the capacity domain: ISO weeks, roles, skills, hours and percentages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# The week arithmetic is the shared kernel's (the reporting service reads loads with it too);
# re-exported here, where the capacity code has always found it.
from pmo_kernel.capacity.weeks import (
    WORKING_DAYS,
    monday_of,
    week_count,
    week_of,
    weeks_between,
    working_days_of,
)

MAX_RANGE_WEEKS = 156  # an allocation or a read spans at most three years
WEEK_PATTERN = r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"
HOURS_PER_WEEK_MAX = Decimal(168)

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Subject = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Hours = Annotated[Decimal, Field(ge=0, le=HOURS_PER_WEEK_MAX, max_digits=6, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
PositivePercent = Annotated[Decimal, Field(gt=0, le=100, max_digits=5, decimal_places=2)]


def _real_week(value: str) -> str:
    year, week = int(value[:4]), int(value[6:])
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{value} is not a week of {year} (it has no week {week})") from None
    return value


IsoWeek = Annotated[
    str,
    StringConstraints(pattern=WEEK_PATTERN),
    AfterValidator(_real_week),
]


class PersonRole(StrEnum):
    PROJECT_MANAGER = "project_manager"
    PROGRAMME_MANAGER = "programme_manager"
    BUSINESS_ANALYST = "business_analyst"
    ARCHITECT = "architect"
    DEVELOPER = "developer"
    TESTER = "tester"
    SUPPORT = "support"


SkillName = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class Skill(BaseModel):
    """A named skill and its level, 1 (notions) to 5 (expert)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    level: Annotated[int, Field(ge=1, le=5)]


class AllocationKind(StrEnum):
    SOFT = "soft"  # proposed
    HARD = "hard"  # confirmed by the person's line manager


class WeekLoad(BaseModel):
    """A week of a person's: the hours they are available and the hours allocated to them."""

    model_config = ConfigDict(frozen=True)

    week: str
    available_hours: Decimal
    allocated_hours: Decimal
    soft_hours: Decimal
    hard_hours: Decimal

    @property
    def over_allocated(self) -> bool:
        return self.allocated_hours > self.available_hours


class OverbookedWeek(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    week: IsoWeek
    available_hours: Decimal
    allocated_hours: Decimal  # with the new allocation


__all__ = [
    "HOURS_PER_WEEK_MAX",
    "MAX_RANGE_WEEKS",
    "WEEK_PATTERN",
    "WORKING_DAYS",
    "AllocationKind",
    "Hours",
    "IsoWeek",
    "Name",
    "OverbookedWeek",
    "Percent",
    "PersonRole",
    "PositivePercent",
    "Skill",
    "Subject",
    "WeekLoad",
    "monday_of",
    "week_count",
    "week_of",
    "weeks_between",
    "working_days_of",
]
