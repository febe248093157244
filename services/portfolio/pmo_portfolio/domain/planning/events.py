"""The facts of portfolio planning: budget envelopes, arbitration requests and saved scenarios.

Streams: "budget-envelope" (one envelope of money for a calendar year, revised in numbered
versions that decisions freeze), "budget-year" (the claim on a calendar year: which envelope holds
it, so two envelopes opened at once for one year collide on one stream) and "scenario" (a what-if
selection saved with all its inputs and its result, so it can be shown, compared and adopted long
after the data it came from moved on).
Events carry full copies of values, never floats: amounts are Decimal or Money.

Years are `int` in Python; JSON object keys are strings, so every year-keyed mapping accepts "2027"
as well as 2027 and events round-trip through JSON unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from pmo_kernel.events import DomainEvent
from pmo_kernel.money import ISO_4217, Money
from pmo_portfolio.domain.governance.values import (
    ActorId,
    Id,
    NonNegativeMoney,
    ShortText,
    VersionNumber,
)
from pmo_portfolio.domain.registry import registry

MIN_YEAR, MAX_YEAR = 2000, 2100

Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]
Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _no_float(value: Any) -> Any:
    """Floats carry binary rounding error: take their shortest repr, as Money does."""
    return Decimal(repr(value)) if isinstance(value, float) else value


def _year_keys(value: Any) -> Any:
    """{"2027": x} (from JSON) and {2027: x} (from Python) are the same mapping."""
    if not isinstance(value, Mapping):
        return value
    keyed: dict[Any, Any] = {}
    for key, item in value.items():
        if isinstance(key, str) and key.strip().isdigit():
            key = int(key.strip())
        keyed[key] = item
    return keyed


Quantity = Annotated[Decimal, BeforeValidator(_no_float), Field(ge=0, allow_inf_nan=False)]
Score = Annotated[Decimal, BeforeValidator(_no_float), Field(allow_inf_nan=False)]
# JSON object keys are strings: the document says which ones read as a year.
ByYear = Annotated[
    dict[Year, Quantity],
    BeforeValidator(_year_keys),
    Field(json_schema_extra={"propertyNames": {"pattern": r"^\s*[0-9]+\s*$"}}),
]
ByRolePeriod = dict[Key, dict[Key, Quantity]]
Pair = tuple[Id, Id]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# -- scenario values -----------------------------------------------------------------------------


class ScenarioCandidate(_Value):
    """One item the selection may take: its value, its cost per year, its demand on people."""

    id: Id
    title: ShortText
    score: Score
    cost_by_year: ByYear = Field(default_factory=dict)
    demand_by_role_period: ByRolePeriod = Field(default_factory=dict)
    mandatory: bool = False


class ScenarioInputs(_Value):
    """The whole selection problem, as the optimiser took it: enough to solve it again."""

    candidates: tuple[ScenarioCandidate, ...] = Field(min_length=1)
    budgets: ByYear
    currency: str = Field(min_length=3, max_length=3)
    capacity: ByRolePeriod = Field(default_factory=dict)
    dependencies: tuple[Pair, ...] = ()  # (a, b): a can only be selected with b
    exclusions: tuple[Pair, ...] = ()  # (a, b): a and b are not both selected
    # When the capacity is the capacity service's picture: the capacity version it was folded
    # at (the highest capacity event position applied). None: typed in, or none at all.
    capacity_version: int | None = Field(default=None, ge=1)

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.upper()
        if code not in ISO_4217:
            raise ValueError(f"unknown currency code {value!r} (ISO 4217 expected)")
        return code

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [candidate.id for candidate in self.candidates]
        twice = sorted({one for one in ids if ids.count(one) > 1})
        if twice:
            raise ValueError(f"candidates appear more than once: {', '.join(twice)}")
        known = set(ids)
        for label, pairs in (("dependency", self.dependencies), ("exclusion", self.exclusions)):
            for a, b in pairs:
                unknown = sorted({a, b} - known)
                if unknown:
                    raise ValueError(
                        f"{label} ({a}, {b}) names unknown candidates: {', '.join(unknown)}"
                    )
                if a == b:
                    raise ValueError(f"{label} ({a}, {b}) pairs a candidate with itself")
        return self

    @property
    def candidate_ids(self) -> tuple[str, ...]:
        return tuple(candidate.id for candidate in self.candidates)


class ScenarioResult(_Value):
    """What the optimiser answered for the inputs."""

    selected: tuple[Id, ...]
    total_value: Score
    budget_used: ByYear = Field(default_factory=dict)
    capacity_used: ByRolePeriod = Field(default_factory=dict)
    binding_constraints: tuple[ShortText, ...] = ()
    optimal: bool
    solver: ShortText
    solved_at: AwareDatetime

    @model_validator(mode="after")
    def _no_duplicates(self) -> Self:
        twice = sorted({one for one in self.selected if self.selected.count(one) > 1})
        if twice:
            raise ValueError(f"items are selected more than once: {', '.join(twice)}")
        return self


# -- budget envelopes ----------------------------------------------------------------------------


@registry.event
class BudgetEnvelopeOpened(DomainEvent):
    """A calendar year's envelope of money for the portfolio; its first version is 1."""

    event_type: ClassVar[str] = "BudgetEnvelopeOpened"

    envelope_id: Id
    year: Year
    amount: NonNegativeMoney
    description: Description
    envelope_version: VersionNumber = 1
    opened_by: ActorId
    opened_at: AwareDatetime


@registry.event
class BudgetEnvelopeRevised(DomainEvent):
    """A new version of the envelope's amount; decisions taken on the old one keep its number."""

    event_type: ClassVar[str] = "BudgetEnvelopeRevised"

    envelope_id: Id
    envelope_version: VersionNumber
    previous_amount: NonNegativeMoney
    amount: NonNegativeMoney
    reason: Reason
    revised_by: ActorId
    revised_at: AwareDatetime


@registry.event
class BudgetEnvelopeClosed(DomainEvent):
    """The envelope is closed: it is no longer revised, nor counted on a roadmap."""

    event_type: ClassVar[str] = "BudgetEnvelopeClosed"

    envelope_id: Id
    envelope_version: VersionNumber  # the last version, the one that stands
    reason: Reason | None = None
    closed_by: ActorId
    closed_at: AwareDatetime


@registry.event
class ArbitrationRequested(DomainEvent):
    """The roadmap commits more than the envelope holds: the items at stake go to arbitration."""

    event_type: ClassVar[str] = "ArbitrationRequested"

    envelope_id: Id
    year: Year
    envelope_version: VersionNumber  # the version the figures were computed against
    envelope: NonNegativeMoney
    committed: NonNegativeMoney
    over_by: Money
    item_ids: tuple[Id, ...] = Field(min_length=1)
    requested_by: ActorId
    requested_at: AwareDatetime


# -- budget years --------------------------------------------------------------------------------


@registry.event
class BudgetYearClaimed(DomainEvent):
    """An envelope opened for the year holds it: no other envelope is opened for it meanwhile."""

    event_type: ClassVar[str] = "BudgetYearClaimed"

    year: Year
    envelope_id: Id
    claimed_by: ActorId
    claimed_at: AwareDatetime


@registry.event
class BudgetYearReleased(DomainEvent):
    """The envelope holding the year was closed: a new envelope may claim the year."""

    event_type: ClassVar[str] = "BudgetYearReleased"

    year: Year
    envelope_id: Id  # the envelope that held the year
    released_by: ActorId
    released_at: AwareDatetime


@registry.event
class ItemCommittedToYear(DomainEvent):
    """An approved, planned item runs in (or costs money in) the year: what the roadmap needs of
    it, so the year's figures are read from this stream, not from every item's."""

    event_type: ClassVar[str] = "ItemCommittedToYear"

    year: Year
    item_id: Id
    title: ShortText | None = None
    start_quarter: Annotated[str, StringConstraints(pattern=r"^\d{4}-Q[1-4]$")]
    end_quarter: Annotated[str, StringConstraints(pattern=r"^\d{4}-Q[1-4]$")]
    cost_per_year: Annotated[dict[Year, NonNegativeMoney], BeforeValidator(_year_keys)]
    committed_by: ActorId
    committed_at: AwareDatetime


@registry.event
class ItemWithdrawnFromYear(DomainEvent):
    """The item no longer commits the year: planned elsewhere, or no longer approved."""

    event_type: ClassVar[str] = "ItemWithdrawnFromYear"

    year: Year
    item_id: Id
    reason: Reason
    withdrawn_by: ActorId
    withdrawn_at: AwareDatetime


@registry.event
class RoadmapIndexed(DomainEvent):
    """From here on every approved, planned item is committed to the budget years it spans:
    the items planned before were committed then, once (`years`, `items`: how many)."""

    event_type: ClassVar[str] = "RoadmapIndexed"

    years: list[Year]
    items: Annotated[int, Field(ge=0)]
    indexed_by: ActorId
    indexed_at: AwareDatetime


# -- scenarios -----------------------------------------------------------------------------------


@registry.event
class ScenarioSaved(DomainEvent):
    """A what-if selection, saved with all its inputs and its result."""

    event_type: ClassVar[str] = "ScenarioSaved"

    scenario_id: Id
    name: ShortText
    description: Description
    inputs: ScenarioInputs
    result: ScenarioResult
    saved_by: ActorId
    saved_at: AwareDatetime


@registry.event
class ScenarioAdopted(DomainEvent):
    """A governance decision adopted the scenario: the selection it made came from here."""

    event_type: ClassVar[str] = "ScenarioAdopted"

    scenario_id: Id
    decision_id: Id
    meeting_id: Id
    body_id: Id
    selected: tuple[Id, ...]  # the adopted selection, copied so readers need not load the save
    adopted_by: ActorId
    adopted_at: AwareDatetime


@registry.event
class ScenarioArchived(DomainEvent):
    """The scenario is put away: it stays readable but can no longer be adopted."""

    event_type: ClassVar[str] = "ScenarioArchived"

    scenario_id: Id
    reason: Reason | None = None
    archived_by: ActorId
    archived_at: AwareDatetime


EnvelopeEvent = (
    BudgetEnvelopeOpened | BudgetEnvelopeRevised | BudgetEnvelopeClosed | ArbitrationRequested
)
BudgetYearEvent = (
    BudgetYearClaimed | BudgetYearReleased | ItemCommittedToYear | ItemWithdrawnFromYear
)
ScenarioEvent = ScenarioSaved | ScenarioAdopted | ScenarioArchived

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "ArbitrationRequested",
    "BudgetEnvelopeClosed",
    "BudgetEnvelopeOpened",
    "BudgetEnvelopeRevised",
    "BudgetYearClaimed",
    "BudgetYearEvent",
    "BudgetYearReleased",
    "EnvelopeEvent",
    "ItemCommittedToYear",
    "ItemWithdrawnFromYear",
    "RoadmapIndexed",
    "ScenarioAdopted",
    "ScenarioArchived",
    "ScenarioCandidate",
    "ScenarioEvent",
    "ScenarioInputs",
    "ScenarioResult",
    "ScenarioSaved",
    "Year",
]
