"""Joint sign-off: when routing rules require several bodies at a gate, each required body
approves in its own meeting, in any order, and the item passes the gate with the last approval.

With the default rules a regulatory item above EUR 250,000 needs both the investment committee
(cost-over-250k) and the steering committee (regulatory-to-steering) at G2."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pmo_kernel.errors import GovernanceRuleFailed, InvalidTransition
from pmo_portfolio.domain.governance import (
    COST_OVER_250K,
    DEFAULT_ROUTING_RULES,
    REGULATORY_TO_STEERING,
    BodyKind,
    Condition,
    Decision,
    DecisionRecorded,
    GovernanceBody,
    ItemDecided,
    ItemState,
    Outcome,
    PortfolioItem,
    RoutingRule,
    check_decision,
    gate_approvals,
    registry,
)
from tests.portfolio.unit.governance_helpers import (
    ANALYST,
    DEFAULT_RULES,
    LATER,
    NOW,
    body,
    business_case,
    candidate,
    committees,
    decided,
    decision,
    meeting,
    money,
    routing_rules,
    saved,
)

S = ItemState
PC, IC, SC, AB = (
    BodyKind.PROJECT_COMMITTEE,
    BodyKind.INVESTMENT_COMMITTEE,
    BodyKind.STEERING_COMMITTEE,
    BodyKind.ARBITRATION_BOARD,
)


def regulatory(cost: str | None = "400000", currency: str = "EUR", **kw: Any) -> PortfolioItem:
    """A regulatory candidate at G1: above EUR 250K both IC and SC must approve at G2."""
    return candidate(cost, currency, category="regulatory", **kw)


def approve(
    item: PortfolioItem,
    deciding: GovernanceBody,
    decision_id: str,
    outcome: Outcome = Outcome.APPROVE,
    **kw: Any,
) -> Decision:
    """Decided and recorded on the item, in a meeting of the body (M-<body id>)."""
    meeting_id = f"M-{deciding.id}"
    return decided(item, deciding, outcome, decision_id=decision_id, meeting_id=meeting_id, **kw)


# -- an approval that awaits other bodies ---------------------------------------------------------


def test_the_first_required_body_approves_and_the_item_stays_a_candidate_awaiting() -> None:
    # Given a EUR 400K regulatory candidate and the steering committee's meeting on it
    item = regulatory()
    steering = committees()[SC]
    session = meeting(steering, [(item.id, "G2")], meeting_id="M-SC")

    # When the steering committee approves it at G2
    taken = decision(item, steering, gate="G2", decision_id="DEC-SC", meeting_id="M-SC")
    session.record_decision(taken, actor_id=ANALYST, now=NOW)
    item.record_decision(taken)

    # Then the decision is minuted and on the item, saying the investment committee is awaited
    assert taken.awaiting_approval_from == (IC,)
    assert taken.earlier_approvals == ()
    assert [r.rule_id for r in taken.applied_rules] == [COST_OVER_250K, REGULATORY_TO_STEERING]
    assert taken.business_case_version == 1  # inputs frozen as for any decision
    assert taken.facts == item.facts
    (minuted,) = session.pending
    (on_item,) = item.pending
    assert isinstance(minuted, DecisionRecorded)
    assert minuted.decision == taken
    # ... and the item stays where it was: a candidate at G1
    assert on_item == ItemDecided(
        item_id="D-1", decision=taken, state=S.CANDIDATE, current_gate="G1"
    )
    assert (item.state, item.current_gate, item.passed_gates) == (S.CANDIDATE, "G1", ("G0", "G1"))
    assert item.approvals_given("G2") == (taken,)


def test_the_last_required_body_approves_and_the_item_passes_the_gate() -> None:
    item = regulatory()
    bodies = committees()
    first = approve(item, bodies[SC], "DEC-SC")

    last = approve(item, bodies[IC], "DEC-IC")

    assert last.awaiting_approval_from == ()
    assert last.earlier_approvals == ("DEC-SC",)
    assert (item.state, item.current_gate, item.passed_gates) == (
        S.APPROVED, "G2", ("G0", "G1", "G2"),
    )  # fmt: skip
    assert [d.decision for d in item.decisions] == [first, last]
    assert item.approvals_given("G2") == ()  # the gate is passed: nothing pending any more


@pytest.mark.parametrize("order", [(SC, IC), (IC, SC)], ids=["steering-first", "investment-first"])
def test_the_order_of_the_approvals_does_not_matter(order: tuple[BodyKind, BodyKind]) -> None:
    item = regulatory()
    bodies = committees()
    first, second = order

    taken = approve(item, bodies[first], "DEC-1")
    assert taken.awaiting_approval_from == (second,)
    assert (item.state, item.current_gate) == (S.CANDIDATE, "G1")

    approve(item, bodies[second], "DEC-2")
    assert (item.state, item.current_gate) == (S.APPROVED, "G2")


def test_approving_with_conditions_keeps_every_bodys_conditions_once_the_gate_is_passed() -> None:
    item = regulatory()
    bodies = committees()
    approve(item, bodies[SC], "DEC-SC", Outcome.APPROVE_WITH_CONDITIONS,
            conditions=["Quarterly compliance report"])  # fmt: skip
    assert item.conditions == {}  # nothing is approved yet

    approve(item, bodies[IC], "DEC-IC", Outcome.APPROVE_WITH_CONDITIONS,
            conditions=["Monthly spend report", "Quarterly compliance report"])  # fmt: skip

    assert item.state is S.APPROVED
    assert item.conditions == {"G2": ("Quarterly compliance report", "Monthly spend report")}


# -- who may approve ------------------------------------------------------------------------------


def test_a_body_no_rule_requires_is_still_refused_naming_the_rules() -> None:
    item = regulatory()
    bodies = committees()
    approve(item, bodies[SC], "DEC-SC")

    with pytest.raises(GovernanceRuleFailed) as refused:
        check_decision(item, bodies[PC], "G2", Outcome.APPROVE, DEFAULT_RULES,
                       participants=["paul", "petra"])  # fmt: skip

    assert refused.value.status == 422
    assert refused.value.extensions["rule"] == COST_OVER_250K
    assert [f["rule"] for f in refused.value.extensions["failed_rules"]] == [
        COST_OVER_250K,
        REGULATORY_TO_STEERING,
    ]
    assert (item.state, item.current_gate) == (S.CANDIDATE, "G1")


def test_the_same_body_approving_again_while_others_are_awaited_is_a_conflict() -> None:
    item = regulatory()
    steering = committees()[SC]
    approve(item, steering, "DEC-SC")

    with pytest.raises(InvalidTransition) as refused:
        decision(item, steering, gate="G2", decision_id="DEC-SC-2")

    assert refused.value.status == 409
    assert refused.value.detail == (
        "steering committee 'Executive Steering' cannot approve item D-1 at G2 again: the "
        "steering committee already approved it (decision DEC-SC in meeting M-B-SC); the gate "
        "still awaits the approval of the investment committee"
    )
    assert refused.value.extensions["awaiting_approval_from"] == ["investment_committee"]


def test_another_body_of_a_kind_that_already_approved_is_a_conflict_too() -> None:
    item = regulatory()
    approve(item, committees()[SC], "DEC-SC")
    regional = body(SC, body_id="B-SC-2", members=["rita", "rob"])

    with pytest.raises(InvalidTransition, match="the steering committee already approved it"):
        check_decision(item, regional, "G2", Outcome.APPROVE, DEFAULT_RULES,
                       participants=["rita", "rob"])  # fmt: skip


def test_a_rule_that_cannot_be_evaluated_counts_as_requiring_its_body() -> None:
    # JPY has no exchange rate: cost-over-250k cannot tell, so the investment committee is required
    item = regulatory("50000000", "JPY")
    bodies = committees()

    with pytest.raises(GovernanceRuleFailed) as refused:
        decision(item, bodies[PC], gate="G2")
    assert refused.value.extensions["failed_rules"][0]["reason"] == (
        "rule cost-over-250k cannot be evaluated (routing rules version 1 have no exchange rate "
        "from JPY to EUR); until it can, only the investment committee may approve at G2"
    )

    first = approve(item, bodies[SC], "DEC-SC")
    assert first.awaiting_approval_from == (IC,)
    assert [r.rule_id for r in first.applied_rules] == [REGULATORY_TO_STEERING]
    approve(item, bodies[IC], "DEC-IC")
    assert (item.state, item.current_gate) == (S.APPROVED, "G2")


# -- what ends or keeps the approvals given -------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "state"), [(Outcome.REJECT, S.REJECTED), (Outcome.CANCEL, S.CANCELLED)]
)
@pytest.mark.parametrize("by", [IC, PC], ids=["awaited-body", "any-body-with-the-right"])
def test_a_rejection_or_cancellation_ends_the_item_at_once(
    outcome: Outcome, state: ItemState, by: BodyKind
) -> None:
    item = regulatory()
    bodies = committees()
    approve(item, bodies[SC], "DEC-SC")

    decided(item, bodies[by], outcome, decision_id="DEC-END")

    assert (item.state, item.current_gate) == (state, "G1")
    assert item.approvals_given("G2") == ()
    with pytest.raises(InvalidTransition, match=f"item D-1 is {state.label}"):
        decision(item, bodies[IC], gate="G2", decision_id="DEC-IC")


def test_putting_on_hold_holds_the_item_and_the_approvals_given_no_longer_count() -> None:
    item = regulatory()
    bodies = committees()
    approve(item, bodies[SC], "DEC-SC")

    decided(item, bodies[PC], Outcome.PUT_ON_HOLD, decision_id="DEC-HOLD")
    assert (item.state, item.current_gate) == (S.ON_HOLD, "G1")
    assert item.approvals_given("G2") == ()

    # Once off hold, both bodies approve again; the first approval does not lift the hold
    again = approve(item, bodies[IC], "DEC-IC")
    assert (again.earlier_approvals, again.awaiting_approval_from) == ((), (SC,))
    assert item.state is S.ON_HOLD
    approve(item, bodies[SC], "DEC-SC-2")
    assert (item.state, item.current_gate) == (S.APPROVED, "G2")


def test_a_deferral_keeps_the_approvals_given() -> None:
    item = regulatory()
    bodies = committees()
    approve(item, bodies[SC], "DEC-SC")

    deferral = decided(item, bodies[IC], Outcome.DEFER, decision_id="DEC-DEFER")

    assert (deferral.awaiting_approval_from, deferral.earlier_approvals) == ((), ())
    assert (item.state, item.current_gate) == (S.CANDIDATE, "G1")
    assert [d.decision_id for d in item.approvals_given("G2")] == ["DEC-SC"]
    last = approve(item, bodies[IC], "DEC-IC")
    assert last.earlier_approvals == ("DEC-SC",)
    assert item.state is S.APPROVED


def test_approvals_count_only_at_their_own_gate() -> None:
    # Given rules requiring both committees at G2 and at G3
    both_gates = [
        rule.model_copy(update={"id": f"{rule.id}-g3", "gate": "G3"})
        for rule in DEFAULT_ROUTING_RULES
    ]
    rules = routing_rules([*DEFAULT_ROUTING_RULES, *both_gates])
    item = regulatory()
    bodies = committees()
    approve(item, bodies[SC], "DEC-SC-G2", rules=rules)
    approve(item, bodies[IC], "DEC-IC-G2", rules=rules)
    assert (item.state, item.current_gate) == (S.APPROVED, "G2")

    # When the steering committee approves at G3, then the G2 approvals do not count there
    at_g3 = approve(item, bodies[SC], "DEC-SC-G3", rules=rules)

    assert (at_g3.gate, at_g3.earlier_approvals, at_g3.awaiting_approval_from) == ("G3", (), (IC,))
    assert (item.state, item.current_gate) == (S.APPROVED, "G2")
    approve(item, bodies[IC], "DEC-IC-G3", rules=rules)
    assert (item.state, item.current_gate) == (S.APPROVED, "G3")


def test_an_approval_on_a_business_case_revised_since_lapses_and_its_body_approves_again() -> None:
    item = regulatory()
    bodies = committees()
    approve(item, bodies[SC], "DEC-SC")
    item.note_business_case_revision(
        2, business_case("450000"), money("450000"), actor_id=ANALYST, now=LATER
    )
    saved(item)

    status = gate_approvals(item, DEFAULT_RULES)
    assert status is not None
    assert ([d.decision_id for d in status.lapsed], status.given) == (["DEC-SC"], ())
    assert status.awaiting == (SC, IC)  # in body-kind order

    on_new_case = approve(item, bodies[IC], "DEC-IC")
    assert (on_new_case.earlier_approvals, on_new_case.awaiting_approval_from) == ((), (SC,))
    assert item.state is S.CANDIDATE
    approve(item, bodies[SC], "DEC-SC-2")
    assert (item.state, item.current_gate) == (S.APPROVED, "G2")


def test_once_the_rules_await_nobody_else_the_body_that_approved_may_pass_the_gate() -> None:
    # Given the steering committee approved, awaiting the investment committee
    item = regulatory()
    steering = committees()[SC]
    approve(item, steering, "DEC-SC")

    # When the rules change so that only the steering committee is required, it approves again
    only_steering = routing_rules([r for r in DEFAULT_ROUTING_RULES if r.body_kind is SC])
    again = approve(item, steering, "DEC-SC-2", rules=only_steering)

    # Then nothing is awaited: the gate is passed (no deadlock)
    assert (again.earlier_approvals, again.awaiting_approval_from) == (("DEC-SC",), ())
    assert (item.state, item.current_gate) == (S.APPROVED, "G2")


# -- the item guards its own record ---------------------------------------------------------------


def test_an_approval_checked_before_another_one_was_recorded_is_refused() -> None:
    # Two approvals checked on the same state of the item: each thinks it is the first
    item = regulatory()
    bodies = committees()
    by_steering = decision(item, bodies[SC], gate="G2", decision_id="DEC-SC")
    by_investment = decision(item, bodies[IC], gate="G2", decision_id="DEC-IC")
    item.record_decision(by_steering)

    with pytest.raises(InvalidTransition) as refused:
        item.record_decision(by_investment)

    assert refused.value.detail == (
        "decision DEC-IC cannot be recorded: it was checked against the approvals none at G2, "
        "but item D-1 counts ['DEC-SC'] there now; check it again"
    )
    assert item.state is S.CANDIDATE


def test_the_item_refuses_a_repeated_approval_even_if_not_checked() -> None:
    item = regulatory()
    steering = committees()[SC]
    first = approve(item, steering, "DEC-SC")
    repeated = first.model_copy(
        update={"decision_id": "DEC-SC-2", "earlier_approvals": ("DEC-SC",)}
    )

    with pytest.raises(InvalidTransition, match="the steering committee already approved item D-1"):
        item.record_decision(repeated)


# -- the record ------------------------------------------------------------------------------------


def test_the_new_fields_read_back_from_json_and_old_decisions_still_read() -> None:
    item = regulatory()
    taken = decision(item, committees()[SC], gate="G2")
    stored = taken.model_dump(mode="json")

    assert stored["awaiting_approval_from"] == ["investment_committee"]
    assert stored["earlier_approvals"] == []
    assert Decision.model_validate_json(json.dumps(stored)) == taken
    before_joint_sign_off = {
        k: v for k, v in stored.items() if k not in ("awaiting_approval_from", "earlier_approvals")
    }
    old = Decision.model_validate(before_joint_sign_off)
    assert (old.awaiting_approval_from, old.earlier_approvals) == ((), ())


def test_a_stored_item_decided_event_without_the_new_fields_decodes_with_their_defaults() -> None:
    item = candidate("300000")
    approval = decision(item, committees()[IC], gate="G2")
    event = ItemDecided(item_id="D-1", decision=approval, state=S.APPROVED, current_gate="G2")
    payload = event.payload()
    for field in ("awaiting_approval_from", "earlier_approvals"):
        del payload["decision"][field]

    decoded = registry.decode_stored("ItemDecided", event.schema_version, json.dumps(payload))

    assert decoded == event


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"outcome": "reject"}, "only an approval awaits other bodies"),
        ({"awaiting_approval_from": ["steering_committee"]}, "cannot await its own approval"),
        (
            {"awaiting_approval_from": ["investment_committee", "investment_committee"]},
            "bodies awaited are listed more than once",
        ),
        ({"earlier_approvals": ["DEC-1"]}, "cannot be one of its own earlier approvals"),
        ({"earlier_approvals": ["DEC-0", "DEC-0"]}, "earlier approvals are listed more than once"),
    ],
)
def test_an_incoherent_joint_sign_off_record_is_refused(
    change: dict[str, Any], message: str
) -> None:
    stored = decision(regulatory(), committees()[SC], gate="G2").model_dump(mode="json")

    with pytest.raises(ValueError, match=message):
        Decision.model_validate({**stored, **change})


# -- where the sign-off stands ---------------------------------------------------------------------


def test_gate_approvals_shows_the_bodies_required_approved_and_awaited() -> None:
    item = regulatory()
    bodies = committees()

    before = gate_approvals(item, DEFAULT_RULES)
    assert before is not None
    assert before.gate == "G2"
    assert [(r.body_kind, r.rule_ids) for r in before.requirements] == [
        (SC, (REGULATORY_TO_STEERING,)),
        (IC, (COST_OVER_250K,)),
    ]
    assert (before.approved, before.awaiting) == ((), (SC, IC))

    approve(item, bodies[IC], "DEC-IC")
    during = gate_approvals(item, DEFAULT_RULES)
    assert during is not None
    assert (during.approved, during.awaiting) == ((IC,), (SC,))
    assert [d.decision_id for d in during.given] == ["DEC-IC"]

    approve(item, bodies[SC], "DEC-SC")
    after = gate_approvals(item, DEFAULT_RULES)
    assert after is not None
    assert (after.gate, after.given, after.awaiting) == ("G3", (), ())


def test_several_rules_naming_the_same_body_require_it_once() -> None:
    risky = RoutingRule(
        id="critical-to-steering",
        description="A critical item needs the steering committee.",
        condition=Condition(field="category", op="in", value=("regulatory", "safety")),
        gate="G2",
        body_kind=SC,
    )
    rules = routing_rules([*DEFAULT_ROUTING_RULES, risky])
    item = regulatory("100000")
    bodies = committees()

    status = gate_approvals(item, rules)
    assert status is not None
    assert [(r.body_kind, r.rule_ids) for r in status.requirements] == [
        (SC, ("critical-to-steering", REGULATORY_TO_STEERING))
    ]
    taken = approve(item, bodies[SC], "DEC-SC", rules=rules)
    assert taken.awaiting_approval_from == ()
    assert item.state is S.APPROVED
    with pytest.raises(GovernanceRuleFailed):
        decision(regulatory("100000", item_id="D-2"), bodies[AB], gate="G2", rules=rules)
