"""The words of portfolio governance: body kinds, member roles, outcomes, item states, risk
levels, and the names of the rules built into the governance itself. Enumerations only, above
nothing but the standard library.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

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


__all__ = [
    "APPROVALS",
    "AT_CURRENT_GATE",
    "BUILT_IN_RULES",
    "DECISION_RIGHTS",
    "FINAL_STATES",
    "GATE_SEQUENCE",
    "MIN_PARTICIPANTS",
    "PARTICIPANTS",
    "BodyKind",
    "ItemState",
    "MemberRole",
    "Outcome",
    "RiskLevel",
    "canonical_outcomes",
    "outcomes_in_words",
]
