"""Values of the capacity domain: ISO weeks, roles, skills, hours and percentages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

MAX_RANGE_WEEKS = 156  # an allocation or a read spans at most three years
WEEK_PATTERN = r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"
HOURS_PER_WEEK_MAX = Decimal(168)
WORKING_DAYS = 5  # Monday to Friday; a public holiday on one of them is not worked

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


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def monday_of(week: str) -> date:
    return date.fromisocalendar(int(week[:4]), int(week[6:]), 1)


def working_days_of(week: str) -> list[date]:
    monday = monday_of(week)
    return [monday + timedelta(days=i) for i in range(WORKING_DAYS)]


def weeks_between(first: str, last: str) -> Iterator[str]:
    """Every ISO week from `first` to `last`, both included."""
    day, end = monday_of(first), monday_of(last)
    while day <= end:
        yield week_of(day)
        day += timedelta(days=7)


def week_count(first: str, last: str) -> int:
    return (monday_of(last) - monday_of(first)).days // 7 + 1


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
