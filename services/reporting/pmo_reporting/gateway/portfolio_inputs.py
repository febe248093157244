"""GraphQL inputs of the portfolio commands, and their translation to the REST bodies.

They mirror services/portfolio/pmo_portfolio/application/commands.py in camelCase; `body()` is
the snake_case JSON the service takes (it refuses unknown fields), optional fields the client
left out are left out. Validation is the service's: its 422 comes back as VALIDATION_FAILED
with the field errors. Amounts and other decimals are strings, never floats.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from pmo_reporting.gateway.inputs import MoneyInput
from pmo_reporting.gateway.portfolio_types import DecisionOutcome, GovernanceBodyKind, MemberRole

Body = dict[str, Any]


def _set(body: Body) -> Body:
    return {key: value for key, value in body.items() if value is not None}


# -- scoring models ---------------------------------------------------------------------------


@strawberry.enum
class ScoringModelKind(Enum):
    WEIGHTED = "weighted"
    WSJF = "wsjf"


@strawberry.enum
class CriterionDirection(Enum):
    HIGHER_IS_BETTER = "higher_is_better"
    INVERSE = "inverse"


@strawberry.enum(description="The trade-off chart axis a criterion counts on")
class CriterionDimension(Enum):
    VALUE = "value"
    RISK = "risk"
    EFFORT = "effort"


@strawberry.input
class ScaleInput:
    min: int
    max: int
    values: list[int] | None = None


@strawberry.input
class CriterionInput:
    key: str
    label: str
    weight: str = strawberry.field(description="Percentage of the model, decimal string")
    scale: ScaleInput
    direction: CriterionDirection | None = None
    dimension: CriterionDimension | None = None
    mandatory_when_at_least: int | None = None

    def body(self) -> Body:
        return _set(
            {
                "key": self.key,
                "label": self.label,
                "weight": self.weight,
                "scale": _set(
                    {"min": self.scale.min, "max": self.scale.max, "values": self.scale.values}
                ),
                "direction": self.direction.value if self.direction else None,
                "dimension": self.dimension.value if self.dimension else None,
                "mandatory_when_at_least": self.mandatory_when_at_least,
            }
        )


@strawberry.input
class CreateScoringModelInput:
    model_id: str
    name: str
    kind: ScoringModelKind | None = None
    criteria: list[CriterionInput]

    def body(self) -> Body:
        return _set(
            {
                "model_id": self.model_id,
                "name": self.name,
                "kind": self.kind.value if self.kind else None,
                "criteria": [c.body() for c in self.criteria],
            }
        )


@strawberry.input
class ReviseScoringModelDraftInput:
    criteria: list[CriterionInput]

    def body(self) -> Body:
        return {"criteria": [c.body() for c in self.criteria]}


@strawberry.input
class ReasonInput:
    reason: str | None = None

    def body(self) -> Body:
        return _set({"reason": self.reason})


# -- items ------------------------------------------------------------------------------------


@strawberry.input
class CriterionScoreInput:
    key: str
    score: int
    justification: str


@strawberry.input(description="The caller is the evaluator")
class ScoreItemInput:
    model_id: str
    scores: list[CriterionScoreInput]

    def body(self) -> Body:
        return {
            "model_id": self.model_id,
            "scores": {s.key: s.score for s in self.scores},
            "justifications": {s.key: s.justification for s in self.scores},
        }


@strawberry.input
class YearCostInput:
    year: int
    cost: MoneyInput


@strawberry.input
class PlanItemInput:
    start_quarter: str = strawberry.field(description="e.g. 2027-Q1")
    end_quarter: str
    cost_per_year: list[YearCostInput]

    def body(self) -> Body:
        return {
            "start_quarter": self.start_quarter,
            "end_quarter": self.end_quarter,
            "cost_per_year": {str(c.year): c.cost.body() for c in self.cost_per_year},
        }


@strawberry.input
class AssignToProgrammeInput:
    programme_id: str

    def body(self) -> Body:
        return {"programme_id": self.programme_id}


# -- governance bodies and routing rules ------------------------------------------------------


@strawberry.input
class EstablishGovernanceBodyInput:
    body_id: str
    kind: GovernanceBodyKind
    name: str

    def body(self) -> Body:
        return {"body_id": self.body_id, "kind": self.kind.value, "name": self.name}


@strawberry.input
class AddBodyMemberInput:
    person_id: str
    role: MemberRole | None = None

    def body(self) -> Body:
        return _set({"person_id": self.person_id, "role": self.role.value if self.role else None})


@strawberry.input
class RemoveBodyMemberInput:
    person_id: str

    def body(self) -> None:
        return None  # DELETE: the person is in the path

    def path_values(self) -> dict[str, str]:
        return {"person_id": self.person_id}


@strawberry.input
class GrantDecisionRightInput:
    gate: str
    outcomes: list[DecisionOutcome]

    def body(self) -> Body:
        return {"gate": self.gate, "outcomes": [o.value for o in self.outcomes]}


@strawberry.input(description="Without outcomes, every right at the gate is revoked")
class RevokeDecisionRightInput:
    gate: str
    outcomes: list[DecisionOutcome] | None = None

    def body(self) -> Body:
        outcomes = [o.value for o in self.outcomes] if self.outcomes is not None else None
        return _set({"gate": self.gate, "outcomes": outcomes})


@strawberry.input
class PublishRoutingRulesInput:
    rules: JSON = strawberry.field(
        description="The whole rule set: [{id, description, condition, gate, body_kind, mode}]"
    )
    base_currency: str | None = None
    exchange_rates: JSON | None = strawberry.field(
        default=None, description="{currency: units of the base currency, decimal string}"
    )

    def body(self) -> Body:
        return _set(
            {
                "rules": self.rules,
                "base_currency": self.base_currency,
                "exchange_rates": self.exchange_rates,
            }
        )


# -- meetings and decisions -------------------------------------------------------------------


@strawberry.input
class ScheduleMeetingInput:
    meeting_id: str
    body_id: str
    date: date
    title: str

    def body(self) -> Body:
        return {
            "meeting_id": self.meeting_id,
            "body_id": self.body_id,
            "date": self.date.isoformat(),
            "title": self.title,
        }


@strawberry.input
class AddAgendaItemInput:
    item_id: str
    gate: str
    purpose: str

    def body(self) -> Body:
        return {"item_id": self.item_id, "gate": self.gate, "purpose": self.purpose}


@strawberry.input(
    description="The inputs it is based on (business case, score, rules, envelope) are frozen "
    "by the service"
)
class RecordDecisionInput:
    item_id: str
    gate: str
    outcome: DecisionOutcome
    participants: list[str]
    rationale: str
    conditions: list[str] = strawberry.field(default_factory=list)
    scoring_model_id: str | None = None
    budget_envelope_id: str | None = strawberry.field(
        default=None,
        description="Default: the open envelope of the item's planned start year, if any",
    )

    def body(self) -> Body:
        return _set(
            {
                "item_id": self.item_id,
                "gate": self.gate,
                "outcome": self.outcome.value,
                "participants": self.participants,
                "rationale": self.rationale,
                "conditions": self.conditions,
                "scoring_model_id": self.scoring_model_id,
                "budget_envelope_id": self.budget_envelope_id,
            }
        )


@strawberry.input
class AdoptScenarioInput:
    scenario_id: str
    participants: list[str]
    rationale: str

    def body(self) -> Body:
        return {
            "scenario_id": self.scenario_id,
            "participants": self.participants,
            "rationale": self.rationale,
        }


# -- budget envelopes -------------------------------------------------------------------------


@strawberry.input
class OpenBudgetEnvelopeInput:
    envelope_id: str
    year: int
    amount: MoneyInput
    description: str

    def body(self) -> Body:
        return {
            "envelope_id": self.envelope_id,
            "year": self.year,
            "amount": self.amount.body(),
            "description": self.description,
        }


@strawberry.input
class ReviseBudgetEnvelopeInput:
    amount: MoneyInput
    reason: str

    def body(self) -> Body:
        return {"amount": self.amount.body(), "reason": self.reason}


# -- scenarios and programmes -----------------------------------------------------------------


@strawberry.input
class YearAmountInput:
    year: int
    amount: str = strawberry.field(description="Decimal string")


@strawberry.input
class ItemPairInput:
    a: str
    b: str


@strawberry.input
class ScenarioCandidateInput:
    id: str
    title: str
    score: str = strawberry.field(description="Decimal string")
    cost_by_year: list[YearAmountInput] = strawberry.field(default_factory=list)
    demand_by_role_period: JSON | None = strawberry.field(
        default=None, description="{role: {period: hours as a decimal string}}"
    )
    mandatory: bool = False

    def body(self) -> Body:
        return _set(
            {
                "id": self.id,
                "title": self.title,
                "score": self.score,
                "cost_by_year": _by_year(self.cost_by_year),
                "demand_by_role_period": self.demand_by_role_period,
                "mandatory": self.mandatory,
            }
        )


@strawberry.input(description="Candidates from the portfolio's open items, scored with a model")
class FromPortfolioInput:
    scoring_model_id: str
    item_ids: list[str] | None = None

    def body(self) -> Body:
        return _set({"scoring_model_id": self.scoring_model_id, "item_ids": self.item_ids})


@strawberry.enum(description="Where a scenario's capacity comes from")
class CapacitySource(Enum):
    INPUTS = "inputs"  # the `capacity` given with the inputs (or none)
    CAPACITY_SERVICE = "capacity_service"  # the capacity service's picture, by role and quarter


@strawberry.input(description="The selection problem: candidates, or fromPortfolio to build them")
class SelectionInputsInput:
    candidates: list[ScenarioCandidateInput] | None = None
    from_portfolio: FromPortfolioInput | None = None
    budgets: list[YearAmountInput]
    currency: str
    capacity: JSON | None = strawberry.field(
        default=None, description="{role: {period: hours as a decimal string}}"
    )
    capacity_from: CapacitySource | None = strawberry.field(
        default=None,
        description="CAPACITY_SERVICE: the capacity service's free person-days per role and "
        "quarter, items demanding their effort by role (leave capacity out)",
    )
    dependencies: list[ItemPairInput] = strawberry.field(default_factory=list)
    exclusions: list[ItemPairInput] = strawberry.field(default_factory=list)

    def body(self) -> Body:
        return _set(
            {
                "capacity_from": self.capacity_from.value if self.capacity_from else None,
                "candidates": [c.body() for c in self.candidates]
                if self.candidates is not None
                else None,
                "from_portfolio": self.from_portfolio.body() if self.from_portfolio else None,
                "budgets": _by_year(self.budgets),
                "currency": self.currency,
                "capacity": self.capacity,
                "dependencies": [[p.a, p.b] for p in self.dependencies],
                "exclusions": [[p.a, p.b] for p in self.exclusions],
            }
        )


@strawberry.input(description="Solved by the portfolio service, then saved with its result")
class SaveScenarioInput:
    scenario_id: str
    name: str
    description: str
    inputs: SelectionInputsInput

    def body(self) -> Body:
        return {
            "scenario_id": self.scenario_id,
            "name": self.name,
            "description": self.description,
            "inputs": self.inputs.body(),
        }


@strawberry.input
class EstablishProgrammeInput:
    programme_id: str
    name: str
    description: str
    sponsor: str

    def body(self) -> Body:
        return {
            "programme_id": self.programme_id,
            "name": self.name,
            "description": self.description,
            "sponsor": self.sponsor,
        }


def _by_year(amounts: list[YearAmountInput]) -> dict[str, str]:
    return {str(a.year): a.amount for a in amounts}
