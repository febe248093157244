"""Command bodies the portfolio REST API accepts (frozen, unknown fields refused)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from pmo_kernel.money import Money
from pmo_portfolio.domain.governance.decisions import BodyKind, MemberRole, Outcome, RoutingRule
from pmo_portfolio.domain.scoring.model import Criterion, ModelKind


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
    scores: dict[str, int] = Field(min_length=1, max_length=30)
    justifications: dict[str, str] = Field(min_length=1, max_length=30)


class EstablishBody(Command):
    body_id: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: BodyKind
    name: str = Field(min_length=1, max_length=200)


class AddMember(Command):
    person_id: str = Field(min_length=1, max_length=200)
    role: MemberRole = MemberRole.MEMBER


class GrantRight(Command):
    gate: str = Field(min_length=1, max_length=10)
    outcomes: list[Outcome] = Field(min_length=1)


class RevokeRight(Command):
    gate: str = Field(min_length=1, max_length=10)
    outcomes: list[Outcome] | None = None


class PublishRoutingRules(Command):
    rules: list[RoutingRule] = Field(max_length=100)
    base_currency: str | None = Field(default=None, min_length=3, max_length=3)
    exchange_rates: dict[str, Decimal] | None = None


class ScheduleMeeting(Command):
    meeting_id: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*$")
    body_id: str = Field(min_length=1, max_length=80)
    date: dt.date
    title: str = Field(min_length=1, max_length=200)


class AddAgendaItem(Command):
    item_id: str = Field(min_length=1, max_length=200)
    gate: str = Field(min_length=1, max_length=10)
    purpose: str = Field(min_length=1, max_length=2000)


class TakeDecision(Command):
    """A body's decision on an agenda item. The inputs it was based on (business case version,
    scoring model and score, rule set, budget envelope) are frozen by the service, not sent."""

    item_id: str = Field(min_length=1, max_length=200)
    gate: str = Field(min_length=1, max_length=10)
    outcome: Outcome
    participants: list[str] = Field(min_length=2, max_length=50)
    rationale: str = Field(min_length=1, max_length=10_000)
    conditions: list[str] = Field(default_factory=list, max_length=50)
    scoring_model_id: str | None = Field(default=None, max_length=80)


class CloseMeeting(Command):
    pass


class PlanItem(Command):
    start_quarter: str = Field(pattern=r"^\d{4}-Q[1-4]$")
    end_quarter: str = Field(pattern=r"^\d{4}-Q[1-4]$")
    cost_per_year: dict[int, Money] = Field(min_length=1, max_length=20)
