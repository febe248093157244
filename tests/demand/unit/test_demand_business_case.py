"""The business case is revised in numbered versions until a decision closes the demand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pmo_demand.domain import (
    AcceptDemand,
    BusinessCase,
    BusinessCaseRevised,
    DemandAccepted,
    DemandQualified,
    DemandState,
    QualifyDemand,
    ReviseBusinessCase,
)
from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_kernel.money import Money
from tests.demand.unit import (
    ANALYST,
    LATER,
    NOW,
    REQUESTER,
    RULES,
    business_case,
    given_demand,
    submitted,
)

S = DemandState


def revise(case: BusinessCase) -> ReviseBusinessCase:
    return ReviseBusinessCase(business_case=case)


def test_each_revision_gets_the_next_version_number() -> None:
    demand = submitted(business_case(effort_person_days=Decimal(100)))

    demand.revise_business_case(revise(business_case(effort_person_days=Decimal(120))), REQUESTER)
    demand.revise_business_case(revise(business_case(effort_person_days=Decimal(150))), REQUESTER)

    assert [e.version for e in demand.pending if isinstance(e, BusinessCaseRevised)] == [2, 3]
    assert demand.business_case_version == 3
    assert demand.business_case == business_case(effort_person_days=Decimal(150))


def test_a_first_business_case_given_after_submission_is_version_1() -> None:
    demand = submitted(without_case=True)

    demand.revise_business_case(revise(business_case()), REQUESTER, NOW)

    (event,) = demand.pending
    assert isinstance(event, BusinessCaseRevised)
    assert event.version == 1


def test_a_revision_carries_the_whole_new_case_and_who_revised_it_when() -> None:
    demand = submitted()
    new_case = business_case(estimated_cost=Money.of("90000", "EUR"), risks=[])

    demand.revise_business_case(revise(new_case), ANALYST, LATER, as_reviewer=True)

    (event,) = demand.pending
    assert isinstance(event, BusinessCaseRevised)
    assert event.business_case == new_case
    assert event.revised_by == ANALYST
    assert event.revised_at == LATER


@pytest.mark.parametrize("state", [S.SUBMITTED, S.INFORMATION_REQUESTED, S.QUALIFIED])
def test_a_revision_does_not_change_where_the_demand_stands(state: DemandState) -> None:
    demand = given_demand(state)

    demand.revise_business_case(revise(business_case(problem="Restated")), REQUESTER, NOW)

    assert demand.state is state


def test_an_accepted_demand_keeps_its_business_case_current_with_new_versions() -> None:
    demand = given_demand(S.ACCEPTED)

    demand.revise_business_case(revise(business_case(problem="Restated")), REQUESTER, NOW)

    assert (demand.state, demand.business_case_version) == (S.ACCEPTED, 2)


@pytest.mark.parametrize("state", [S.REJECTED, S.WITHDRAWN])
def test_the_business_case_of_a_refused_demand_cannot_be_revised(state: DemandState) -> None:
    demand = given_demand(state)

    with pytest.raises(InvalidTransition, match="can only be revised before a decision"):
        demand.revise_business_case(revise(business_case(problem="Late")), REQUESTER, NOW)
    assert demand.business_case_version == 1


def test_a_revision_identical_to_the_current_case_is_refused() -> None:
    demand = submitted()

    with pytest.raises(DomainError, match="identical to business case version 1"):
        demand.revise_business_case(revise(business_case()), REQUESTER, NOW)
    assert demand.pending == ()


def test_a_partial_case_completed_by_a_revision_is_qualified_on_that_version() -> None:
    demand = submitted(BusinessCase(problem="Tickets get lost"))
    demand.revise_business_case(revise(business_case()), REQUESTER, NOW)

    demand.qualify(QualifyDemand(), RULES, ANALYST, NOW)

    event = demand.pending[-1]
    assert isinstance(event, DemandQualified)
    assert event.business_case_version == 2
    assert demand.qualified_business_case_version == 2


def test_acceptance_records_the_version_and_cost_current_at_the_decision() -> None:
    demand = given_demand(S.QUALIFIED)
    cheaper = business_case(estimated_cost=Money.of("80000", "EUR"))
    demand.revise_business_case(revise(cheaper), REQUESTER, NOW)

    demand.accept(AcceptDemand(), ANALYST, LATER)

    event = demand.pending[-1]
    assert isinstance(event, DemandAccepted)
    assert event.business_case_version == 2
    assert event.estimated_cost == Money.of("80000", "EUR")
    assert demand.qualified_business_case_version == 1
