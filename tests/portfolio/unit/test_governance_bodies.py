"""Governance bodies: their members and their decision rights, and every refusal with its reason."""

from __future__ import annotations

import pytest

from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_portfolio.domain.governance import (
    BodyKind,
    BodyMemberAdded,
    BodyMemberRemoved,
    DecisionRightGranted,
    DecisionRightRevoked,
    GovernanceBody,
    GovernanceBodyEstablished,
    MemberRole,
    Outcome,
)
from tests.portfolio.unit.governance_helpers import ANALYST, NOW, body, saved

IC = BodyKind.INVESTMENT_COMMITTEE


def empty_committee() -> GovernanceBody:
    established = GovernanceBody.establish(
        "B-IC", kind=IC, name="Group Investment Committee", actor_id=ANALYST, now=NOW
    )
    return saved(established)


def test_establishing_a_body_records_its_kind_and_name() -> None:
    established = GovernanceBody.establish(
        "B-IC", kind=IC, name="  Group Investment Committee ", actor_id=ANALYST, now=NOW
    )

    (event,) = established.pending
    assert event == GovernanceBodyEstablished(
        body_id="B-IC",
        kind=IC,
        name="Group Investment Committee",
        established_by=ANALYST,
        established_at=NOW,
    )
    assert established.kind is IC
    assert established.label == "investment committee 'Group Investment Committee'"
    assert established.members == {}
    assert established.rights == {}


def test_a_body_needs_a_name() -> None:
    with pytest.raises(DomainError, match="governance body B-IC cannot be established: name"):
        GovernanceBody.establish("B-IC", kind=IC, name=" ", actor_id=ANALYST)


def test_members_join_with_a_role_and_the_chair_is_known() -> None:
    committee = empty_committee()

    committee.add_member("irene", MemberRole.CHAIR, actor_id=ANALYST, now=NOW)
    committee.add_member("ivan", actor_id=ANALYST, now=NOW)

    assert committee.members == {"irene": MemberRole.CHAIR, "ivan": MemberRole.MEMBER}
    assert committee.chair == "irene"
    assert committee.pending[1] == BodyMemberAdded(
        body_id="B-IC", person_id="ivan", role=MemberRole.MEMBER, added_by=ANALYST, added_at=NOW
    )


def test_a_member_cannot_join_twice() -> None:
    committee = body(IC)

    with pytest.raises(InvalidTransition) as refused:
        committee.add_member("ivan", actor_id=ANALYST)

    assert refused.value.detail == (
        "ivan is already a member of investment committee 'Group Investment Committee' (as member)"
    )
    assert committee.pending == ()


def test_a_body_has_at_most_one_chair() -> None:
    committee = body(IC)

    with pytest.raises(DomainError) as refused:
        committee.add_member("zoe", MemberRole.CHAIR, actor_id=ANALYST)

    assert "already has a chair, irene: remove irene first, or add zoe as a member" in (
        refused.value.detail
    )


def test_removing_a_member_records_the_role_they_held() -> None:
    committee = body(IC)

    committee.remove_member("irene", actor_id=ANALYST, now=NOW)

    (event,) = committee.pending
    assert event == BodyMemberRemoved(
        body_id="B-IC", person_id="irene", role=MemberRole.CHAIR, removed_by=ANALYST, removed_at=NOW
    )
    assert committee.chair is None
    assert not committee.is_member("irene")


def test_a_stranger_cannot_be_removed() -> None:
    with pytest.raises(InvalidTransition, match="mallory is not a member of investment committee"):
        body(IC).remove_member("mallory", actor_id=ANALYST)


def test_granting_a_right_adds_outcomes_at_a_gate() -> None:
    committee = empty_committee()

    committee.grant_right("G2", [Outcome.REJECT, Outcome.APPROVE], actor_id=ANALYST, now=NOW)
    committee.grant_right("G2", [Outcome.DEFER, Outcome.APPROVE], actor_id=ANALYST, now=NOW)

    assert committee.rights == {"G2": (Outcome.APPROVE, Outcome.REJECT, Outcome.DEFER)}
    assert committee.pending[1] == DecisionRightGranted(
        body_id="B-IC",
        gate="G2",
        granted=(Outcome.DEFER,),
        allowed=(Outcome.APPROVE, Outcome.REJECT, Outcome.DEFER),
        granted_by=ANALYST,
        granted_at=NOW,
    )
    assert committee.may_decide("G2", Outcome.APPROVE)
    assert not committee.may_decide("G3", Outcome.APPROVE)
    assert not committee.may_decide("G2", Outcome.CANCEL)


def test_the_investment_committee_may_be_given_g2_and_g3() -> None:
    committee = body(IC, rights={"G2": [Outcome.APPROVE], "G3": [Outcome.APPROVE]})

    assert committee.may_decide("G2", Outcome.APPROVE)
    assert committee.may_decide("G3", Outcome.APPROVE)
    assert not committee.may_decide("G4", Outcome.APPROVE)


def test_a_right_already_held_is_not_granted_again() -> None:
    committee = body(IC, rights={"G2": [Outcome.APPROVE, Outcome.REJECT]})

    with pytest.raises(InvalidTransition) as refused:
        committee.grant_right("G2", [Outcome.APPROVE], actor_id=ANALYST)

    assert refused.value.detail == (
        "investment committee 'Group Investment Committee' may already approve at G2"
    )


def test_a_right_at_an_unknown_gate_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        empty_committee().grant_right("G7", [Outcome.APPROVE], actor_id=ANALYST)

    assert "cannot be granted a right at G7: it is not a stage gate" in refused.value.detail


def test_a_right_needs_at_least_one_outcome() -> None:
    with pytest.raises(DomainError, match="needs at least one outcome"):
        empty_committee().grant_right("G2", [], actor_id=ANALYST)


def test_revoking_some_outcomes_keeps_the_others() -> None:
    committee = body(IC, rights={"G2": [Outcome.APPROVE, Outcome.REJECT]})

    committee.revoke_right("G2", [Outcome.APPROVE], actor_id=ANALYST, now=NOW)

    assert committee.rights == {"G2": (Outcome.REJECT,)}
    assert committee.pending == (
        DecisionRightRevoked(
            body_id="B-IC",
            gate="G2",
            revoked=(Outcome.APPROVE,),
            allowed=(Outcome.REJECT,),
            revoked_by=ANALYST,
            revoked_at=NOW,
        ),
    )


def test_revoking_without_outcomes_withdraws_the_whole_right_at_that_gate() -> None:
    committee = body(IC, rights={"G2": [Outcome.APPROVE], "G3": [Outcome.APPROVE]})

    committee.revoke_right("G2", actor_id=ANALYST)

    assert committee.rights == {"G3": (Outcome.APPROVE,)}


def test_a_right_not_held_cannot_be_revoked() -> None:
    committee = body(IC, rights={"G2": [Outcome.APPROVE]})

    with pytest.raises(InvalidTransition) as at_gate:
        committee.revoke_right("G3", actor_id=ANALYST)
    with pytest.raises(InvalidTransition) as outcome:
        committee.revoke_right("G2", [Outcome.CANCEL], actor_id=ANALYST)

    assert "has no decision right at G3 to revoke" in at_gate.value.detail
    assert "has no right to cancel at G2 to revoke (it may approve)" in outcome.value.detail


def test_nothing_can_be_done_to_a_body_never_established() -> None:
    ghost = GovernanceBody("B-X")

    with pytest.raises(DomainError, match="governance body B-X has not been established"):
        ghost.add_member("irene", actor_id=ANALYST)
    with pytest.raises(DomainError, match="has not been established"):
        ghost.grant_right("G2", [Outcome.APPROVE], actor_id=ANALYST)


def test_participants_must_be_at_least_two_members() -> None:
    committee = body(IC)

    assert committee.participant_problems(["irene", "ivan"]) == []
    assert committee.participant_problems(["irene", "irene"]) == [
        "a decision needs at least 2 participants, got 1"
    ]
    assert committee.participant_problems(["irene", "zoe", "max"]) == [
        "zoe, max are not members of investment committee 'Group Investment Committee'"
    ]
