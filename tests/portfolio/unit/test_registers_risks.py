"""The risk and issue register of a portfolio item: each rule given/when/then, no database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pmo_kernel.errors import DomainError, InvalidTransition, NotFound
from pmo_portfolio.domain.delivery.registers import (
    Band,
    Response,
    RiskCategory,
    RiskRegister,
    Severity,
    band,
)
from pmo_portfolio.domain.delivery.registers.events import (
    IssueRaised,
    RiskActionCompleted,
    RiskActionPlanned,
    RiskClosed,
    RiskIdentified,
    RiskResponsePlanned,
)
from tests.portfolio.unit.governance_helpers import saved
from tests.portfolio.unit.planning_helpers import reloaded
from tests.portfolio.unit.registers_helpers import ITEM, NOW, PM, TODAY, days, register_with_risk


@pytest.mark.parametrize(
    ("probability", "impact", "expected"),
    [
        (5, 5, Band.CRITICAL),
        (4, 5, Band.CRITICAL),
        (4, 4, Band.HIGH),
        (3, 4, Band.HIGH),
        (2, 5, Band.MEDIUM),
        (2, 3, Band.MEDIUM),
        (1, 5, Band.LOW),
        (1, 2, Band.LOW),
        (1, 1, Band.MINIMAL),
    ],
)
def test_the_band_is_the_matrix_band_of_probability_times_impact(
    probability: int, impact: int, expected: Band
) -> None:
    assert band(probability, impact) is expected


@pytest.mark.parametrize(("probability", "impact"), [(6, 3), (0, 3), (3, 6), (3, 0), (-1, 2)])
def test_a_rating_off_the_one_to_five_scales_is_refused(probability: int, impact: int) -> None:
    with pytest.raises(DomainError, match="from 1 to 5"):
        band(probability, impact)


def test_identifying_a_risk_records_its_inherent_rating_owner_and_review_date() -> None:
    register = RiskRegister(ITEM)

    risk_id = register.identify_risk(
        title="Key architect may leave",
        category=RiskCategory.RESOURCE,
        probability=3,
        impact=5,
        owner="omar",
        review_by=days(14),
        actor_id=PM,
        now=NOW,
    )

    assert risk_id == "R1"
    assert register.pending == (
        RiskIdentified(
            item_id=ITEM,
            risk_id="R1",
            title="Key architect may leave",
            category=RiskCategory.RESOURCE,
            probability=3,
            impact=5,
            owner="omar",
            review_by=days(14),
            identified_by=PM,
            identified_at=NOW,
        ),
    )
    risk = register.risks["R1"]
    assert (risk.inherent.score, risk.inherent.band, risk.residual.band) == (
        15,
        Band.HIGH,
        Band.HIGH,
    )


def test_a_risk_with_a_probability_of_six_is_not_recorded() -> None:
    register = RiskRegister(ITEM)

    with pytest.raises(DomainError, match="probability must be a whole number from 1 to 5"):
        register.identify_risk(
            title="x",
            category=RiskCategory.COST,
            probability=6,
            impact=2,
            owner="o",
            review_by=days(1),
            actor_id=PM,
            now=NOW,
        )
    assert register.pending == ()


def test_a_first_review_in_the_past_is_refused() -> None:
    with pytest.raises(DomainError, match="before today"):
        register_with_risk(review_by=days(-1))


def test_a_response_sets_the_residual_rating_and_its_band() -> None:
    register = register_with_risk(4, 4)

    register.plan_response(
        "R1",
        response=Response.REDUCE,
        residual_probability=2,
        residual_impact=3,
        actor_id=PM,
        now=NOW,
    )

    assert register.pending == (
        RiskResponsePlanned(
            risk_id="R1",
            response=Response.REDUCE,
            residual_probability=2,
            residual_impact=3,
            planned_by=PM,
            planned_at=NOW,
        ),
    )
    risk = register.risks["R1"]
    assert (risk.response, risk.residual.score, risk.residual.band) == (
        Response.REDUCE,
        6,
        Band.MEDIUM,
    )


def test_a_residual_rating_worse_than_the_inherent_one_is_refused() -> None:
    register = register_with_risk(2, 2)

    with pytest.raises(DomainError, match="exceeds the inherent score 4"):
        register.plan_response(
            "R1",
            response=Response.ACCEPT,
            residual_probability=3,
            residual_impact=2,
            actor_id=PM,
            now=NOW,
        )
    assert register.pending == ()


def test_an_action_due_before_the_risk_was_identified_is_refused() -> None:
    register = register_with_risk()

    with pytest.raises(DomainError, match="due before the risk was identified"):
        register.plan_action(
            "R1",
            description="Second supplier",
            owner="omar",
            due_on=TODAY - timedelta(days=1),
            actor_id=PM,
            now=NOW,
        )
    assert register.pending == ()


def test_an_action_is_planned_with_its_owner_and_due_date_then_completed_once() -> None:
    register = register_with_risk()
    action_id = register.plan_action(
        "R1",
        description="Qualify a second supplier",
        owner="omar",
        due_on=days(10),
        actor_id=PM,
        now=NOW,
    )
    saved(register)
    later = NOW + timedelta(days=3)

    register.complete_action("R1", action_id, actor_id="omar", now=later)

    assert register.pending == (
        RiskActionCompleted(risk_id="R1", action_id="A1", completed_by="omar", completed_at=later),
    )
    assert register.risks["R1"].actions["A1"].done
    saved(register)
    with pytest.raises(InvalidTransition, match="already complete"):
        register.complete_action("R1", "A1", actor_id="omar", now=later)
    with pytest.raises(NotFound, match="no action A9"):
        register.complete_action("R1", "A9", actor_id="omar", now=later)


def test_a_risk_past_its_review_date_shows_as_overdue_until_it_is_reviewed() -> None:
    register = register_with_risk()
    risk = register.risks["R1"]

    assert not risk.review_overdue(days(30))
    assert risk.review_overdue(days(31))
    register.review_risk("R1", next_review_by=days(60), actor_id=PM, now=NOW + timedelta(days=31))
    assert not risk.review_overdue(days(31))
    assert (risk.reviews, risk.review_by) == (1, days(60))


def test_an_action_not_done_by_its_due_date_is_overdue() -> None:
    register = register_with_risk()
    register.plan_action("R1", description="d", owner="o", due_on=days(5), actor_id=PM, now=NOW)

    action = register.risks["R1"].actions["A1"]
    assert (action.overdue(days(5)), action.overdue(days(6))) == (False, True)


def test_a_closed_risk_is_neither_overdue_nor_changed_again() -> None:
    register = register_with_risk()

    register.close_risk("R1", reason="Supplier delivered", actor_id=PM, now=NOW)

    assert register.pending == (
        RiskClosed(risk_id="R1", reason="Supplier delivered", closed_by=PM, closed_at=NOW),
    )
    assert not register.risks["R1"].review_overdue(days(365))
    for change in (
        lambda: register.close_risk("R1", reason="again", actor_id=PM, now=NOW),
        lambda: register.reassess_risk("R1", probability=1, impact=1, actor_id=PM, now=NOW),
        lambda: register.plan_action(
            "R1", description="d", owner="o", due_on=days(1), actor_id=PM, now=NOW
        ),
    ):
        with pytest.raises(InvalidTransition, match="R1 is closed"):
            change()


def test_reassessing_a_risk_changes_its_inherent_rating() -> None:
    register = register_with_risk(2, 2)

    register.reassess_risk(
        "R1", probability=5, impact=4, reason="Supplier in administration", actor_id=PM, now=NOW
    )

    assert register.risks["R1"].inherent.band is Band.CRITICAL
    with pytest.raises(InvalidTransition, match="already rated P5 I4"):
        register.reassess_risk("R1", probability=5, impact=4, actor_id=PM, now=NOW)


def test_an_issue_raised_from_a_risk_that_materialised_keeps_the_link() -> None:
    register = register_with_risk()

    issue_id = register.raise_issue(
        title="Supplier missed the delivery",
        severity=Severity.HIGH,
        owner="omar",
        due_on=days(7),
        from_risk_id="R1",
        actor_id=PM,
        now=NOW,
    )

    assert register.pending == (
        IssueRaised(
            item_id=ITEM,
            issue_id="I1",
            title="Supplier missed the delivery",
            severity=Severity.HIGH,
            owner="omar",
            due_on=days(7),
            from_risk_id="R1",
            raised_by=PM,
            raised_at=NOW,
        ),
    )
    assert register.risks["R1"].materialised_as == [issue_id]
    with pytest.raises(NotFound, match="no risk R9"):
        register.raise_issue(
            title="t",
            severity=Severity.LOW,
            owner="o",
            due_on=days(1),
            from_risk_id="R9",
            actor_id=PM,
            now=NOW,
        )


def test_an_issue_is_resolved_once_with_its_resolution() -> None:
    register = register_with_risk()
    register.raise_issue(
        title="t", severity=Severity.MEDIUM, owner="o", due_on=days(2), actor_id=PM, now=NOW
    )
    issue = register.issues["I1"]
    assert issue.overdue(days(3))

    register.resolve_issue("I1", resolution="Workaround in place", actor_id="o", now=NOW)

    assert (issue.open, issue.resolution, issue.overdue(days(3))) == (
        False,
        "Workaround in place",
        False,
    )
    with pytest.raises(InvalidTransition, match="already resolved"):
        register.resolve_issue("I1", resolution="again", actor_id="o", now=NOW)


def test_the_register_folds_back_from_its_stored_events() -> None:
    register = register_with_risk(stored=False)
    register.plan_response(
        "R1",
        response=Response.TRANSFER,
        residual_probability=2,
        residual_impact=2,
        actor_id=PM,
        now=NOW,
    )
    register.plan_action(
        "R1", description="Insure", owner="o", due_on=days(3), actor_id=PM, now=NOW
    )
    register.raise_issue(
        title="t",
        severity=Severity.LOW,
        owner="o",
        due_on=days(2),
        from_risk_id="R1",
        actor_id=PM,
        now=NOW,
    )
    history = register.pending

    again = reloaded(RiskRegister(ITEM), history)

    risk = again.risks["R1"]
    assert (risk.residual.score, risk.response, list(risk.actions), risk.materialised_as) == (
        4,
        Response.TRANSFER,
        ["A1"],
        ["I1"],
    )
    assert isinstance(history[2], RiskActionPlanned)
    assert again.version == 4
