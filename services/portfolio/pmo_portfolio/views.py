"""The JSON the portfolio's GET endpoints answer with, for the planning side.

Amounts and scores are decimal strings (money as {amount, currency}), never JSON numbers: a
float would round them. Year keys are strings, as JSON object keys must be.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pmo_kernel.access import Sight
from pmo_kernel.money import Money
from pmo_portfolio.access import item_without_figures
from pmo_portfolio.application.selection import Explanation
from pmo_portfolio.domain.governance import Decision, GateApprovals, RoutingRules, RoutingRuleSet
from pmo_portfolio.domain.governance.gates import GateScheme
from pmo_portfolio.domain.governance.item import PortfolioItem
from pmo_portfolio.domain.planning import BudgetEnvelope, Comparison, Roadmap, Scenario
from pmo_portfolio.domain.programmes import Programme
from pmo_portfolio.domain.scoring import ItemScores

Json = dict[str, Any]


def _money(value: Money | None) -> Json | None:
    return None if value is None else value.model_dump(mode="json")


def _by_year(values: Mapping[int, Money]) -> Json:
    return {str(year): _money(value) for year, value in sorted(values.items())}


def _decimals(values: Mapping[int, Decimal]) -> Json:
    return {str(year): str(value) for year, value in sorted(values.items())}


def envelope_view(envelope: BudgetEnvelope) -> Json:
    return {
        "id": envelope.id,
        "version": envelope.version,
        "year": envelope.year,
        "description": envelope.description,
        "amount": _money(envelope.amount),
        "envelope_version": envelope.envelope_version,
        "closed": envelope.closed,
        "versions": [
            {
                "version": known.version,
                "amount": _money(known.amount),
                "reason": known.reason,
                "set_by": known.set_by,
                "set_at": known.set_at.isoformat(),
            }
            for known in envelope.history
        ],
        "arbitration_requests": [
            request.model_dump(mode="json") for request in envelope.arbitration_requests
        ],
    }


def roadmap_view(roadmap: Roadmap, envelopes: Mapping[int, BudgetEnvelope]) -> Json:
    return {
        "currency": roadmap.currency,
        "quarters": [
            {
                "quarter": column.quarter,
                "starting": list(column.starting),
                "running": list(column.running),
                "ending": list(column.ending),
            }
            for column in roadmap.quarters
        ],
        "years": [
            {
                "year": budget.year,
                "envelope_id": envelopes[budget.year].id if budget.year in envelopes else None,
                "envelope": _money(budget.envelope),
                "committed": _money(budget.committed),
                "remaining": _money(budget.remaining),
                "over_committed": budget.over_committed,
                "over_by": _money(budget.over_by),
                "unfunded": budget.unfunded,
            }
            for budget in roadmap.years
        ],
        "arbitration_needed": list(roadmap.arbitration_needed),
        "unfunded_years": roadmap.unfunded_years,
        "items": [
            {
                "item_id": item.item_id,
                "title": item.title,
                "start_quarter": item.start_quarter,
                "end_quarter": item.end_quarter,
                "cost_per_year": _by_year(item.cost_per_year),
            }
            for item in roadmap.items
        ],
    }


def scenario_view(scenario: Scenario, explanation: Explanation) -> Json:
    adoption = scenario.adoption
    return {
        "id": scenario.id,
        "version": scenario.version,
        "name": scenario.name,
        "description": scenario.description,
        "state": scenario.state.value if scenario.state else None,
        "saved_by": scenario.saved_by,
        "saved_at": scenario.saved_at.isoformat() if scenario.saved_at else None,
        "inputs": scenario.inputs.model_dump(mode="json"),
        "result": scenario.result.model_dump(mode="json"),
        "adoption": None
        if adoption is None
        else {
            "decision_id": adoption.decision_id,
            "meeting_id": adoption.meeting_id,
            "body_id": adoption.body_id,
            "adopted_by": adoption.adopted_by,
            "adopted_at": adoption.adopted_at.isoformat(),
        },
        "explanation": {
            "above_cut": [item.model_dump(mode="json") for item in explanation.above_cut],
            "below_cut": [item.model_dump(mode="json") for item in explanation.below_cut],
            "frontier": [point.model_dump(mode="json") for point in explanation.frontier],
        },
    }


def comparison_view(comparison: Comparison) -> Json:
    return {
        "currency": comparison.currency,
        "years": list(comparison.years),
        "common": list(comparison.common),
        "rows": [
            {
                "scenario_id": row.scenario_id,
                "name": row.name,
                "state": row.state.value,
                "total_value": str(row.total_value),
                "selected_count": row.selected_count,
                "budget_used": _decimals(row.budget_used),
                "only_here": list(row.only_here),
                "optimal": row.optimal,
            }
            for row in comparison.rows
        ],
    }


def _approval_view(decision: Decision) -> Json:
    return {
        "decision_id": decision.decision_id,
        "meeting_id": decision.meeting_id,
        "body_id": decision.body_id,
        "body_kind": decision.body_kind.value,
        "outcome": decision.outcome.value,
        "conditions": list(decision.conditions),
        "business_case_version": decision.business_case_version,
        "capacity_version": decision.capacity_version,
        "decided_at": decision.decided_at.isoformat(),
    }


def gate_approvals_view(approvals: GateApprovals | None) -> Json | None:
    """The joint sign-off at the item's next gate: the bodies the routing rules in force require
    (and the rules requiring each), the approvals that count, the bodies still awaited, and the
    approvals that lapsed because the business case was revised since. None once the item
    takes no more approvals."""
    if approvals is None:
        return None
    return {
        "gate": approvals.gate,
        "required": [
            {
                "body_kind": requirement.body_kind.value,
                "rule_ids": list(requirement.rule_ids),
                "approved": requirement.body_kind in approvals.approved,
            }
            for requirement in approvals.requirements
        ],
        "given": [_approval_view(decision) for decision in approvals.given],
        "awaiting": [kind.value for kind in approvals.awaiting],
        "lapsed": [_approval_view(decision) for decision in approvals.lapsed],
    }


def item_scores_view(scores: ItemScores) -> Json:
    """An item's `scores` (every evaluation, superseded ones flagged) and its
    `consolidated_scores` (one per model version used): the fields of GraphQL's ItemScore and
    ConsolidatedScore, in snake_case."""
    return {
        "scores": [
            {
                "evaluator": scored.evaluation.evaluator_id,
                "model": scored.evaluation.model_id,
                "model_version": scored.evaluation.model_version,
                "scored_at": scored.evaluation.scored_at.isoformat(),
                "superseded": scored.superseded,
                "criteria": [
                    {
                        "key": key,
                        "score": scored.evaluation.scores[key],
                        "justification": scored.evaluation.justifications.get(key),
                    }
                    for key in scored.criteria
                ],
                "justification": dict(scored.evaluation.justifications),
                "total": None if scored.total is None else str(scored.total),
            }
            for scored in scores.evaluations
        ],
        "consolidated_scores": [
            {
                "model": consolidated.model_id,
                "model_version": consolidated.model_version,
                "score": str(consolidated.score),
                "spread": str(consolidated.spread),
                "evaluators": consolidated.evaluators,
                "mandatory": consolidated.mandatory,
            }
            for consolidated in scores.consolidated
        ],
    }


def gate_scheme_view(scheme: GateScheme) -> Json:
    return {
        "gates": [{"code": gate.code, "name": gate.name} for gate in scheme.gates],
        "entry_gate": scheme.entry_gate,
        "planning_gate": scheme.planning_gate,
    }


def _rules_version_view(version: RoutingRules) -> Json:
    return {
        "version": version.version,
        "rules": [rule.model_dump(mode="json") for rule in version.rules],
        "base_currency": version.base_currency,
        "exchange_rates": {code: str(rate) for code, rate in version.exchange_rates.items()},
        "gates": gate_scheme_view(version.gates),
    }


def routing_rules_view(rule_set: RoutingRuleSet) -> Json:
    """The governance configuration: the version in force (None before the first publication)
    with its rules, exchange rates and stage-gate scheme, every version published, and the gate
    scheme new items are registered with (the default one until a version is published)."""
    current = rule_set.current
    return {
        "id": rule_set.id,
        "version": rule_set.version,
        "in_force": None if current is None else _rules_version_view(current),
        "gates": gate_scheme_view(rule_set.gate_scheme),
        "versions": [
            _rules_version_view(rule_set.versions[number]) for number in sorted(rule_set.versions)
        ],
    }


def programme_view(programme: Programme, item_ids: list[str]) -> Json:
    return {
        "id": programme.id,
        "version": programme.version,
        "name": programme.name,
        "description": programme.description,
        "sponsor": programme.sponsor,
        "established_by": programme.established_by,
        "established_at": (
            programme.established_at.isoformat() if programme.established_at else None
        ),
        "item_ids": item_ids,
    }


_HIDDEN = "null when figures_hidden"


class MoneyShown(BaseModel):
    """An amount of money as answered: a decimal string and an ISO 4217 code."""

    model_config = ConfigDict(extra="forbid")

    amount: str
    currency: str


class ItemFactsView(BaseModel):
    model_config = ConfigDict(extra="forbid")

    estimated_cost: MoneyShown | None = Field(description=f"none estimated, or {_HIDDEN}")
    category: str
    department: str
    risk_level: str | None
    requires_investment_committee: bool


class ItemPlanView(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_quarter: str
    end_quarter: str | None
    cost_per_year: dict[str, MoneyShown | None] = Field(description=f"each year's cost, {_HIDDEN}")


class ItemView(BaseModel):
    """A portfolio item as the caller may see it. With `figures_hidden` (the caller sees the
    item but not its figures) every amount of money in it is null, the business case's in its
    decisions included, and so is each applied routing rule's `reason` (it states the cost)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    version: int
    state: str
    current_gate: str | None
    passed_gates: list[str]
    next_gate: str | None
    gate_scheme: dict[str, Any] = Field(description="frozen when the item was registered")
    business_case_version: int | None
    facts: ItemFactsView
    programme_id: str | None
    plan: ItemPlanView | None
    evaluations: int = Field(description="how many, superseded ones included")
    scores: list[dict[str, Any]]
    consolidated_scores: list[dict[str, Any]]
    decisions: list[dict[str, Any]] = Field(
        description=f"with their frozen inputs; amounts and applied rules' reasons {_HIDDEN}"
    )
    approvals: dict[str, Any] | None
    figures_hidden: bool = Field(description="the caller may see the item but not its figures")


def item_view(
    item: PortfolioItem, scores: ItemScores, approvals: GateApprovals | None, sight: Sight
) -> Json:
    """The item as `sight` shows it (see `pmo_portfolio.access`)."""
    view: Json = {
        "id": item.id,
        "version": item.version,
        "state": item.state,
        "current_gate": item.current_gate,
        "passed_gates": list(item.passed_gates),
        "next_gate": item.next_gate,
        "gate_scheme": gate_scheme_view(item.scheme),
        "business_case_version": item.business_case_version,
        "facts": item.facts.model_dump(mode="json"),
        "programme_id": item.programme_id,
        "plan": None
        if item.start_quarter is None
        else {
            "start_quarter": item.start_quarter,
            "end_quarter": item.end_quarter,
            "cost_per_year": _by_year(item.cost_per_year),
        },
        "evaluations": len(item.evaluations),
        **item_scores_view(scores),
        "decisions": [
            {
                **on_record.decision.model_dump(mode="json"),
                "outdated": on_record.outdated,
                "latest_business_case_version": on_record.latest_business_case_version,
            }
            for on_record in item.decisions
        ],
        "approvals": gate_approvals_view(approvals),
        "figures_hidden": False,
    }
    return view if sight is Sight.FULL else item_without_figures(view)


__all__ = [
    "ItemView",
    "comparison_view",
    "envelope_view",
    "gate_approvals_view",
    "gate_scheme_view",
    "item_view",
    "programme_view",
    "roadmap_view",
    "routing_rules_view",
    "scenario_view",
]
