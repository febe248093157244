"""A demand's life: every allowed transition, and every refused one with the reason why."""

from __future__ import annotations

import pytest

from pmo_demand.domain import (
    AcceptDemand,
    Demand,
    DemandAccepted,
    DemandQualified,
    DemandRejected,
    DemandState,
    DemandSubmitted,
    DemandWithdrawn,
    InformationProvided,
    InformationRequested,
    ProvideInformation,
    QualifyDemand,
    RejectDemand,
    SubmitDemand,
    WithdrawDemand,
)
from pmo_kernel.errors import InvalidTransition
from pmo_kernel.money import Money
from tests.demand.unit import (
    ANALYST,
    DEMAND_ID,
    LATER,
    NOW,
    REQUESTER,
    RULES,
    ask,
    business_case,
    content,
    given_demand,
    perform,
    submitted,
)

S = DemandState
OPEN = [S.SUBMITTED, S.INFORMATION_REQUESTED, S.INFORMATION_PROVIDED, S.QUALIFIED]

# Written out from the issue, independently of the aggregate's own table, so the tests check it.
ALLOWED_FROM: dict[str, set[DemandState]] = {
    "revise_business_case": {*OPEN, S.ACCEPTED},
    "request_information": {S.SUBMITTED, S.INFORMATION_PROVIDED},
    "provide_information": {S.INFORMATION_REQUESTED},
    "qualify": {S.SUBMITTED, S.INFORMATION_PROVIDED},
    "reject": set(OPEN),
    "withdraw": set(OPEN),
    "accept": {S.QUALIFIED},
}
ALLOWED = [(cmd, state) for cmd, states in ALLOWED_FROM.items() for state in S if state in states]
REFUSED = [
    (cmd, state) for cmd, states in ALLOWED_FROM.items() for state in S if state not in states
]


def test_a_submitted_demand_records_who_asked_what_and_when() -> None:
    demand = Demand.submit(
        DEMAND_ID, SubmitDemand(content=content(), business_case=business_case()), REQUESTER, NOW
    )

    (event,) = demand.pending
    assert isinstance(event, DemandSubmitted)
    assert event.demand_id == DEMAND_ID
    assert event.requester == REQUESTER
    assert event.content == content()
    assert event.business_case == business_case()
    assert event.business_case_version == 1
    assert event.submitted_at == NOW
    assert demand.state is S.SUBMITTED
    assert demand.requester == REQUESTER
    assert demand.submitted_at == NOW
    assert demand.exists


def test_a_demand_may_be_submitted_without_a_business_case() -> None:
    demand = Demand.submit(DEMAND_ID, SubmitDemand(content=content()), REQUESTER, NOW)

    (event,) = demand.pending
    assert isinstance(event, DemandSubmitted)
    assert event.business_case is None
    assert event.business_case_version is None
    assert demand.business_case_version is None


def test_an_analyst_can_ask_the_requester_questions_about_a_submitted_demand() -> None:
    demand = submitted()

    ask(demand, "Which teams?", "Which budget line?")

    (event,) = demand.pending
    assert isinstance(event, InformationRequested)
    assert event.questions == ["Which teams?", "Which budget line?"]
    assert event.requested_by == ANALYST
    assert demand.state is S.INFORMATION_REQUESTED
    assert demand.open_questions == ("Which teams?", "Which budget line?")


def test_the_requester_answers_and_the_demand_goes_back_to_the_analyst() -> None:
    demand = given_demand(S.INFORMATION_REQUESTED)

    demand.provide_information(ProvideInformation(answers="  Three teams.  "), REQUESTER, LATER)

    (event,) = demand.pending
    assert isinstance(event, InformationProvided)
    assert event.answers == "Three teams."
    assert event.provided_by == REQUESTER
    assert event.provided_at == LATER
    assert demand.state is S.INFORMATION_PROVIDED
    assert demand.open_questions == ()


def test_questions_may_be_asked_again_after_answers_as_many_rounds_as_needed() -> None:
    demand = given_demand(S.INFORMATION_PROVIDED)

    ask(demand, "And the budget?")
    demand.provide_information(ProvideInformation(answers="Opex."), REQUESTER, NOW)
    ask(demand, "Which year?")

    assert demand.state is S.INFORMATION_REQUESTED
    assert demand.information_rounds == 3


@pytest.mark.parametrize("state", [S.SUBMITTED, S.INFORMATION_PROVIDED])
def test_a_demand_with_a_complete_business_case_is_qualified(state: DemandState) -> None:
    demand = given_demand(state)

    demand.qualify(QualifyDemand(note="Fits the roadmap"), RULES, ANALYST, LATER)

    (event,) = demand.pending
    assert isinstance(event, DemandQualified)
    assert event.business_case_version == 1
    assert event.requires_investment_committee is False
    assert event.estimated_cost == Money.of("120000", "EUR")
    assert event.note == "Fits the roadmap"
    assert event.qualified_by == ANALYST
    assert event.qualified_at == LATER
    assert demand.state is S.QUALIFIED


def test_a_qualified_demand_is_accepted_with_its_cost_and_committee_flag() -> None:
    demand = given_demand(S.QUALIFIED)

    demand.accept(AcceptDemand(note="Portfolio Q1"), ANALYST, LATER)

    (event,) = demand.pending
    assert isinstance(event, DemandAccepted)
    assert event.business_case_version == 1
    assert event.estimated_cost == Money.of("120000", "EUR")
    assert event.requires_investment_committee is False
    assert event.accepted_by == ANALYST
    assert demand.state is S.ACCEPTED
    assert demand.decided_at == LATER


@pytest.mark.parametrize("state", OPEN)
def test_an_open_demand_can_be_rejected_with_a_reason(state: DemandState) -> None:
    demand = given_demand(state)

    demand.reject(RejectDemand(reason=" Duplicate of D-7 "), ANALYST, LATER)

    (event,) = demand.pending
    assert isinstance(event, DemandRejected)
    assert event.reason == "Duplicate of D-7"
    assert event.rejected_by == ANALYST
    assert demand.state is S.REJECTED
    assert demand.rejection_reason == "Duplicate of D-7"
    assert demand.decided_at == LATER


@pytest.mark.parametrize("state", OPEN)
def test_the_requester_can_withdraw_a_demand_before_a_decision(state: DemandState) -> None:
    demand = given_demand(state)

    demand.withdraw(WithdrawDemand(reason="Solved another way"), REQUESTER, LATER)

    (event,) = demand.pending
    assert isinstance(event, DemandWithdrawn)
    assert event.reason == "Solved another way"
    assert event.withdrawn_by == REQUESTER
    assert demand.state is S.WITHDRAWN
    assert demand.withdrawn_at == LATER


def test_a_withdrawal_needs_no_reason() -> None:
    demand = submitted()

    demand.withdraw(WithdrawDemand(), REQUESTER, NOW)

    (event,) = demand.pending
    assert isinstance(event, DemandWithdrawn)
    assert event.reason is None


@pytest.mark.parametrize(("command", "state"), ALLOWED)
def test_a_command_is_accepted_in_each_state_the_issue_allows(
    command: str, state: DemandState
) -> None:
    demand = given_demand(state)

    perform(demand, command)

    assert len(demand.pending) == 1


@pytest.mark.parametrize(("command", "state"), REFUSED)
def test_a_command_outside_its_states_is_refused_and_says_why(
    command: str, state: DemandState
) -> None:
    demand = given_demand(state)

    with pytest.raises(InvalidTransition) as refused:
        perform(demand, command)

    assert refused.value.status == 409
    assert f"demand {DEMAND_ID} is {state.label};" in refused.value.detail
    assert " while " in refused.value.detail
    assert refused.value.extensions["state"] == state.value
    assert set(refused.value.extensions["allowed_states"]) == {
        s.value for s in ALLOWED_FROM[command]
    }
    assert demand.pending == ()
    assert demand.state is state


def test_a_qualified_demand_cannot_receive_new_questions() -> None:
    demand = given_demand(S.QUALIFIED)

    with pytest.raises(InvalidTransition) as refused:
        ask(demand)

    assert refused.value.detail == (
        f"demand {DEMAND_ID} is qualified; information can only be requested "
        "while submitted or information provided"
    )


def test_an_accepted_demand_cannot_be_withdrawn_any_more() -> None:
    demand = given_demand(S.ACCEPTED)

    with pytest.raises(InvalidTransition) as refused:
        demand.withdraw(WithdrawDemand(), REQUESTER, NOW)

    assert refused.value.detail == (
        f"demand {DEMAND_ID} is accepted; it can only be withdrawn before a decision, "
        "while submitted, information requested, information provided or qualified"
    )


def test_a_demand_never_submitted_accepts_no_command() -> None:
    demand = Demand(DEMAND_ID)

    with pytest.raises(InvalidTransition, match="has not been submitted"):
        demand.reject(RejectDemand(reason="No"), ANALYST, NOW)
    assert not demand.exists
