"""The record of a governance decision: one item, one gate, one body, with every input it was
based on frozen in it. Carried whole by the meeting's and the item's events.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from pmo_portfolio.domain.governance.gates import GateCode
from pmo_portfolio.domain.governance.routing_rule import AppliedRule, ItemFacts
from pmo_portfolio.domain.governance.values import (
    ConditionText,
    Id,
    PersonId,
    Rationale,
    Snapshot,
    VersionNumber,
)
from pmo_portfolio.domain.governance.vocabulary import MIN_PARTICIPANTS, BodyKind, Outcome


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
    # The capacity version the decision was taken on: the highest capacity event position the
    # portfolio had applied (None when it had none, and on decisions older than the feed).
    capacity_version: int | None = Field(default=None, ge=1)
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

    def is_outdated(self, latest_business_case_version: int | None) -> bool:
        """True when a later business case than the one this decision was based on is known."""
        latest = latest_business_case_version
        if latest is None:
            return False
        return self.business_case_version is None or self.business_case_version < latest


class DecisionOnRecord(BaseModel):
    """A decision as an item shows it: flagged when the business case has moved on since."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: Decision
    outdated: bool
    latest_business_case_version: int | None


__all__ = ["Decision", "DecisionOnRecord"]
