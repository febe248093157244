"""check_decision: a decision that breaks a governance rule is refused naming the rule; otherwise
the routing rules that applied are returned for the record."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from pmo_kernel.errors import DomainError, GovernanceRuleFailed, InvalidTransition
from pmo_portfolio.domain.governance import (
    COST_OVER_250K,
    DECISION_RIGHTS,
    GATE_SEQUENCE,
    PARTICIPANTS,
    REGULATORY_TO_STEERING,
    AppliedRule,
    BodyKind,
    GovernanceBody,
    Outcome,
    PortfolioItem,
    RoutingRules,
    check_decision,
)
from tests.portfolio.unit.governance_helpers import (
    DEFAULT_RULES,
    EVERY_OUTCOME,
    at_gate,
    body,
    candidate,
    committees,
    decided,
    routing_rules,
)

PC, IC, SC = (
    BodyKind.PROJECT_COMMITTEE,
    BodyKind.INVESTMENT_COMMITTEE,
    BodyKind.STEERING_COMMITTEE,
)
APPROVING = [Outcome.APPROVE, Outcome.APPROVE_WITH_CONDITIONS]
NOT_APPROVING = [Outcome.REJECT, Outcome.DEFER, Outcome.PUT_ON_HOLD, Outcome.CANCEL]


def check(
    item: PortfolioItem,
    deciding: GovernanceBody,
    outcome: Outcome = Outcome.APPROVE,
    gate: str = "G2",
    *,
    rules: RoutingRules = DEFAULT_RULES,
    participants: Sequence[str] | None = None,
) -> tuple[AppliedRule, ...]:
    chosen = list(deciding.members)[:2] if participants is None else participants
    return check_decision(item, deciding, gate, outcome, rules, participants=chosen)


def refusal(
    item: PortfolioItem,
    deciding: GovernanceBody,
    outcome: Outcome = Outcome.APPROVE,
    gate: str = "G2",
    **kw: Sequence[str] | RoutingRules,
) -> GovernanceRuleFailed:
    with pytest.raises(GovernanceRuleFailed) as refused:
        check(item, deciding, outcome, gate, **kw)  # type: ignore[arg-type]
    assert refused.value.status == 422
    return refused.value


def failed(error: GovernanceRuleFailed) -> list[str]:
    return [failure["rule"] for failure in error.extensions["failed_rules"]]


def test_a_modest_item_may_be_approved_by_the_project_committee_and_no_rule_applies() -> None:
    assert check(candidate("120000"), body(PC)) == ()


def test_a_body_without_the_right_at_that_gate_is_refused() -> None:
    board = body(PC, rights={"G3": EVERY_OUTCOME})

    error = refusal(candidate("120000"), board)

    assert error.extensions["rule"] == DECISION_RIGHTS
    assert error.detail == (
        "project committee 'Project Board' cannot approve item D-1 at G2: "
        "project committee 'Project Board' has no right to approve at G2"
    )


def test_a_right_to_reject_is_not_a_right_to_approve() -> None:
    board = body(PC, rights={"G2": [Outcome.REJECT]})

    assert check(candidate(), board, Outcome.REJECT) == ()
    assert refusal(candidate(), board, Outcome.APPROVE).extensions["rule"] == DECISION_RIGHTS


def test_approving_a_costly_item_needs_the_body_the_rule_names() -> None:
    error = refusal(candidate("300000"), body(PC))

    assert error.extensions["rule"] == COST_OVER_250K
    assert error.extensions["failed_rules"] == [
        {
            "rule": COST_OVER_250K,
            "reason": "rule cost-over-250k: estimated cost EUR 300,000.00 > EUR 250,000.00 "
            "requires the investment committee to approve at G2",
        }
    ]
    assert error.extensions["rule_set_version"] == 1


@pytest.mark.parametrize("outcome", APPROVING)
def test_the_named_body_may_approve_and_the_rule_is_returned_for_the_record(
    outcome: Outcome,
) -> None:
    applied = check(candidate("300000"), body(IC), outcome)

    assert [(r.rule_id, r.body_kind, r.reason) for r in applied] == [
        (COST_OVER_250K, IC, "estimated cost EUR 300,000.00 > EUR 250,000.00")
    ]


@pytest.mark.parametrize("outcome", NOT_APPROVING)
def test_a_rule_that_requires_an_approval_does_not_stop_other_outcomes(outcome: Outcome) -> None:
    applied = check(candidate("300000"), body(PC), outcome)

    assert [r.rule_id for r in applied] == [COST_OVER_250K]


def test_a_regulatory_item_needs_the_steering_committee_at_g2() -> None:
    item = candidate(category="regulatory")

    assert refusal(item, body(PC)).extensions["rule"] == REGULATORY_TO_STEERING
    assert [r.rule_id for r in check(item, body(SC))] == [REGULATORY_TO_STEERING]


def test_when_two_rules_name_different_bodies_each_may_approve_and_no_other_body_can() -> None:
    # Joint sign-off: each body a rule requires may approve; the others are refused naming them.
    item = candidate("300000", category="regulatory")
    bodies = committees()

    assert [r.rule_id for r in check(item, bodies[IC])] == [COST_OVER_250K, REGULATORY_TO_STEERING]
    assert [r.rule_id for r in check(item, bodies[SC])] == [COST_OVER_250K, REGULATORY_TO_STEERING]
    assert failed(refusal(item, bodies[PC])) == [COST_OVER_250K, REGULATORY_TO_STEERING]
    assert failed(refusal(item, bodies[BodyKind.ARBITRATION_BOARD])) == [
        COST_OVER_250K,
        REGULATORY_TO_STEERING,
    ]


def test_skipping_a_gate_is_refused() -> None:
    error = refusal(candidate(), body(PC), Outcome.APPROVE, "G3")

    assert error.extensions["rule"] == GATE_SEQUENCE
    assert error.extensions["failed_rules"][0]["reason"] == (
        "item D-1 is at G1; it can only be decided at G2"
    )


def test_a_gate_already_passed_cannot_be_approved_again() -> None:
    item = at_gate("G2")

    error = refusal(item, body(PC), Outcome.APPROVE, "G2")

    assert "item D-1 is at G2; it can only be decided at G3" in error.detail


@pytest.mark.parametrize("outcome", [Outcome.DEFER, Outcome.PUT_ON_HOLD, Outcome.CANCEL])
def test_deferring_holding_or_cancelling_may_happen_at_the_current_gate(outcome: Outcome) -> None:
    item = at_gate("G2")

    assert check(item, body(PC), outcome, "G2") == ()
    assert check(item, body(PC), outcome, "G3") == ()


def test_deferring_two_gates_ahead_is_refused_naming_both_allowed_gates() -> None:
    error = refusal(candidate(), body(PC, rights={"G3": EVERY_OUTCOME}), Outcome.DEFER, "G3")

    assert error.extensions["failed_rules"][0]["reason"] == (
        "item D-1 is at G1; it can only be decided at G2 (or at G1 to defer, put on hold or cancel)"
    )


def test_a_decision_needs_two_participants_who_are_members() -> None:
    board = body(PC)

    alone = refusal(candidate(), board, participants=["paul"])
    strangers = refusal(candidate(), board, participants=["paul", "mallory"])

    assert alone.extensions["rule"] == PARTICIPANTS
    assert "a decision needs at least 2 participants, got 1" in alone.detail
    assert "mallory is not a member of project committee 'Project Board'" in strangers.detail


def test_every_broken_rule_is_reported_at_once_in_a_fixed_order() -> None:
    board = body(PC, rights={"G3": EVERY_OUTCOME})
    item = candidate("300000", category="regulatory")

    error = refusal(item, board, participants=["paul", "mallory"])

    assert failed(error) == [DECISION_RIGHTS, PARTICIPANTS, COST_OVER_250K, REGULATORY_TO_STEERING]
    assert error.extensions["rule"] == DECISION_RIGHTS


def test_an_approval_is_refused_when_a_rule_cannot_be_evaluated() -> None:
    item = candidate("5000000", "JPY")

    error = refusal(item, body(PC))

    assert error.extensions["failed_rules"][0] == {
        "rule": COST_OVER_250K,
        "reason": "rule cost-over-250k cannot be evaluated (routing rules version 1 have no "
        "exchange rate from JPY to EUR); until it can, only the investment committee may "
        "approve at G2",
    }
    assert check(item, body(IC)) == ()  # the body the rule names may approve either way
    assert check(item, body(PC), Outcome.DEFER) == ()


def test_an_item_without_a_cost_can_only_be_approved_by_the_investment_committee_at_g2() -> None:
    item = candidate(None, business_case_version=None)

    assert "the item has no estimated cost" in refusal(item, body(PC)).detail
    assert check(item, body(IC)) == ()


def test_the_rule_set_version_decides_which_rules_apply() -> None:
    no_rules = routing_rules([])

    assert check(candidate("300000"), body(PC), rules=no_rules) == ()


@pytest.mark.parametrize(
    ("outcome", "state"), [(Outcome.REJECT, "rejected"), (Outcome.CANCEL, "cancelled")]
)
def test_no_decision_is_taken_on_a_rejected_or_cancelled_item(outcome: Outcome, state: str) -> None:
    item = candidate()
    decided(item, body(PC), outcome)

    with pytest.raises(InvalidTransition) as refused:
        check(item, body(PC), Outcome.DEFER, "G2")

    assert refused.value.detail == f"item D-1 is {state}; no decision can be taken on it any more"
    assert refused.value.status == 409


def test_an_item_on_hold_cannot_be_put_on_hold_again() -> None:
    item = candidate()
    decided(item, body(PC), Outcome.PUT_ON_HOLD)

    with pytest.raises(InvalidTransition, match="item D-1 is already on hold"):
        check(item, body(PC), Outcome.PUT_ON_HOLD, "G2")
    assert check(item, body(PC), Outcome.APPROVE, "G2") == ()


def test_an_unregistered_item_or_unestablished_body_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="portfolio item D-9 has not been registered"):
        check(PortfolioItem("D-9"), body(PC))
    with pytest.raises(DomainError, match="governance body B-9 has not been established"):
        check_decision(
            candidate(),
            GovernanceBody("B-9"),
            "G2",
            Outcome.APPROVE,
            DEFAULT_RULES,
            participants=["a", "b"],
        )
