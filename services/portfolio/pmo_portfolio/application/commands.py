"""Command bodies the portfolio REST API accepts (frozen, unknown fields refused)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from pmo_kernel.money import Money
from pmo_kernel.scoring.model import ScalePoint
from pmo_portfolio.domain.governance import BodyKind, MemberRole, Outcome, RoutingRule
from pmo_portfolio.domain.governance.gates import GateScheme
from pmo_portfolio.domain.planning.events import ScenarioCandidate
from pmo_portfolio.domain.scoring.model import Criterion, ModelKind

# A JSON object's keys are strings: a year-keyed map documents the digits it parses as a year.
YEAR_KEYS: JsonDict = {"propertyNames": {"pattern": r"^\s*[+-]?[0-9]+\s*$"}}


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class CreateScoringModel(Command):
    model_id: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=200)
    kind: ModelKind = ModelKind.WEIGHTED
    criteria: list[Criterion] = Field(min_length=1, max_length=30)


class ReviseScoringModelDraft(Command):
    criteria: list[Criterion] = Field(min_length=1, max_length=30)


class PublishScoringModel(Command):
    pass


class RetireScoringModel(Command):
    reason: str | None = Field(default=None, max_length=2000)


class ScoreItem(Command):
    model_id: str = Field(min_length=1, max_length=80)
    scores: dict[str, ScalePoint] = Field(min_length=1, max_length=30)
    justifications: dict[str, str] = Field(min_length=1, max_length=30)


class EstablishBody(Command):
    body_id: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: BodyKind
    name: str = Field(min_length=1, max_length=200)


class AddMember(Command):
    person_id: str = Field(min_length=1, max_length=200)
    role: MemberRole = MemberRole.MEMBER


class GrantRight(Command):
    gate: str = Field(min_length=1, max_length=20)
    outcomes: list[Outcome] = Field(min_length=1)


class RevokeRight(Command):
    gate: str = Field(min_length=1, max_length=20)
    outcomes: list[Outcome] | None = None


class PublishRoutingRules(Command):
    """The next version of the governance configuration. Omitted, the base currency, exchange
    rates and stage-gate scheme stay those of the version in force. A new gate scheme applies
    to items registered from then on; items already registered keep theirs."""

    rules: list[RoutingRule] = Field(max_length=100)
    base_currency: str | None = Field(default=None, min_length=3, max_length=3)
    exchange_rates: dict[str, Decimal] | None = None
    gates: GateScheme | None = None


class ScheduleMeeting(Command):
    meeting_id: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*$")
    body_id: str = Field(min_length=1, max_length=80)
    date: dt.date
    title: str = Field(min_length=1, max_length=200)


class AddAgendaItem(Command):
    item_id: str = Field(min_length=1, max_length=200)
    gate: str = Field(min_length=1, max_length=20)
    purpose: str = Field(min_length=1, max_length=2000)


class TakeDecision(Command):
    """A body's decision on an agenda item. The inputs it was based on (business case version,
    scoring model and score, rule set, budget envelope) are frozen by the service, not sent."""

    item_id: str = Field(min_length=1, max_length=200)
    gate: str = Field(min_length=1, max_length=20)
    outcome: Outcome
    participants: list[str] = Field(min_length=2, max_length=50)
    rationale: str = Field(min_length=1, max_length=10_000)
    conditions: list[str] = Field(default_factory=list, max_length=50)
    scoring_model_id: str | None = Field(default=None, max_length=80)
    # When omitted, the open envelope of the item's planned start year (or of the decision's
    # year, for an unplanned item) is frozen, if there is one.
    budget_envelope_id: str | None = Field(default=None, min_length=1, max_length=80)


class CloseMeeting(Command):
    pass


class PlanItem(Command):
    start_quarter: str = Field(pattern=r"^\d{4}-Q[1-4]$")
    end_quarter: str = Field(pattern=r"^\d{4}-Q[1-4]$")
    cost_per_year: dict[int, Money] = Field(
        min_length=1, max_length=20, json_schema_extra=YEAR_KEYS
    )


# -- budget envelopes ----------------------------------------------------------------------------

Slug = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*$")]


class OpenEnvelope(Command):
    envelope_id: Slug
    year: int = Field(ge=2000, le=2100)
    amount: Money
    description: str = Field(min_length=1, max_length=2000)


class ReviseEnvelope(Command):
    amount: Money
    reason: str = Field(min_length=1, max_length=2000)


class CloseEnvelope(Command):
    reason: str | None = Field(default=None, max_length=2000)


# -- scenarios -----------------------------------------------------------------------------------


class FromPortfolio(Command):
    """Candidates taken from the portfolio: its open candidate and approved items, scored with
    `scoring_model_id` (all of them, or only `item_ids`)."""

    scoring_model_id: str = Field(min_length=1, max_length=80)
    item_ids: list[str] | None = Field(default=None, min_length=1, max_length=1000)


class SelectionInputs(Command):
    """The selection problem: explicit `candidates`, or `from_portfolio` to build them."""

    candidates: list[ScenarioCandidate] | None = Field(default=None, min_length=1, max_length=1000)
    from_portfolio: FromPortfolio | None = None
    budgets: dict[int, Decimal] = Field(min_length=1, max_length=20, json_schema_extra=YEAR_KEYS)
    currency: str = Field(min_length=3, max_length=3)
    capacity: dict[str, dict[str, Decimal]] = Field(default_factory=dict)
    # "capacity_service": the capacity is the capacity service's picture (free person-days per
    # role and quarter of the candidates' demand), and the demand of a portfolio item is its
    # effort by role and quarter; `capacity` is then left out.
    capacity_from: Literal["inputs", "capacity_service"] = "inputs"
    dependencies: list[tuple[str, str]] = Field(default_factory=list, max_length=5000)
    exclusions: list[tuple[str, str]] = Field(default_factory=list, max_length=5000)

    @model_validator(mode="after")
    def _one_source_of_capacity(self) -> Self:
        if self.capacity_from == "capacity_service" and self.capacity:
            raise ValueError("give the capacity, or capacity_from capacity_service, not both")
        return self


class SaveScenario(Command):
    scenario_id: Slug
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=2000)
    inputs: SelectionInputs
    # Also accepted beside `inputs` rather than inside it, for callers that read the contract so.
    from_portfolio: FromPortfolio | None = None

    @model_validator(mode="after")
    def _one_source_of_candidates(self) -> Self:
        sources = [
            self.inputs.candidates is not None,
            self.inputs.from_portfolio is not None,
            self.from_portfolio is not None,
        ]
        if sum(sources) != 1:
            raise ValueError("give the candidates either explicitly or with from_portfolio")
        return self

    @property
    def portfolio_source(self) -> FromPortfolio | None:
        return self.inputs.from_portfolio or self.from_portfolio


class ArchiveScenario(Command):
    reason: str | None = Field(default=None, max_length=2000)


class AdoptScenario(Command):
    scenario_id: str = Field(min_length=1, max_length=80)
    participants: list[str] = Field(min_length=2, max_length=50)
    rationale: str = Field(min_length=1, max_length=10_000)


# -- programmes ----------------------------------------------------------------------------------


class EstablishProgramme(Command):
    programme_id: Slug
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=2000)
    sponsor: str = Field(min_length=1, max_length=200)


class AssignToProgramme(Command):
    programme_id: str = Field(min_length=1, max_length=80)
