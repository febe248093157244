"""The issue's scenario, end to end in the domain: a EUR 300K item must go to the investment
committee at G2; once it is approved there, a business case revision makes the decision outdated.
And joint sign-off: a EUR 400K regulatory item needs both the steering and the investment
committee at G2, each in its own meeting."""

from __future__ import annotations

import pytest

from pmo_kernel.errors import GovernanceRuleFailed
from pmo_portfolio.domain.governance import (
    COST_OVER_250K,
    REGULATORY_TO_STEERING,
    BodyKind,
    DecisionRecorded,
    ItemDecided,
    ItemState,
    Outcome,
    check_decision,
    gate_approvals,
)
from tests.portfolio.unit.governance_helpers import (
    ANALYST,
    DEFAULT_RULES,
    LATER,
    MEETING_ID,
    NOW,
    business_case,
    candidate,
    committees,
    decision,
    meeting,
    money,
    saved,
)


def test_a_300k_item_is_approved_by_the_investment_committee_then_flagged_outdated() -> None:
    # Given a EUR 300,000 candidate at G1 and both committees, each with the right to approve at G2
    item = candidate("300000")
    bodies = committees()
    project, investment = bodies[BodyKind.PROJECT_COMMITTEE], bodies[BodyKind.INVESTMENT_COMMITTEE]
    assert (item.state, item.current_gate) == (ItemState.CANDIDATE, "G1")

    # When the project committee alone tries to approve it at G2, then the routing rule refuses
    with pytest.raises(GovernanceRuleFailed) as refused:
        check_decision(
            item, project, "G2", Outcome.APPROVE, DEFAULT_RULES, participants=["paul", "petra"]
        )
    assert refused.value.extensions["rule"] == COST_OVER_250K
    assert (
        "rule cost-over-250k: estimated cost EUR 300,000.00 > EUR 250,000.00 requires the "
        "investment committee to approve at G2"
    ) in refused.value.detail
    assert refused.value.status == 422
    assert (item.state, item.pending) == (ItemState.CANDIDATE, ())

    # When the investment committee approves it in its meeting
    session = meeting(investment, [(item.id, "G2")], meeting_id=MEETING_ID)
    approval = decision(item, investment, Outcome.APPROVE, gate="G2")
    session.record_decision(approval, actor_id=ANALYST, now=NOW)
    item.record_decision(approval)

    # Then the item passed G2, and both streams carry the same frozen decision
    assert item.state is ItemState.APPROVED
    assert item.current_gate == "G2"
    assert item.passed_gates == ("G0", "G1", "G2")
    (minuted,) = session.pending
    (on_item,) = item.pending
    assert isinstance(minuted, DecisionRecorded)
    assert isinstance(on_item, ItemDecided)
    assert minuted.decision == on_item.decision == approval
    assert [rule.rule_id for rule in approval.applied_rules] == [COST_OVER_250K]
    assert approval.business_case_version == 1
    assert approval.rule_set_version == DEFAULT_RULES.version
    saved(item)
    assert [d.outdated for d in item.decisions] == [False]

    # When a revised business case is noted, then the decision is flagged outdated
    item.note_business_case_revision(
        2, business_case("340000"), money("340000"), actor_id=ANALYST, now=LATER
    )
    (on_record,) = item.decisions
    assert on_record.outdated is True
    assert on_record.decision.business_case_version == 1
    assert on_record.latest_business_case_version == 2
    assert on_record.decision.business_case == business_case("300000")  # frozen as decided


def test_a_400k_regulatory_item_passes_g2_once_steering_and_investment_committees_approved() -> (
    None
):
    # Given a EUR 400,000 regulatory candidate at G1 and every committee, each with its meeting
    item = candidate("400000", category="regulatory")
    bodies = committees()
    project = bodies[BodyKind.PROJECT_COMMITTEE]
    steering = bodies[BodyKind.STEERING_COMMITTEE]
    investment = bodies[BodyKind.INVESTMENT_COMMITTEE]
    steering_meeting = meeting(steering, [(item.id, "G2")], meeting_id="M-SC")
    investment_meeting = meeting(investment, [(item.id, "G2")], meeting_id="M-IC")

    # When the project committee tries to approve it, then both rules refuse it
    with pytest.raises(GovernanceRuleFailed) as refused:
        check_decision(
            item, project, "G2", Outcome.APPROVE, DEFAULT_RULES, participants=["paul", "petra"]
        )
    assert refused.value.extensions["rule"] == COST_OVER_250K
    assert [f["rule"] for f in refused.value.extensions["failed_rules"]] == [
        COST_OVER_250K,
        REGULATORY_TO_STEERING,
    ]

    # When the steering committee approves it in its meeting
    by_steering = decision(item, steering, gate="G2", decision_id="DEC-SC", meeting_id="M-SC")
    steering_meeting.record_decision(by_steering, actor_id=ANALYST, now=NOW)
    item.record_decision(by_steering)
    saved(item)

    # Then it is still a candidate at G1, awaiting the investment committee
    assert (item.state, item.current_gate) == (ItemState.CANDIDATE, "G1")
    assert by_steering.awaiting_approval_from == (BodyKind.INVESTMENT_COMMITTEE,)
    status = gate_approvals(item, DEFAULT_RULES)
    assert status is not None
    assert (status.approved, status.awaiting) == (
        (BodyKind.STEERING_COMMITTEE,),
        (BodyKind.INVESTMENT_COMMITTEE,),
    )

    # When the investment committee approves it in its own meeting
    by_investment = decision(item, investment, gate="G2", decision_id="DEC-IC", meeting_id="M-IC")
    investment_meeting.record_decision(by_investment, actor_id=ANALYST, now=NOW)
    item.record_decision(by_investment)

    # Then the item is approved at G2, the last decision naming the approval it completes
    assert (item.state, item.current_gate) == (ItemState.APPROVED, "G2")
    assert by_investment.awaiting_approval_from == ()
    assert by_investment.earlier_approvals == ("DEC-SC",)
    (minuted,) = investment_meeting.pending
    assert isinstance(minuted, DecisionRecorded)
    assert minuted.decision == by_investment
