"""The aggregate guards the requester's own actions; role checks belong to the application."""

from __future__ import annotations

import pytest

from pmo_demand.domain import (
    COMMAND_ROLES,
    REVIEWER_ROLES,
    TRANSITIONS,
    DemandState,
    DemandWithdrawn,
    ProvideInformation,
    ReviseBusinessCase,
    WithdrawDemand,
)
from pmo_kernel.errors import InvalidTransition, PermissionDenied
from tests.demand.unit import (
    ANALYST,
    NOW,
    REQUESTER,
    STRANGER,
    business_case,
    given_demand,
    submitted,
)


def test_only_the_requester_may_withdraw_their_demand() -> None:
    demand = submitted()

    with pytest.raises(PermissionDenied, match="only the requester") as refused:
        demand.withdraw(WithdrawDemand(), STRANGER, NOW)

    assert refused.value.status == 403
    assert demand.pending == ()
    assert demand.state is DemandState.SUBMITTED


def test_an_admin_vouched_for_by_the_application_may_withdraw_for_the_requester() -> None:
    demand = submitted()

    demand.withdraw(WithdrawDemand(reason="Requester left"), "root", NOW, as_admin=True)

    (event,) = demand.pending
    assert isinstance(event, DemandWithdrawn)
    assert event.withdrawn_by == "root"


def test_even_an_admin_cannot_withdraw_a_decided_demand() -> None:
    demand = given_demand(DemandState.REJECTED)

    with pytest.raises(InvalidTransition):
        demand.withdraw(WithdrawDemand(), "root", NOW, as_admin=True)


def test_only_the_requester_may_answer_the_questions_asked() -> None:
    demand = given_demand(DemandState.INFORMATION_REQUESTED)

    with pytest.raises(PermissionDenied):
        demand.provide_information(ProvideInformation(answers="Guessing"), ANALYST, NOW)
    assert demand.state is DemandState.INFORMATION_REQUESTED


def test_a_reviewer_vouched_for_by_the_application_may_revise_someone_elses_case() -> None:
    demand = submitted()

    demand.revise_business_case(
        ReviseBusinessCase(business_case=business_case(problem="Clarified")),
        ANALYST,
        NOW,
        as_reviewer=True,
    )

    assert demand.business_case_version == 2


def test_another_requester_may_not_revise_the_business_case_of_a_demand() -> None:
    # Given a demand submitted by its requester
    demand = submitted()

    # When someone else, not vouched for as a reviewer, revises its business case
    with pytest.raises(PermissionDenied, match="only the requester") as refused:
        demand.revise_business_case(
            ReviseBusinessCase(business_case=business_case(problem="Hijacked")), STRANGER, NOW
        )

    # Then it is refused and the case stays as it was
    assert refused.value.status == 403
    assert demand.pending == ()
    assert demand.business_case_version == 1
    assert demand.business_case == business_case()


def test_the_requester_may_revise_their_own_business_case() -> None:
    demand = submitted()

    demand.revise_business_case(
        ReviseBusinessCase(business_case=business_case(problem="Clarified")), REQUESTER, NOW
    )

    assert demand.business_case_version == 2


def test_the_roles_that_may_revise_anyones_business_case_are_analyst_and_admin() -> None:
    assert set(REVIEWER_ROLES) == {"pmo_analyst", "admin"}


def test_the_roles_allowed_for_each_command_follow_the_issue() -> None:
    requester, analyst = {"requester", "admin"}, {"pmo_analyst", "admin"}
    expected = {
        "submit": requester,
        "revise_business_case": requester | {"pmo_analyst"},
        "provide_information": requester,
        "withdraw": requester,
        "request_information": analyst,
        "qualify": analyst,
        "reject": analyst,
        "accept": analyst,
    }

    assert dict(COMMAND_ROLES) == expected


def test_every_command_of_the_aggregate_has_its_roles() -> None:
    assert set(COMMAND_ROLES) == {"submit", *TRANSITIONS}
