"""Governance decisions: who may decide what, and the record of a decision with its frozen inputs.

The vocabulary shared by the governance aggregates and their events lives here (body kinds,
outcomes, routing-rule conditions, the decision record), with the two pure functions the
application layer calls around a decision:

- `check_decision(item, body, gate, outcome, rules, participants=...)` refuses a decision that
  breaks a governance rule (gate sequence, the body's decision rights, its participants, or a
  routing rule kept as data) with `GovernanceRuleFailed` naming every failed rule, and returns the
  routing rules that applied, for the record. When the rules require several bodies at a gate,
  each of them approves (joint sign-off) and the item passes once all have (`gate_approvals`);
- `decide(...)` checks, then builds the `Decision` with its inputs frozen as they were: the
  business case version and snapshot, the facts the routing rules looked at, the scoring model
  and consolidated score, the rule-set version and the rules that applied, the budget envelope,
  and for an approval the earlier approvals it joins and the required bodies still awaited.
  Replaying a decision needs nothing but the decision itself and the rule-set version it names.

`decision_is_outdated(decision, item)` tells whether the item's business case moved on since.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from pmo_kernel.errors import DomainError, GovernanceRuleFailed, InvalidTransition
from pmo_kernel.events import utcnow
from pmo_kernel.money import Money
from pmo_portfolio.domain.governance.gates import GateCode

if TYPE_CHECKING:
    from pmo_portfolio.domain.governance.bodies import GovernanceBody
    from pmo_portfolio.domain.governance.item import PortfolioItem
    from pmo_portfolio.domain.governance.routing import RoutingRules, RuleEvaluation

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PersonId = Id
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1_000)
]
Rationale = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)
]
ConditionText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)
]
RuleId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$"
    ),
]
VersionNumber = Annotated[int, Field(ge=1)]

# Rules built into the governance itself (not data): they name refusals like data rules do.
GATE_SEQUENCE = "gate-sequence"
DECISION_RIGHTS = "decision-rights"
PARTICIPANTS = "participants"
BUILT_IN_RULES = frozenset({GATE_SEQUENCE, DECISION_RIGHTS, PARTICIPANTS})

MIN_PARTICIPANTS = 2


class BodyKind(StrEnum):
    STEERING_COMMITTEE = "steering_committee"
    PROJECT_COMMITTEE = "project_committee"
    INVESTMENT_COMMITTEE = "investment_committee"
    ARBITRATION_BOARD = "arbitration_board"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class MemberRole(StrEnum):
    CHAIR = "chair"
    MEMBER = "member"


class Outcome(StrEnum):
    """What a governance body decides about an item at a gate. Declaration order is canonical."""

    APPROVE = "approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    REJECT = "reject"
    DEFER = "defer"
    PUT_ON_HOLD = "put_on_hold"
    CANCEL = "cancel"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def passes_gate(self) -> bool:
        return self in APPROVALS

    @property
    def allowed_at_current_gate(self) -> bool:
        """Deferring, holding and cancelling need not wait for the next gate."""
        return self in AT_CURRENT_GATE


APPROVALS = frozenset({Outcome.APPROVE, Outcome.APPROVE_WITH_CONDITIONS})
AT_CURRENT_GATE = frozenset({Outcome.DEFER, Outcome.PUT_ON_HOLD, Outcome.CANCEL})


def canonical_outcomes(outcomes: Iterable[Outcome]) -> tuple[Outcome, ...]:
    """Outcomes without repeats, in declaration order: events list them the same way every time."""
    chosen = set(outcomes)
    return tuple(outcome for outcome in Outcome if outcome in chosen)


def outcomes_in_words(outcomes: Iterable[Outcome]) -> str:
    return ", ".join(outcome.label for outcome in canonical_outcomes(outcomes))


class ItemState(StrEnum):
    CANDIDATE = "candidate"  # in the portfolio, its business case not yet approved
    APPROVED = "approved"  # past the planning gate (G2 by default): it may be planned
    ON_HOLD = "on_hold"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    CLOSED = "closed"  # passed the last gate

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES


FINAL_STATES = frozenset({ItemState.REJECTED, ItemState.CANCELLED, ItemState.CLOSED})


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(RiskLevel).index(self)


# -- JSON snapshots ------------------------------------------------------------------------------


def _json_only(value: Any, path: str = "") -> None:
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, list | tuple):
        for index, element in enumerate(value):
            _json_only(element, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, element in value.items():
            if not isinstance(key, str):
                raise ValueError(
                    f"business case snapshot: key {key!r} at {path or 'top'} is not a string"
                )
            _json_only(element, f"{path}.{key}" if path else key)
        return
    # Floats do not round-trip byte for byte and Decimals come back as strings: both would make a
    # replayed snapshot differ from the one decided on.
    raise ValueError(
        f"business case snapshot: {path or 'the value'} is a {type(value).__name__}; a snapshot "
        "holds JSON values only (strings, integers, booleans, null, lists, objects): write "
        "amounts as strings"
    )


def _snapshot(value: dict[str, Any]) -> dict[str, Any]:
    _json_only(value)
    return value


Snapshot = Annotated[dict[str, Any], AfterValidator(_snapshot)]


# -- routing-rule conditions ---------------------------------------------------------------------

ConditionField = Literal[
    "estimated_cost", "category", "department", "risk_level", "requires_investment_committee"
]
ConditionOp = Literal["gt", "gte", "lt", "lte", "eq", "in"]

ORDERED_OPS = frozenset({"gt", "gte", "lt", "lte"})
OPS_BY_FIELD: dict[str, tuple[str, ...]] = {
    "estimated_cost": ("gt", "gte", "lt", "lte", "eq"),
    "category": ("eq", "in"),
    "department": ("eq", "in"),
    "risk_level": ("gt", "gte", "lt", "lte", "eq", "in"),
    "requires_investment_committee": ("eq",),
}
OP_SYMBOLS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "=", "in": "in"}


def money_in_words(money: Money) -> str:
    """EUR 300,000.00: the currency first, as people read thresholds."""
    return f"{money.currency} {money.amount:,.2f}"


class Condition(BaseModel):
    """One test on an item's facts, e.g. estimated_cost gt EUR 250,000 or category eq regulatory.

    Values: Money for estimated_cost; a string (eq) or a list of strings (in) for category,
    department and risk_level (low < medium < high < critical); true or false for
    requires_investment_committee.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: ConditionField
    op: ConditionOp
    value: Money | bool | str | tuple[str, ...]

    @model_validator(mode="after")
    def _value_fits_field(self) -> Self:
        allowed = OPS_BY_FIELD[self.field]
        if self.op not in allowed:
            raise ValueError(
                f"condition on {self.field}: op {self.op} is not supported "
                f"(use {', '.join(allowed)})"
            )
        value = self.value
        match self.field:
            case "estimated_cost":
                if not isinstance(value, Money):
                    raise ValueError(
                        "condition on estimated_cost: the value must be money, e.g. "
                        '{"amount": "250000", "currency": "EUR"}'
                    )
                if value.amount < 0:
                    raise ValueError(f"condition on estimated_cost: {value} is negative")
            case "requires_investment_committee":
                if not isinstance(value, bool):
                    raise ValueError(
                        "condition on requires_investment_committee: "
                        "the value must be true or false"
                    )
            case _:
                self._check_words(value)
        return self

    def _check_words(self, value: object) -> None:
        words: tuple[str, ...]
        if self.op == "in":
            if not isinstance(value, tuple) or not value:
                raise ValueError(f"condition on {self.field}: op in needs a non-empty list")
            words = value
        elif isinstance(value, str) and value.strip():
            words = (value,)
        else:
            raise ValueError(f"condition on {self.field}: op {self.op} needs a non-empty string")
        if any(not word.strip() for word in words):
            raise ValueError(f"condition on {self.field}: blank value in {list(words)}")
        if self.field == "risk_level":
            known = [level.value for level in RiskLevel]
            unknown = [word for word in words if word not in known]
            if unknown:
                raise ValueError(
                    f"condition on risk_level: {', '.join(unknown)} is not a risk level "
                    f"({', '.join(known)})"
                )

    def describe(self) -> str:
        value = self.value
        if isinstance(value, Money):
            shown = money_in_words(value)
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        elif isinstance(value, tuple):
            shown = "(" + ", ".join(value) + ")"
        else:
            shown = value
        return f"{self.field.replace('_', ' ')} {OP_SYMBOLS[self.op]} {shown}"


class RoutingRule(BaseModel):
    """When `condition` holds for an item, only a body of `body_kind` may approve it at `gate`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: RuleId
    description: Description
    condition: Condition
    gate: GateCode
    body_kind: BodyKind
    mode: Literal["must_approve"] = "must_approve"

    @model_validator(mode="after")
    def _not_built_in(self) -> Self:
        if self.id in BUILT_IN_RULES:
            raise ValueError(f"rule id {self.id} is reserved for a built-in governance rule")
        return self


class AppliedRule(BaseModel):
    """A routing rule that applied to a decision, and why: part of the decision's frozen inputs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: RuleId
    description: Description
    gate: GateCode
    body_kind: BodyKind
    mode: Literal["must_approve"] = "must_approve"
    reason: Description  # e.g. "estimated cost EUR 300,000.00 > EUR 250,000.00"


class ItemFacts(BaseModel):
    """What routing rules look at on an item; frozen into each decision."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    estimated_cost: Money | None = None
    category: ShortText
    department: ShortText
    risk_level: RiskLevel | None = None
    requires_investment_committee: bool = False


# -- the decision record -------------------------------------------------------------------------


class Decision(BaseModel):
    """A governance decision on one item at one gate, with every input frozen as it was.

    Carried whole by `DecisionRecorded` (the meeting's minutes) and `ItemDecided` (the item).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision_id: Id
    item_id: Id
    gate: GateCode
    outcome: Outcome
    body_id: Id
    body_kind: BodyKind
    meeting_id: Id
    participants: tuple[PersonId, ...] = Field(min_length=MIN_PARTICIPANTS, max_length=100)
    rationale: Rationale
    conditions: tuple[ConditionText, ...] = Field(default=(), max_length=50)
    # Frozen inputs: what the body decided on.
    business_case_version: VersionNumber | None = None
    business_case: Snapshot = Field(default_factory=dict)
    facts: ItemFacts
    scoring_model_id: Id | None = None
    scoring_model_version: VersionNumber | None = None
    consolidated_score: Decimal | None = Field(default=None, allow_inf_nan=False)
    evaluator_count: int = Field(default=0, ge=0)
    rule_set_version: VersionNumber
    applied_rules: tuple[AppliedRule, ...] = ()
    budget_envelope_id: Id | None = None
    budget_envelope_version: VersionNumber | None = None
    decided_at: AwareDatetime
    # Joint sign-off, on approvals only (both empty on every other decision, and on approvals
    # taken before joint sign-off existed): when routing rules require several bodies at the
    # gate, the approvals already given there that this one counts with (decision ids, oldest
    # first), and the required bodies that have still not approved after this one. The item
    # passes the gate on the approval that leaves nobody awaited.
    earlier_approvals: tuple[Id, ...] = Field(default=(), max_length=50)
    awaiting_approval_from: tuple[BodyKind, ...] = Field(default=(), max_length=len(BodyKind))

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if len(set(self.participants)) != len(self.participants):
            raise ValueError(f"participants are listed more than once: {list(self.participants)}")
        if self.outcome is Outcome.APPROVE_WITH_CONDITIONS and not self.conditions:
            raise ValueError("conditions are required to approve with conditions")
        if self.outcome is not Outcome.APPROVE_WITH_CONDITIONS and self.conditions:
            raise ValueError(
                f"conditions only go with approve with conditions, not {self.outcome.label}"
            )
        if self.business_case_version is None and self.business_case:
            raise ValueError("a business case snapshot needs the version it was taken from")
        if self.business_case_version is not None and not self.business_case:
            raise ValueError(
                f"business case version {self.business_case_version} is named but its "
                "snapshot is missing"
            )
        if (self.scoring_model_id is None) != (self.scoring_model_version is None):
            raise ValueError("a scoring model is named by its id and its version together")
        if self.consolidated_score is not None and self.scoring_model_id is None:
            raise ValueError("a consolidated score needs the scoring model it was computed with")
        if self.consolidated_score is not None and self.evaluator_count < 1:
            raise ValueError("a consolidated score needs at least one evaluator")
        if self.consolidated_score is None and self.evaluator_count:
            raise ValueError("an evaluator count goes with a consolidated score")
        if (self.budget_envelope_id is None) != (self.budget_envelope_version is None):
            raise ValueError("a budget envelope is named by its id and its version together")
        ids = [rule.rule_id for rule in self.applied_rules]
        if len(ids) != len(set(ids)):
            raise ValueError(f"applied rules are listed more than once: {ids}")
        self._coherent_joint_sign_off()
        return self

    def _coherent_joint_sign_off(self) -> None:
        awaiting, earlier = self.awaiting_approval_from, self.earlier_approvals
        if not self.outcome.passes_gate and (awaiting or earlier):
            raise ValueError(
                f"only an approval awaits other bodies or joins earlier approvals, "
                f"not {self.outcome.label}"
            )
        if len(set(awaiting)) != len(awaiting):
            raise ValueError(
                f"bodies awaited are listed more than once: {[kind.value for kind in awaiting]}"
            )
        if self.body_kind in awaiting:
            raise ValueError(f"the {self.body_kind.label} cannot await its own approval")
        if len(set(earlier)) != len(earlier):
            raise ValueError(f"earlier approvals are listed more than once: {list(earlier)}")
        if self.decision_id in earlier:
            raise ValueError(
                f"decision {self.decision_id} cannot be one of its own earlier approvals"
            )

    @property
    def passes_gate(self) -> bool:
        """An approval that no required body is still awaited after: the item passes the gate."""
        return self.outcome.passes_gate and not self.awaiting_approval_from


class DecisionOnRecord(BaseModel):
    """A decision as an item shows it: flagged when the business case has moved on since."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: Decision
    outdated: bool
    latest_business_case_version: int | None


def decision_is_outdated(decision: Decision, item: PortfolioItem) -> bool:
    """True when the item knows a later business case than the one the decision was based on."""
    latest = item.business_case_version
    if latest is None:
        return False
    return decision.business_case_version is None or decision.business_case_version < latest


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
        decided_at=decided_at or utcnow(),
        earlier_approvals=earlier,
        awaiting_approval_from=awaiting,
    )


# -- building values from command arguments -----------------------------------------------------

M = TypeVar("M", bound=BaseModel)


def validated(cls: type[M], context: str, /, **fields: Any) -> M:
    """Build `cls`, turning a validation error into a DomainError that says what and why.

    Commands take plain arguments from the application layer; a malformed one is the caller's
    business-rule problem (422), not a crash.
    """
    try:
        return cls.model_validate(fields)
    except ValidationError as error:
        problems = [_problem(detail) for detail in error.errors(include_url=False)]
        raise DomainError(f"{context}: " + "; ".join(problems), problems=problems) from None


def _problem(detail: Mapping[str, Any]) -> str:
    message = str(detail.get("msg", "invalid"))
    message = message.removeprefix("Value error, ")
    location = ".".join(str(part) for part in detail.get("loc", ()))
    return f"{location}: {message}" if location else message


__all__ = [
    "APPROVALS",
    "AT_CURRENT_GATE",
    "BUILT_IN_RULES",
    "DECISION_RIGHTS",
    "FINAL_STATES",
    "GATE_SEQUENCE",
    "MIN_PARTICIPANTS",
    "OPS_BY_FIELD",
    "PARTICIPANTS",
    "AppliedRule",
    "BodyKind",
    "Condition",
    "Decision",
    "DecisionOnRecord",
    "GateApprovals",
    "ItemFacts",
    "ItemState",
    "MemberRole",
    "Outcome",
    "Requirement",
    "RiskLevel",
    "RoutingRule",
    "Snapshot",
    "canonical_outcomes",
    "check_decision",
    "decide",
    "decision_is_outdated",
    "gate_approvals",
    "money_in_words",
    "outcomes_in_words",
    "requirements_of",
    "validated",
]
