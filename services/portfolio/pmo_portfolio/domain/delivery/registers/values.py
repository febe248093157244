"""The values the risk, issue and benefit registers are built from: texts, 1–5 ratings, months
and the vocabularies (categories, responses, severities, matrix bands). The bottom layer of the
registers package: it imports nothing of it, and nothing of any other sub-domain.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4_000)]
# A rating on the register's 1–5 scales (probability, impact).
Rating = Annotated[int, Field(ge=1, le=5)]
# A calendar month, "2027-03": the period benefits are reported and planned for.
Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


def _no_float(value: object) -> object:
    if isinstance(value, float):
        raise ValueError(f"{value!r} is a float: write the value as a decimal string or integer")
    return value


# A measured value (an amount of money or any other unit): Decimal, never a float (binary
# rounding would change it on the way in).
Measure = Annotated[Decimal, BeforeValidator(_no_float), Field(max_digits=18, decimal_places=4)]


# A lesson's tag: lower case words joined by hyphens ("supplier-management").
Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=50,
        pattern=r"^[a-z0-9][a-z0-9-]*$",
    ),
]  # fmt: skip


class LessonCategory(StrEnum):
    """What a lesson learned at closure is about."""

    PLANNING = "planning"
    ESTIMATION = "estimation"
    GOVERNANCE = "governance"
    STAKEHOLDERS = "stakeholders"
    SUPPLIERS = "suppliers"
    TECHNOLOGY = "technology"
    PEOPLE = "people"
    QUALITY = "quality"
    RISK = "risk"


class RiskCategory(StrEnum):
    SCHEDULE = "schedule"
    COST = "cost"
    SCOPE = "scope"
    TECHNICAL = "technical"
    RESOURCE = "resource"
    SUPPLIER = "supplier"
    REGULATORY = "regulatory"
    SECURITY = "security"
    ORGANISATIONAL = "organisational"
    EXTERNAL = "external"


class Response(StrEnum):
    """How the owner answers a risk (the four standard threat responses)."""

    AVOID = "avoid"
    REDUCE = "reduce"
    TRANSFER = "transfer"
    ACCEPT = "accept"


class Band(StrEnum):
    """Where probability × impact falls on the 5×5 matrix (DOMAIN.md)."""

    CRITICAL = "critical"  # 20–25
    HIGH = "high"  # 12–19
    MEDIUM = "medium"  # 6–11
    LOW = "low"  # 2–5
    MINIMAL = "minimal"  # 1


class Severity(StrEnum):
    """How badly an issue (a problem that is happening) hurts the project."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


SEVERITIES: tuple[Severity, ...] = tuple(Severity)  # worst first

__all__ = [
    "SEVERITIES",
    "Band",
    "Id",
    "LessonCategory",
    "LongText",
    "Measure",
    "Month",
    "Rating",
    "Response",
    "RiskCategory",
    "Severity",
    "ShortText",
    "Tag",
]
