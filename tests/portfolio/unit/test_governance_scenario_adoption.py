"""Adopting a scenario in a meeting: only a body that may approve at the funding gate (G2), with
participants who sit on it, in an open meeting, once per scenario; minuted like a decision."""

from __future__ import annotations

import pytest

from pmo_kernel.errors import DomainError, GovernanceRuleFailed, InvalidTransition
from pmo_portfolio.domain.governance import (
    BodyKind,
    Meeting,
    MeetingClosed,
    Outcome,
    ScenarioAdoptionRecorded,
)
from pmo_portfolio.domain.governance.adoption import FUNDING_GATE, check_scenario_adoption
from tests.portfolio.unit.governance_helpers import ANALYST, NOW, body, meeting
from tests.portfolio.unit.planning_helpers import reloaded

IC = BodyKind.INVESTMENT_COMMITTEE


def adopt(
    held: Meeting,
    decision_id: str = "DEC-9",
    scenario_id: str = "S-1",
    *,
    body_id: str = "B-IC",
    participants: tuple[str, ...] = ("irene", "ivan"),
    rationale: str = "The best value the 2027 envelope buys.",
) -> None:
    held.record_scenario_adoption(
        decision_id, scenario_id, body_id=body_id, participants=participants,
        rationale=rationale, selected=("A", "B"), decided_at=NOW,
    )  # fmt: skip


def test_the_funding_gate_is_the_planning_gate_g2() -> None:
    assert FUNDING_GATE == "G2"


def test_a_body_with_the_right_to_approve_at_g2_may_adopt_a_scenario() -> None:
    check_scenario_adoption(body(IC), "S-1", participants=["irene", "ivan"])


def test_a_body_without_the_right_to_approve_at_g2_is_refused_naming_the_rule() -> None:
    advisory = body(IC, rights={"G2": [Outcome.DEFER], "G3": [Outcome.APPROVE]})

    with pytest.raises(GovernanceRuleFailed, match="no right to approve at G2") as refused:
        check_scenario_adoption(advisory, "S-1", participants=["irene", "ivan"])

    assert refused.value.extensions["rule"] == "decision-rights"


def test_participants_must_be_at_least_two_members_of_the_body() -> None:
    with pytest.raises(GovernanceRuleFailed, match="mallory is not a member") as refused:
        check_scenario_adoption(body(IC), "S-1", participants=["irene", "mallory"])

    assert [r["rule"] for r in refused.value.extensions["failed_rules"]] == ["participants"]


def test_every_failed_rule_is_named_together() -> None:
    advisory = body(IC, rights={"G3": [Outcome.APPROVE]})

    with pytest.raises(GovernanceRuleFailed) as refused:
        check_scenario_adoption(advisory, "S-1", participants=["irene"])

    assert [r["rule"] for r in refused.value.extensions["failed_rules"]] == [
        "decision-rights",
        "participants",
    ]


def test_an_adoption_is_minuted_with_its_selection_participants_and_rationale() -> None:
    held = meeting(body(IC), agenda=())

    adopt(held)

    assert held.pending == (
        ScenarioAdoptionRecorded(
            meeting_id="M-1",
            decision_id="DEC-9",
            scenario_id="S-1",
            body_id="B-IC",
            participants=("irene", "ivan"),
            rationale="The best value the 2027 envelope buys.",
            selected=("A", "B"),
            decided_at=NOW,
        ),
    )
    assert held.decision_register == ("DEC-9",)


def test_an_adoption_survives_the_store_and_is_in_the_closing_decision_register() -> None:
    held = meeting(body(IC), agenda=())
    adopt(held)
    history = list(held.pending)
    held.close(actor_id=ANALYST, now=NOW)

    closed = held.pending[-1]
    assert isinstance(closed, MeetingClosed)
    assert closed.decision_ids == ("DEC-9",)
    again = reloaded(held, history)
    assert [a.scenario_id for a in again.scenario_adoptions] == ["S-1"]


def test_a_scenario_is_adopted_once_per_meeting() -> None:
    held = meeting(body(IC), agenda=())
    adopt(held)

    with pytest.raises(InvalidTransition, match="already adopted it"):
        adopt(held, "DEC-10")


def test_a_closed_meeting_adopts_nothing() -> None:
    held = meeting(body(IC), agenda=())
    held.close(actor_id=ANALYST, now=NOW)

    with pytest.raises(InvalidTransition, match="is closed"):
        adopt(held)


def test_only_the_meeting_s_own_body_adopts_in_it() -> None:
    held = meeting(body(IC), agenda=())

    with pytest.raises(DomainError, match="meeting of body B-IC"):
        adopt(held, body_id="B-SC")


def test_a_participant_listed_twice_is_refused() -> None:
    held = meeting(body(IC), agenda=())

    with pytest.raises(DomainError, match="more than once: irene"):
        adopt(held, participants=("irene", "irene", "ivan"))


def test_an_adoption_needs_a_rationale() -> None:
    held = meeting(body(IC), agenda=())

    with pytest.raises(DomainError, match="rationale"):
        adopt(held, rationale=" ")
