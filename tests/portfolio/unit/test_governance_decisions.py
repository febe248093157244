"""A decision is a value with its inputs frozen: stored, read back and replayed exactly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from pmo_kernel.errors import DomainError
from pmo_portfolio.domain.governance import (
    COST_OVER_250K,
    BodyKind,
    Decision,
    ItemFacts,
    Outcome,
    decision_is_outdated,
)
from tests.portfolio.unit.governance_helpers import (
    ANALYST,
    DEFAULT_RULES,
    LATER,
    NOW,
    body,
    business_case,
    candidate,
    decided,
    decision,
    money,
    routing_rules,
)

IC = BodyKind.INVESTMENT_COMMITTEE


def fields(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "decision_id": "DEC-1",
        "item_id": "D-1",
        "gate": "G2",
        "outcome": "approve",
        "body_id": "B-IC",
        "body_kind": "investment_committee",
        "meeting_id": "M-1",
        "participants": ["irene", "ivan"],
        "rationale": "Strong business case.",
        "business_case_version": 1,
        "business_case": business_case(),
        "facts": {"category": "project", "department": "IT"},
        "rule_set_version": 1,
        "decided_at": NOW,
    }
    data.update(overrides)
    return data


def test_deciding_freezes_the_inputs_as_they_were() -> None:
    item = candidate("300000")

    taken = decision(
        item,
        body(IC),
        scoring_model_id="SM-1",
        scoring_model_version=2,
        consolidated_score=Decimal("71.25"),
        evaluator_count=3,
        budget_envelope_id="ENV-2027",
        budget_envelope_version=4,
    )

    assert (taken.item_id, taken.gate, taken.outcome) == ("D-1", "G2", Outcome.APPROVE)
    assert (taken.body_id, taken.body_kind, taken.meeting_id) == ("B-IC", IC, "M-1")
    assert taken.participants == ("irene", "ivan")
    assert taken.business_case_version == 1
    assert taken.business_case == business_case("300000")
    assert taken.facts == item.facts
    assert (taken.scoring_model_id, taken.scoring_model_version) == ("SM-1", 2)
    assert (taken.consolidated_score, taken.evaluator_count) == (Decimal("71.25"), 3)
    assert taken.rule_set_version == 1
    assert [rule.rule_id for rule in taken.applied_rules] == [COST_OVER_250K]
    assert (taken.budget_envelope_id, taken.budget_envelope_version) == ("ENV-2027", 4)
    assert taken.decided_at == NOW


def test_a_decision_reads_back_from_json_unchanged() -> None:
    taken = decision(
        candidate("300000"),
        body(IC),
        consolidated_score=Decimal("71.25"),
        scoring_model_id="SM-1",
        scoring_model_version=1,
        evaluator_count=2,
    )

    assert Decision.model_validate_json(taken.model_dump_json()) == taken


def test_replaying_a_decision_on_its_rule_set_version_gives_the_same_rules() -> None:
    taken = decision(candidate("300000"), body(IC))

    replayed = DEFAULT_RULES.applicable(taken.facts, taken.gate)

    assert replayed == taken.applied_rules


def test_replaying_does_not_depend_on_the_item_changing_afterwards() -> None:
    item = candidate("300000")
    taken = decided(item, body(IC))
    item.note_business_case_revision(2, business_case("90000"), money("90000"), actor_id=ANALYST)

    assert DEFAULT_RULES.applicable(taken.facts, "G2") == taken.applied_rules
    assert DEFAULT_RULES.applicable(item.facts, "G2") == ()


def test_a_rationale_is_required() -> None:
    with pytest.raises(DomainError, match="rationale: String should have at least 1 character"):
        decision(candidate(), body(BodyKind.PROJECT_COMMITTEE), rationale="  ")


def test_approving_with_conditions_requires_conditions() -> None:
    with pytest.raises(DomainError) as refused:
        decision(candidate(), body(IC), Outcome.APPROVE_WITH_CONDITIONS, conditions=[])

    assert refused.value.detail == (
        "decision DEC-1 on item D-1: conditions are required to approve with conditions"
    )


def test_other_outcomes_carry_no_conditions() -> None:
    with pytest.raises(
        DomainError, match="conditions only go with approve with conditions, not reject"
    ):
        decision(candidate(), body(IC), Outcome.REJECT, conditions=["Come back later"])


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"participants": ["irene"]}, "at least 2 items"),
        ({"participants": ["irene", "irene"]}, "participants are listed more than once"),
        ({"business_case_version": None}, "a business case snapshot needs the version"),
        ({"business_case": {}}, "business case version 1 is named but its snapshot is missing"),
        ({"business_case": {"cost": 1.5}}, "cost is a float; a snapshot holds JSON values only"),
        ({"business_case": {"cost": Decimal("1.5")}}, "cost is a Decimal"),
        ({"scoring_model_id": "SM-1"}, "by its id and its version together"),
        ({"consolidated_score": Decimal(70)}, "needs the scoring model"),
        (
            {
                "consolidated_score": Decimal(70),
                "scoring_model_id": "S",
                "scoring_model_version": 1,
            },
            "needs at least one evaluator",
        ),
        ({"evaluator_count": 2}, "an evaluator count goes with a consolidated score"),
        ({"budget_envelope_version": 3}, "a budget envelope is named by its id and its version"),
        ({"decided_at": NOW.replace(tzinfo=None)}, "timezone"),
        ({"outcome": "postpone"}, "outcome"),
        ({"rule_set_version": 0}, "rule_set_version"),
    ],
)
def test_a_malformed_decision_is_refused_saying_why(
    overrides: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        Decision.model_validate(fields(**overrides))


def test_a_decision_is_outdated_once_the_item_knows_a_later_business_case() -> None:
    item = candidate()
    taken = decided(item, body(IC))
    assert decision_is_outdated(taken, item) is False

    item.note_business_case_revision(
        2, business_case("130000"), money("130000"), actor_id=ANALYST, now=LATER
    )

    assert decision_is_outdated(taken, item) is True


def test_a_decision_taken_without_business_case_is_outdated_once_one_arrives() -> None:
    item = candidate(None, business_case_version=None)
    taken = decided(item, body(IC))
    assert decision_is_outdated(taken, item) is False

    item.note_business_case_revision(1, business_case(), money("120000"), actor_id=ANALYST)

    assert decision_is_outdated(taken, item) is True


def test_the_item_lists_its_decisions_flagging_the_outdated_ones() -> None:
    item = candidate()
    board = body(IC, rights={"G2": list(Outcome), "G3": list(Outcome)})
    first = decided(item, board, decision_id="DEC-1")
    item.note_business_case_revision(2, business_case("150000"), money("150000"), actor_id=ANALYST)
    second = decided(item, board, Outcome.DEFER, decision_id="DEC-2", gate="G3")

    assert [(d.decision, d.outdated, d.latest_business_case_version) for d in item.decisions] == [
        (first, True, 2),
        (second, False, 2),
    ]
    assert second.business_case_version == 2


def test_item_facts_are_what_routing_rules_look_at() -> None:
    item = candidate("300000", category="regulatory", requires_investment_committee=True)

    assert item.facts == ItemFacts(
        estimated_cost=money("300000"),
        category="regulatory",
        department="IT Operations",
        risk_level=None,
        requires_investment_committee=True,
    )


def test_a_decision_records_the_rule_set_version_it_was_checked_against() -> None:
    version_one = routing_rules([])

    taken = decision(candidate("300000"), body(BodyKind.PROJECT_COMMITTEE), rules=version_one)

    assert taken.rule_set_version == 1
    assert taken.applied_rules == ()
