"""Values of resource requests: what a request asks for and where it stands."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# A request is filled whole by one person (the staffing optimiser's unit), so it asks for at
# most a week's hours; a larger demand is several requests (the planned-items consumer splits a
# portfolio item's demand of a role in a quarter into seats of at most a full-time week).
REQUEST_HOURS_MAX = Decimal(168)

RequestHours = Annotated[Decimal, Field(gt=0, le=REQUEST_HOURS_MAX, max_digits=6, decimal_places=2)]


class RequiredSkill(BaseModel):
    """A skill the request needs, at `min_level` or above: 1 (notions) to 5 (expert)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    min_level: Annotated[int, Field(ge=1, le=5)]


class RequestSource(StrEnum):
    DIRECT = "direct"  # raised by a project manager or an analyst through the API
    PORTFOLIO = "portfolio"  # raised from a portfolio item's plan (pmo.portfolio.events)


class RequestStatus(StrEnum):
    OPEN = "open"
    FILLED = "filled"  # a person was allocated to it
    CANCELLED = "cancelled"
