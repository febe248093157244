"""Value objects of a demand: what is asked for (content) and why it is worth it (business case).

They are shared by commands (request bodies) and events (stored facts), so their validation is the
single place where "a well-formed demand" is defined. Optional business-case fields are optional
on purpose: completeness is a governance rule checked at qualification, not a parsing error.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from pmo_kernel.money import Money


class DemandState(StrEnum):
    SUBMITTED = "submitted"
    INFORMATION_REQUESTED = "information_requested"
    INFORMATION_PROVIDED = "information_provided"
    QUALIFIED = "qualified"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """Human wording for error messages ("information requested", not the enum value)."""
        return self.value.replace("_", " ")


# Once decided (or withdrawn) a demand is history: nothing may change it any more.
CLOSED_STATES = frozenset({DemandState.ACCEPTED, DemandState.REJECTED, DemandState.WITHDRAWN})
OPEN_STATES = frozenset(DemandState) - CLOSED_STATES


class DemandCategory(StrEnum):
    PROJECT = "project"
    PROGRAMME = "programme"
    CHANGE = "change"
    REGULATORY = "regulatory"


class Urgency(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


def _blank_to_none(value: Any) -> Any:
    # Forms send "" for an untouched optional field; it means "not given", not "given as empty".
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _non_negative(money: Money) -> Money:
    if money.amount < 0:
        raise ValueError(f"amount must not be negative, got {money}")
    return money


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Department = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ListItem = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1_000)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
RequiredLongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)
]
OptionalLongText = Annotated[RequiredLongText | None, BeforeValidator(_blank_to_none)]
OptionalPersonName = Annotated[PersonName | None, BeforeValidator(_blank_to_none)]

Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]
OptionalReason = Annotated[Reason | None, BeforeValidator(_blank_to_none)]
MAX_QUESTIONS = 50

QUARTER_PATTERN = r"^\d{4}-Q[1-4]$"
Quarter = Annotated[
    str,
    BeforeValidator(_upper),
    StringConstraints(pattern=QUARTER_PATTERN),
    # Pydantic drops the pattern from the input schema behind the validator; any case is read.
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]{4}-[Qq][1-4]$"}, mode="validation"),
]
OptionalQuarter = Annotated[Quarter | None, BeforeValidator(_blank_to_none)]

NonNegativeMoney = Annotated[Money, AfterValidator(_non_negative)]
PersonDays = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]


def quarter_key(quarter: str) -> tuple[int, int]:
    """(year, quarter) so quarters order correctly whatever the year's width."""
    match = re.fullmatch(r"(\d{4})-Q([1-4])", quarter)
    if match is None:
        raise ValueError(f"not a quarter: {quarter!r} (expected e.g. 2027-Q1)")
    return int(match.group(1)), int(match.group(2))


class _ValueObject(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class DemandContent(_ValueObject):
    """What is being asked for. The requester is not part of it: it is the authenticated actor."""

    title: Title
    description: LongText = ""
    sponsor: OptionalPersonName = None
    department: Department
    category: DemandCategory
    urgency: Urgency
    strategic_objectives: list[ShortText] = Field(default_factory=list, max_length=20)
    desired_start_quarter: OptionalQuarter = None
    desired_end_quarter: OptionalQuarter = None

    @model_validator(mode="after")
    def _end_not_before_start(self) -> Self:
        start, end = self.desired_start_quarter, self.desired_end_quarter
        if start is not None and end is not None and quarter_key(end) < quarter_key(start):
            raise ValueError(f"desired end quarter {end} is before desired start quarter {start}")
        return self


class BusinessCase(_ValueObject):
    """Why the demand is worth doing. Every field is optional: a draft may be partial."""

    problem: OptionalLongText = None
    objectives: list[ListItem] = Field(default_factory=list, max_length=50)
    estimated_cost: NonNegativeMoney | None = None
    effort_person_days: PersonDays | None = None
    expected_benefits: OptionalLongText = None
    benefits_estimate: NonNegativeMoney | None = None
    risks: list[ListItem] = Field(default_factory=list, max_length=100)
    options_considered: list[ListItem] = Field(default_factory=list, max_length=50)

    def missing_for_completeness(self) -> list[str]:
        """Names of the fields a complete business case needs and this one lacks."""
        missing: list[str] = []
        if self.problem is None:
            missing.append("problem")
        if not self.objectives:
            missing.append("objectives")
        if self.estimated_cost is None:
            missing.append("estimated_cost")
        if self.effort_person_days is None:
            missing.append("effort_person_days")
        return missing

    @property
    def has_benefits_estimate(self) -> bool:
        return self.benefits_estimate is not None or self.expected_benefits is not None
