"""The portfolio item: registered from an accepted demand, decided gate by gate, then planned."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from pmo_kernel.errors import DomainError, GovernanceRuleFailed, InvalidTransition
from pmo_kernel.money import Money
from pmo_portfolio.domain.governance import (
    GATE_SEQUENCE,
    BodyKind,
    BusinessCaseRevisionNoted,
    CandidateRegistered,
    GovernanceBody,
    ItemDecided,
    ItemPlanned,
    ItemState,
    Outcome,
    PortfolioItem,
    RiskLevel,
)
from pmo_portfolio.domain.scoring import ItemScored
from tests.portfolio.unit.governance_helpers import (
    ANALYST,
    EVERY_OUTCOME,
    LATER,
    NOW,
    REQUESTER,
    at_gate,
    body,
    business_case,
    candidate,
    decided,
    decision,
    money,
    saved,
)

S = ItemState


def board() -> GovernanceBody:
    return body(BodyKind.PROJECT_COMMITTEE, rights=dict.fromkeys(("G2", "G3", "G4"), EVERY_OUTCOME))


def plan(item: PortfolioItem, start: str = "2027-Q1", end: str = "2028-Q2", **costs: Any) -> None:
    cost_per_year = costs.pop("cost_per_year", {2027: money("200000"), 2028: money("100000")})
    item.plan(start, end, cost_per_year, actor_id=ANALYST, now=NOW)


# -- registration --------------------------------------------------------------------------------


def test_an_accepted_demand_becomes_a_candidate_that_passed_g0_and_g1() -> None:
    item = PortfolioItem.register_candidate(
        "D-1",
        title="Replace the ticketing system",
        department="IT Operations",
        category="project",
        requester=REQUESTER,
        sponsor="COO",
        estimated_cost=money("120000"),
        business_case_version=1,
        business_case=business_case(),
        requires_investment_committee=False,
        desired_start_quarter="2027-q1",
        desired_end_quarter="2027-Q4",
        risk_level=RiskLevel.MEDIUM,
        actor_id=ANALYST,
        now=NOW,
    )

    (event,) = item.pending
    assert isinstance(event, CandidateRegistered)
    assert (event.item_id, event.current_gate, event.registered_at) == ("D-1", "G1", NOW)
    assert event.desired_start_quarter == "2027-Q1"
    assert item.state is S.CANDIDATE
    assert item.current_gate == "G1"
    assert item.passed_gates == ("G0", "G1")
    assert item.next_gate == "G2"
    assert (item.title, item.department, item.category) == (
        "Replace the ticketing system",
        "IT Operations",
        "project",
    )
    assert (item.requester, item.sponsor, item.risk_level) == (REQUESTER, "COO", RiskLevel.MEDIUM)
    assert item.business_case_version == 1
    assert item.business_case == business_case()
    assert item.business_case_history == {1: business_case()}
    assert item.decisions == ()


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (
            {"business_case_version": None, "business_case": business_case()},
            "its business case snapshot has no version number",
        ),
        ({"business_case": {}}, "business case version 1 is named but its snapshot is missing"),
        (
            {"desired_start_quarter": "2027-Q3", "desired_end_quarter": "2027-Q1"},
            "desired end quarter 2027-Q1 is before desired start quarter 2027-Q3",
        ),
        ({"desired_start_quarter": "2027-Q5"}, "'2027-Q5' is not a quarter"),
        ({"estimated_cost": Money.of("-1", "EUR")}, "amount must not be negative"),
        ({"business_case": {"cost": 1.5}}, "cost is a float"),
        ({"title": "  "}, "title: String should have at least 1 character"),
    ],
)
def test_a_malformed_registration_is_refused_saying_why(
    overrides: dict[str, Any], problem: str
) -> None:
    with pytest.raises(DomainError, match=problem) as refused:
        candidate(**overrides)

    assert (
        refused.value.detail.startswith("demand D-1 cannot be registered as a portfolio candidate")
        or "is not a quarter" in refused.value.detail
    )


# -- business case revisions ---------------------------------------------------------------------


def test_a_business_case_revision_becomes_the_latest_and_moves_the_cost() -> None:
    item = candidate("120000")

    item.note_business_case_revision(
        2, business_case("150000"), money("150000"), actor_id=ANALYST, now=LATER
    )

    assert item.pending == (
        BusinessCaseRevisionNoted(
            item_id="D-1",
            version=2,
            business_case=business_case("150000"),
            estimated_cost=money("150000"),
            noted_by=ANALYST,
            noted_at=LATER,
        ),
    )
    assert item.business_case_version == 2
    assert item.estimated_cost == money("150000")
    assert item.facts.estimated_cost == money("150000")
    assert set(item.business_case_history) == {1, 2}


def test_an_older_or_same_revision_is_refused() -> None:
    item = candidate()

    with pytest.raises(InvalidTransition) as refused:
        item.note_business_case_revision(1, business_case("1"), money("1"), actor_id=ANALYST)

    assert refused.value.detail == (
        "business case version 1 cannot be noted on item D-1: the item already knows version 1; "
        "a revision must be newer"
    )


def test_an_identical_or_empty_revision_is_refused() -> None:
    item = candidate("120000")

    with pytest.raises(DomainError, match="it is identical to version 1"):
        item.note_business_case_revision(2, business_case(), money("120000"), actor_id=ANALYST)
    with pytest.raises(DomainError, match="the business case snapshot is empty"):
        item.note_business_case_revision(2, {}, None, actor_id=ANALYST)


def test_a_closed_item_takes_no_more_revisions() -> None:
    item = candidate()
    decided(item, board(), Outcome.CANCEL)

    with pytest.raises(InvalidTransition, match="on item D-1: the item is cancelled"):
        item.note_business_case_revision(2, business_case("1"), money("1"), actor_id=ANALYST)


# -- decisions -----------------------------------------------------------------------------------


def test_approving_at_the_next_gate_passes_it() -> None:
    item = candidate()

    taken = decided(item, board())

    assert (item.state, item.current_gate, item.next_gate) == (S.APPROVED, "G2", "G3")
    assert item.passed_gates == ("G0", "G1", "G2")
    assert [d.decision for d in item.decisions] == [taken]


def test_approving_with_conditions_passes_the_gate_and_keeps_the_conditions() -> None:
    item = candidate()

    decided(item, board(), Outcome.APPROVE_WITH_CONDITIONS, conditions=["Monthly report"])

    assert (item.state, item.current_gate) == (S.APPROVED, "G2")
    assert item.conditions == {"G2": ("Monthly report",)}


def test_the_item_decided_event_carries_the_resulting_state_and_gate() -> None:
    item = candidate()
    taken = decision(item, board())

    item.record_decision(taken)

    assert item.pending == (
        ItemDecided(item_id="D-1", decision=taken, state=S.APPROVED, current_gate="G2"),
    )


@pytest.mark.parametrize(
    ("outcome", "state"),
    [
        (Outcome.REJECT, S.REJECTED),
        (Outcome.DEFER, S.CANDIDATE),
        (Outcome.PUT_ON_HOLD, S.ON_HOLD),
        (Outcome.CANCEL, S.CANCELLED),
    ],
)
def test_other_outcomes_leave_the_gate_and_set_the_state(
    outcome: Outcome, state: ItemState
) -> None:
    item = candidate()

    decided(item, board(), outcome)

    assert (item.state, item.current_gate) == (state, "G1")


def test_approving_an_item_on_hold_lifts_the_hold() -> None:
    item = at_gate("G2")
    decided(item, board(), Outcome.PUT_ON_HOLD, gate="G2", decision_id="HOLD")
    decided(item, board(), Outcome.DEFER, gate="G3", decision_id="DEFER")
    assert item.state is S.ON_HOLD

    decided(item, board(), Outcome.APPROVE, gate="G3", decision_id="GO")

    assert (item.state, item.current_gate) == (S.APPROVED, "G3")


def test_passing_the_last_gate_closes_the_item() -> None:
    item = at_gate("G4")

    assert item.state is S.CLOSED
    assert item.next_gate is None
    with pytest.raises(InvalidTransition, match="item D-1 is closed; no decision can be taken"):
        item.record_decision(decision(item, board(), Outcome.DEFER, gate="G4"))


def test_a_decision_about_another_item_is_refused() -> None:
    other = candidate(item_id="D-2")
    taken = decision(other, board())

    with pytest.raises(DomainError, match="decision DEC-1 is about item D-2, not item D-1"):
        candidate().record_decision(taken)


def test_the_same_decision_is_recorded_once() -> None:
    item = candidate()
    taken = decision(item, board(), Outcome.DEFER)
    item.record_decision(taken)

    with pytest.raises(InvalidTransition, match="decision DEC-1 is already recorded on item D-1"):
        item.record_decision(taken)


def test_the_item_refuses_a_decision_that_skips_a_gate_even_if_not_checked() -> None:
    item = candidate()
    checked_at_g2 = decision(item, board())
    skipping = checked_at_g2.model_copy(update={"gate": "G3"})

    with pytest.raises(GovernanceRuleFailed) as refused:
        item.record_decision(skipping)

    assert refused.value.extensions["rule"] == GATE_SEQUENCE
    assert "item D-1 is at G1; it can only be decided at G2" in refused.value.detail
    assert item.pending == ()


def test_a_decision_based_on_a_business_case_the_item_does_not_know_is_refused() -> None:
    item = candidate()
    future = decision(item, board()).model_copy(update={"business_case_version": 3})

    with pytest.raises(DomainError) as refused:
        item.record_decision(future)

    assert refused.value.detail == (
        "decision DEC-1 is based on business case version 3, but item D-1 only knows version 1"
    )


def test_nothing_can_be_done_to_an_item_never_registered() -> None:
    ghost = PortfolioItem("D-9")

    with pytest.raises(InvalidTransition, match="portfolio item D-9 has not been registered"):
        ghost.note_business_case_revision(1, business_case(), None, actor_id=ANALYST)
    with pytest.raises(InvalidTransition, match="has not been registered"):
        plan(ghost)


# -- roadmap planning ----------------------------------------------------------------------------


def test_an_approved_item_past_g2_is_planned_with_quarters_and_yearly_costs() -> None:
    item = at_gate("G2")

    plan(item, "2027-q1", "2028-Q2")

    assert item.pending == (
        ItemPlanned(
            item_id="D-1",
            start_quarter="2027-Q1",
            end_quarter="2028-Q2",
            cost_per_year={2027: money("200000"), 2028: money("100000")},
            # the business case's 180 person-days, with no breakdown: all developers
            effort_by_role_quarter={
                "developer": {
                    q: Decimal(30)
                    for q in ("2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4", "2028-Q1", "2028-Q2")
                }
            },
            planned_by=ANALYST,
            planned_at=NOW,
        ),
    )
    assert (item.start_quarter, item.end_quarter) == ("2027-Q1", "2028-Q2")
    assert item.cost_per_year == {2027: money("200000"), 2028: money("100000")}


def test_an_item_can_be_replanned_and_past_g3_too() -> None:
    item = at_gate("G3")
    plan(item)

    plan(item, "2027-Q3", "2027-Q4", cost_per_year={2027: money("50000")})

    assert (item.start_quarter, item.cost_per_year) == ("2027-Q3", {2027: money("50000")})


def test_a_candidate_cannot_be_planned() -> None:
    with pytest.raises(InvalidTransition) as refused:
        plan(candidate())

    assert refused.value.detail == (
        "item D-1 cannot be planned: it is candidate at G1; only approved items past G2 can be "
        "planned"
    )


def test_an_item_on_hold_cannot_be_planned() -> None:
    item = at_gate("G2")
    decided(item, board(), Outcome.PUT_ON_HOLD, gate="G2", decision_id="HOLD")

    with pytest.raises(InvalidTransition, match="it is on hold at G2"):
        plan(item)


@pytest.mark.parametrize(
    ("start", "end", "costs", "problem"),
    [
        ("2027-Q3", "2027-Q1", {}, "end quarter 2027-Q1 is before start quarter 2027-Q3"),
        ("2027-Q0", "2027-Q1", {}, "cannot be planned: '2027-Q0' is not a quarter"),
        ("2027", "2027-Q1", {}, "'2027' is not a quarter"),
        (
            "2027-Q1",
            "2027-Q4",
            {2026: money("1"), 2028: money("1")},
            "costs are given for 2026, 2028, outside the planned years 2027-2027",
        ),
        ("2027-Q1", "2028-Q4", {2028: money("-5")}, "the cost for 2028 is negative"),
        (
            "2027-Q1",
            "2028-Q4",
            {2027: money("5"), 2028: money("5", "USD")},
            r"the yearly costs mix currencies \(EUR, USD\)",
        ),
    ],
)
def test_a_malformed_plan_is_refused_saying_why(
    start: str, end: str, costs: dict[int, Money], problem: str
) -> None:
    item = at_gate("G2")

    with pytest.raises(DomainError, match=problem):
        plan(item, start, end, cost_per_year=costs)
    assert item.pending == ()


# -- scores: the scoring module's events on the item's stream ------------------------------------


def scored(item_id: str = "D-1") -> ItemScored:
    return ItemScored(
        item_id=item_id,
        evaluator_id="eve",
        model_id="SM-1",
        model_version=1,
        scores={"value": 7},
        justifications={"value": "Clear benefits."},
        scored_at=NOW,
    )


def test_the_item_keeps_the_scoring_modules_evaluations_in_order() -> None:
    item = candidate()

    item.record_score(scored())
    item.record_score(scored())

    assert item.pending == (scored(), scored())
    assert item.scores == item.evaluations == [scored(), scored()]


def test_only_an_evaluation_of_this_open_item_is_recorded() -> None:
    item = saved(candidate())

    with pytest.raises(DomainError, match="the evaluation is of item D-2, not item D-1"):
        item.record_score(scored("D-2"))
    with pytest.raises(TypeError, match="record_score takes an ItemScored event"):
        item.record_score(
            BusinessCaseRevisionNoted(
                item_id="D-1", version=2, business_case={"a": "b"}, noted_by="x", noted_at=NOW
            )
        )
    decided(item, board(), Outcome.REJECT)
    with pytest.raises(InvalidTransition, match="item D-1 is rejected; it can no longer be scored"):
        item.record_score(scored())
