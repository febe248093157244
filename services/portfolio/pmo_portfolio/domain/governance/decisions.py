"""The decision policy: whether a body may take a decision on an item at a gate, and the
decision it takes, with its inputs frozen. The top of the governance package: it reads the
aggregates (item, body) and the routing rules in force, and nothing below reads it.

Recording a decision is one flow, each step calling downwards only:

1. `decide(item, body, rules, ...)` checks the decision (`check_decision`) and builds the
   `Decision` record: the business case version and snapshot, the facts the routing rules looked
   at, the scoring model and consolidated score, the rule-set version and the rules that applied,
   the budget envelope, and for an approval the earlier approvals it joins and the required
   bodies still awaited. Replaying a decision needs nothing but the record and the rule-set
   version it names;
2. `Meeting.record_decision(decision)` minutes it;
3. `PortfolioItem.record_decision(decision)` moves the item, guarding its own invariants from the
   record alone (it never calls back into the policy).

`check_decision(item, body, gate, outcome, rules, participants=...)` refuses a decision that
breaks a governance rule (gate sequence, the body's decision rights, its participants, or a
routing rule kept as data) with `GovernanceRuleFailed` naming every failed rule, and returns the
routing rules that applied. When the rules require several bodies at a gate, each of them
approves (joint sign-off) and the item passes once all have (`gate_approvals`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from pmo_kernel.errors import GovernanceRuleFailed, InvalidTransition
from pmo_kernel.events import utcnow
from pmo_portfolio.domain.governance.bodies import GovernanceBody
from pmo_portfolio.domain.governance.decision_record import Decision
from pmo_portfolio.domain.governance.gates import GateCode
from pmo_portfolio.domain.governance.item import PortfolioItem
from pmo_portfolio.domain.governance.routing_rule import AppliedRule
from pmo_portfolio.domain.governance.routing_rules import RoutingRules, RuleEvaluation
from pmo_portfolio.domain.governance.validation import validated
from pmo_portfolio.domain.governance.values import RuleId
from pmo_portfolio.domain.governance.vocabulary import (
    DECISION_RIGHTS,
    GATE_SEQUENCE,
    PARTICIPANTS,
    BodyKind,
    Outcome,
)


def decision_is_outdated(decision: Decision, item: PortfolioItem) -> bool:
    """True when the item knows a later business case than the one the decision was based on."""
    return decision.is_outdated(item.business_case_version)


# -- joint sign-off ------------------------------------------------------------------------------


class Requirement(BaseModel):
    """A body whose approval the routing rules require at a gate, and the rules that require it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    body_kind: BodyKind
    rule_ids: tuple[RuleId, ...] = Field(min_length=1)


class GateApprovals(BaseModel):
    """Where the joint sign-off of an item stands at a gate.

    - `requirements`: the bodies the routing rules require to approve there (every must_approve
      rule that applies, or that cannot be evaluated), in body-kind order;
    - `given`: the approvals that count, oldest first: taken at this gate since the item last
      changed state or gate, on the business case the item knows now;
    - `lapsed`: approvals taken there since then that no longer count, because the business case
      they were based on has been revised since (the body approves again on the new one).

    With no requirement, any body with the right passes the gate on its own. Otherwise the gate
    is passed by the approval that leaves no required body `awaiting`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    gate: GateCode
    requirements: tuple[Requirement, ...] = ()
    given: tuple[Decision, ...] = ()
    lapsed: tuple[Decision, ...] = ()

    @property
    def required(self) -> tuple[BodyKind, ...]:
        return tuple(requirement.body_kind for requirement in self.requirements)

    @property
    def approved(self) -> tuple[BodyKind, ...]:
        """The bodies whose approval counts, in body-kind order."""
        kinds = {decision.body_kind for decision in self.given}
        return tuple(kind for kind in BodyKind if kind in kinds)

    @property
    def awaiting(self) -> tuple[BodyKind, ...]:
        """The required bodies that have not approved yet, in body-kind order."""
        approved = set(self.approved)
        return tuple(kind for kind in self.required if kind not in approved)

    def approval_by(self, kind: BodyKind) -> Decision | None:
        """The counted approval given by a body of `kind`, if any."""
        return next((decision for decision in self.given if decision.body_kind is kind), None)


def requirements_of(evaluations: Iterable[RuleEvaluation]) -> tuple[Requirement, ...]:
    """The bodies that rules applying (or that cannot be evaluated) require, in body-kind order."""
    rule_ids: dict[BodyKind, list[str]] = {}
    for evaluation in evaluations:
        if evaluation.applies is not False:
            rule_ids.setdefault(evaluation.rule.body_kind, []).append(evaluation.rule.id)
    return tuple(
        Requirement(body_kind=kind, rule_ids=tuple(rule_ids[kind]))
        for kind in BodyKind
        if kind in rule_ids
    )


def gate_approvals(
    item: PortfolioItem, rules: RoutingRules, gate: str | None = None
) -> GateApprovals | None:
    """The joint sign-off at `gate` (the item's next gate by default) under `rules`; None when
    the item has no next gate (it passed its last one)."""
    chosen = gate or item.next_gate
    if chosen is None:
        return None
    return GateApprovals(
        gate=chosen,
        requirements=requirements_of(rules.evaluate(item.facts, chosen)),
        given=item.approvals_given(chosen),
        lapsed=item.approvals_lapsed(chosen),
    )


# -- checking and taking a decision --------------------------------------------------------------


def check_decision(
    item: PortfolioItem,
    body: GovernanceBody,
    gate: str,
    outcome: Outcome,
    rules: RoutingRules,
    *,
    participants: Collection[str],
) -> tuple[AppliedRule, ...]:
    """The routing rules that apply to `body` deciding `outcome` on `item` at `gate`.

    Raises `InvalidTransition` when the item takes no decision any more (or is already on hold),
    `DomainError` when the body was never established, and `GovernanceRuleFailed` naming every
    broken rule, in this order: gate-sequence, decision-rights, participants, then the routing
    rules by id. A must_approve rule applies to approvals only: rejecting, deferring, holding or
    cancelling is open to any body with the right. A rule that cannot be evaluated (a missing fact,
    no exchange rate) counts as requiring the body it names.

    Joint sign-off: when rules require several bodies at the gate, each of them may approve (in
    its own meeting, in any order) and the item passes the gate once all have; a body none of
    them requires is refused, naming the rules. A required body whose approval already counts at
    the gate is refused with `InvalidTransition` while other bodies are still awaited.
    """
    applied, _ = _checked(item, body, gate, outcome, rules, participants)
    return applied


def _checked(
    item: PortfolioItem,
    body: GovernanceBody,
    gate: str,
    outcome: Outcome,
    rules: RoutingRules,
    participants: Collection[str],
) -> tuple[tuple[AppliedRule, ...], GateApprovals | None]:
    """`check_decision`, also returning the joint sign-off an approval joins (None otherwise)."""
    item.require_open_for(outcome)
    body.require_established()
    kind = body.require_kind()
    failures: list[tuple[str, str]] = []
    gate_problem = item.gate_refusal(gate, outcome)
    if gate_problem is not None:
        failures.append((GATE_SEQUENCE, gate_problem))
    if not body.may_decide(gate, outcome):
        failures.append(
            (DECISION_RIGHTS, f"{body.label} has no right to {outcome.label} at {gate}")
        )
    failures.extend((PARTICIPANTS, problem) for problem in body.participant_problems(participants))
    evaluations = rules.evaluate(item.facts, gate)
    requirements = requirements_of(evaluations)
    required = {requirement.body_kind for requirement in requirements}
    if outcome.passes_gate and required and kind not in required:
        failures.extend(_routing_failures(evaluations))
    if failures:
        raise GovernanceRuleFailed(
            f"{body.label} cannot {outcome.label} item {item.id} at {gate}: "
            + "; ".join(reason for _, reason in failures),
            rule=failures[0][0],
            failed_rules=[{"rule": rule, "reason": reason} for rule, reason in failures],
            rule_set_version=rules.version,
            item_id=item.id,
            body_id=body.id,
            gate=gate,
            outcome=outcome.value,
        )
    applied = tuple(e.applied() for e in evaluations if e.applies is True)
    if not outcome.passes_gate:
        return applied, None
    status = GateApprovals(
        gate=gate,
        requirements=requirements,
        given=item.approvals_given(gate),
        lapsed=item.approvals_lapsed(gate),
    )
    _refuse_a_repeated_approval(item, body, kind, status)
    return applied, status


def _routing_failures(evaluations: Iterable[RuleEvaluation]) -> list[tuple[str, str]]:
    """Why a body no rule requires cannot approve: every rule requiring another body, by id."""
    failures: list[tuple[str, str]] = []
    for evaluation in evaluations:
        rule = evaluation.rule
        if evaluation.applies is None:
            failures.append(
                (
                    rule.id,
                    f"rule {rule.id} cannot be evaluated ({evaluation.reason}); until it "
                    f"can, only the {rule.body_kind.label} may approve at {rule.gate}",
                )
            )
        elif evaluation.applies:
            failures.append(
                (
                    rule.id,
                    f"rule {rule.id}: {evaluation.reason} requires the "
                    f"{rule.body_kind.label} to approve at {rule.gate}",
                )
            )
    return failures


def _refuse_a_repeated_approval(
    item: PortfolioItem, body: GovernanceBody, kind: BodyKind, status: GateApprovals
) -> None:
    """A required body approves once at a gate while others are awaited: a second approval
    would change nothing but the record. (Once nobody else is awaited, approving again, e.g.
    after the rules changed, is what passes the gate, and is allowed.)"""
    earlier = status.approval_by(kind)
    if earlier is None:
        return
    others = [other for other in status.awaiting if other is not kind]
    if not others:
        return
    raise InvalidTransition(
        f"{body.label} cannot approve item {item.id} at {status.gate} again: the {kind.label} "
        f"already approved it (decision {earlier.decision_id} in meeting {earlier.meeting_id}); "
        f"the gate still awaits the approval of the {_kinds_in_words(others)}",
        item_id=item.id,
        gate=status.gate,
        body_id=body.id,
        decision_id=earlier.decision_id,
        awaiting_approval_from=[other.value for other in others],
    )


def _kinds_in_words(kinds: Iterable[BodyKind]) -> str:
    labels = [kind.label for kind in kinds]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def decide(
    item: PortfolioItem,
    body: GovernanceBody,
    rules: RoutingRules,
    *,
    decision_id: str,
    meeting_id: str,
    gate: str,
    outcome: Outcome,
    participants: Collection[str],
    rationale: str,
    conditions: Iterable[str] = (),
    decided_at: datetime | None = None,
    scoring_model_id: str | None = None,
    scoring_model_version: int | None = None,
    consolidated_score: Decimal | None = None,
    evaluator_count: int = 0,
    budget_envelope_id: str | None = None,
    budget_envelope_version: int | None = None,
    capacity_version: int | None = None,
) -> Decision:
    """`check_decision`, then the Decision with the item's and rule set's inputs frozen in it:
    an approval also records the approvals it joins and the required bodies still awaited."""
    applied, status = _checked(item, body, gate, outcome, rules, participants)
    kind = body.require_kind()
    earlier: tuple[str, ...] = ()
    awaiting: tuple[BodyKind, ...] = ()
    if status is not None:
        earlier = tuple(decision.decision_id for decision in status.given)
        awaiting = tuple(other for other in status.awaiting if other is not kind)
    return validated(
        Decision,
        f"decision {decision_id} on item {item.id}",
        decision_id=decision_id,
        item_id=item.id,
        gate=gate,
        outcome=outcome,
        body_id=body.id,
        body_kind=kind,
        meeting_id=meeting_id,
        participants=tuple(participants),
        rationale=rationale,
        conditions=tuple(conditions),
        business_case_version=item.business_case_version,
        business_case=dict(item.business_case),
        facts=item.facts,
        scoring_model_id=scoring_model_id,
        scoring_model_version=scoring_model_version,
        consolidated_score=consolidated_score,
        evaluator_count=evaluator_count,
        rule_set_version=rules.version,
        applied_rules=applied,
        budget_envelope_id=budget_envelope_id,
        budget_envelope_version=budget_envelope_version,
        capacity_version=capacity_version,
        decided_at=decided_at or utcnow(),
        earlier_approvals=earlier,
        awaiting_approval_from=awaiting,
    )


__all__ = [
    "GateApprovals",
    "Requirement",
    "check_decision",
    "decide",
    "decision_is_outdated",
    "gate_approvals",
    "requirements_of",
]
