"""A project in delivery, given/when/then without a database: it starts only from the delivery
gate, is measured against its approved baseline, takes one valid report a month, raises an alert
per tolerance breached with one exception to the bodies that govern it, and carries a slipped
milestone to the projects that hang on it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from pmo_kernel.errors import DomainError, InvalidTransition, NotFound
from pmo_kernel.money import Money
from pmo_portfolio.domain.delivery.events import (
    BaselineApproved,
    BaselineSet,
    DependencyAlertRaised,
    ExceptionRaised,
    ProjectStarted,
    StatusReported,
    ToleranceBreached,
)
from pmo_portfolio.domain.delivery.project import Project
from pmo_portfolio.domain.delivery.values import Rag, Rating, Ratings, Tolerances
from pmo_portfolio.domain.delivery.variance import variance
from tests.portfolio.unit.delivery_helpers import (
    ANALYST,
    GREEN,
    PM,
    STEERING,
    eur,
    in_month,
    plan,
    report,
    started,
    starting,
)
from tests.portfolio.unit.planning_helpers import reloaded
from tests.test_import_graph import import_graph

D = Decimal


def test_an_item_that_has_not_passed_its_delivery_gate_cannot_be_started() -> None:
    with pytest.raises(DomainError, match="has not passed its delivery gate"):
        Project.start(
            "P-1",
            title="Ledger",
            project_manager=PM,
            go=None,
            plan=plan(),
            tolerances=Tolerances(),
            report_due_day=10,
            actor_id=ANALYST,
        )


def test_starting_records_the_decision_the_plan_and_an_approved_initial_baseline() -> None:
    project = starting()

    kinds = [type(event) for event in project.pending]
    assert kinds == [ProjectStarted, BaselineSet, BaselineApproved]
    assert project.go is not None
    assert project.go.decision_id == "D-3"
    assert (project.plan_version, project.approved_baseline) == (1, 1)
    assert project.reference.name == "initial"


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (
            {"milestones": [{"milestone_id": "design-done", "name": "M", "date": "2026-12-31"}]},
            "outside the project's dates",
        ),
        ({"budget_at_completion": eur(90000)}, "add up to 100000, not the budget"),
        ({"planned_value": {"2027-01": eur(100000), "2028-01": eur(0)}}, "outside the project"),
        ({"budget_at_completion": Money.of(100000, "USD")}, "every amount is in USD"),
    ],
)
def test_a_plan_that_does_not_hold_together_is_refused(
    change: dict[str, object], refusal: str
) -> None:
    with pytest.raises(ValidationError, match=refusal):
        plan(**change)


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"percent_complete": {"design": 101}}, "less than or equal to 100"),
        ({"actual_cost": eur(-1)}, "must not be negative"),
        (
            {
                "ratings": {
                    "schedule": {"rag": "amber"},
                    "cost": GREEN,
                    "scope": GREEN,
                    "overall": GREEN,
                }
            },
            "amber rating needs a comment",
        ),
    ],
)
def test_a_malformed_report_is_refused_before_it_reaches_the_project(
    change: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(ValidationError, match=refusal):
        report(**change)


def test_a_report_on_unknown_work_or_in_another_currency_or_before_the_start_writes_nothing() -> (
    None
):
    project = started()

    with pytest.raises(DomainError) as refused:
        project.report_status(
            report(
                "2026-12",
                percent_complete={"nope": 10},
                actual_cost=Money.of(1, "USD"),
                milestone_forecasts={"go-live": dt.date(2026, 6, 1)},
            ),
            actor_id=PM,
            now=in_month("2027-03"),
        )

    assert len(refused.value.extensions["problems"]) == 4
    assert project.pending == ()
    assert project.reports == {}


def test_a_month_is_reported_once_and_not_before_it_begins() -> None:
    project = started()
    project.report_status(report("2027-03"), actor_id=PM, now=in_month("2027-03"))

    with pytest.raises(InvalidTransition, match="already reported 2027-03"):
        project.report_status(report("2027-03"), actor_id=PM, now=in_month("2027-03"))
    with pytest.raises(DomainError, match="2027-05 has not begun"):
        project.report_status(report("2027-05"), actor_id=PM, now=in_month("2027-03"))


def test_a_report_is_measured_against_the_approved_baseline_and_records_it() -> None:
    project = started()

    project.report_status(report("2027-03"), actor_id=PM, now=in_month("2027-03"))

    reported = project.pending[0]
    assert isinstance(reported, StatusReported)
    assert (reported.decision_id, reported.plan_version, reported.baseline_number) == ("D-3", 1, 1)
    # PV: three months of 8,333.33; EV: 50 % of 40,000 + 5 % of 60,000; AC 25,000
    assert (reported.planned_value, reported.earned_value) == (eur("24999.99"), eur("23000.00"))
    assert (reported.spi, reported.cpi, reported.late) == (D("0.9200"), D("0.9200"), False)


def test_each_breached_tolerance_raises_an_alert_and_one_exception_goes_to_the_governing_body() -> (
    None
):
    project = started()

    project.report_status(
        report("2027-03", forecast_at_completion=eur(120000)), actor_id=PM, now=in_month("2027-03")
    )

    alerts = [e for e in project.pending if isinstance(e, ToleranceBreached)]
    assert [(a.tolerance, a.limit, a.actual) for a in alerts] == [
        ("spi_below", "0.95", "0.9200"),
        ("cpi_below", "0.95", "0.9200"),
        ("forecast_over_bac_percent", "10", "20.00"),
    ]
    assert alerts[0].figures["ev"] == "23000.00"
    (exception,) = [e for e in project.pending if isinstance(e, ExceptionRaised)]
    assert exception.routed_to == (STEERING,)
    assert exception.tolerances == ("spi_below", "cpi_below", "forecast_over_bac_percent")
    assert exception.routing_rule_ids == ("regulatory-to-steering",)


def test_a_report_within_tolerances_raises_nothing() -> None:
    project = started(tolerances=Tolerances(spi_below=D("0.9"), cpi_below=D("0.9")))

    project.report_status(report("2027-03"), actor_id=PM, now=in_month("2027-03"))

    assert [type(e) for e in project.pending] == [StatusReported]


def test_a_milestone_forecast_past_its_baseline_date_slips_once_until_it_moves_again() -> None:
    project = started()
    late = {"design-done": dt.date(2027, 4, 30)}

    first = project.report_status(
        report("2027-03", milestone_forecasts=late), actor_id=PM, now=in_month("2027-03")
    )
    again = project.report_status(
        report("2027-04", milestone_forecasts=late), actor_id=PM, now=in_month("2027-04")
    )

    assert [(s.milestone_id, s.slip_days) for s in first] == [("design-done", 30)]
    assert again == ()
    slips = [a for a in project.alerts if a.tolerance == "milestone_slip_days"]  # type: ignore[union-attr]
    assert len(slips) == 2  # the breach stands each month it is reported


def test_a_dependent_project_is_alerted_of_a_slip_on_the_milestone_it_hangs_on() -> None:
    upstream, downstream, unrelated = started("P-1"), started("P-2"), started("P-3")
    downstream.declare_dependency(upstream, "design-done", actor_id=ANALYST)
    unrelated.declare_dependency(upstream, "go-live", actor_id=ANALYST)
    (slip,) = upstream.report_status(
        report("2027-03", milestone_forecasts={"design-done": dt.date(2027, 4, 14)}),
        actor_id=PM,
        now=in_month("2027-03"),
    )

    assert downstream.alert_dependency(slip) is True
    assert unrelated.alert_dependency(slip) is False
    alert = downstream.pending[-1]
    assert isinstance(alert, DependencyAlertRaised)
    assert (alert.predecessor_id, alert.milestone_id, alert.slip_days) == ("P-1", "design-done", 14)


def test_a_dependency_needs_a_known_milestone_and_no_circle() -> None:
    one, two = started("P-1"), started("P-2")
    two.declare_dependency(one, "go-live", actor_id=ANALYST)

    with pytest.raises(DomainError, match="no milestone kick-off"):
        two.declare_dependency(one, "kick-off", actor_id=ANALYST)
    with pytest.raises(DomainError, match="would be a circle"):
        one.declare_dependency(two, "go-live", actor_id=ANALYST)
    with pytest.raises(DomainError, match="cannot depend on itself"):
        one.declare_dependency(one, "go-live", actor_id=ANALYST)


def test_a_new_baseline_becomes_the_reference_once_approved_and_variance_compares_to_any() -> None:
    project = started()
    longer = plan(
        end=dt.date(2028, 3, 31),
        milestones=[
            {"milestone_id": "design-done", "name": "Design", "date": "2027-05-31"},
            {"milestone_id": "go-live", "name": "Go live", "date": "2028-03-15"},
        ],
        work_packages=[
            {"work_package_id": "design", "name": "Design", "budget": eur(40000)},
            {"work_package_id": "build", "name": "Build", "budget": eur(60000)},
            {"work_package_id": "train", "name": "Training", "budget": eur(10000)},
        ],
        budget_at_completion=eur(110000),
        planned_value={"2027-06": eur(50000), "2028-03": eur(60000)},
    )
    assert project.revise_plan(longer, "Scope grew", actor_id=PM) == 2
    number = project.set_baseline("re-plan", actor_id=PM)
    project.approve_baseline(number, actor_id=ANALYST)
    project.report_status(
        report("2027-03", milestone_forecasts={"design-done": dt.date(2027, 6, 10)}),
        actor_id=PM,
        now=in_month("2027-03"),
    )

    against_initial, against_new = variance(project, 1), variance(project, 2)

    assert project.reports["2027-03"].baseline_number == 2
    assert [m.days for m in against_initial.milestones] == [71, 91]
    assert [m.days for m in against_new.milestones] == [10, 0]
    assert (against_initial.budget_variance, against_new.budget_variance) == (D(10000), D(0))
    assert (against_initial.added_scope, against_new.added_scope) == (("train",), ())
    assert against_initial.earned_value is not None
    assert against_new.earned_value is not None
    assert (against_initial.earned_value.pv, against_new.earned_value.pv) == (
        D("24999.99"),
        D("0.00"),
    )
    with pytest.raises(InvalidTransition, match="already"):
        project.approve_baseline(2, actor_id=ANALYST)
    with pytest.raises(NotFound):
        variance(project, 9)


def test_late_months_are_those_due_without_a_report() -> None:
    project = started()
    project.report_status(report("2027-02"), actor_id=PM, now=in_month("2027-02", day=20))

    assert project.reports["2027-02"].late is True
    assert project.late_periods(dt.date(2027, 4, 11)) == ["2027-01", "2027-03"]


def test_a_project_survives_the_store() -> None:
    project = started()
    red = Rating(rag=Rag.RED, comment="Vendor late")
    project.report_status(
        report("2027-03", ratings=Ratings(schedule=red, cost=GREEN, scope=GREEN, overall=red)),
        actor_id=PM,
        now=in_month("2027-03"),
    )
    history = [
        *starting().pending,
        *project.pending,
    ]

    again = reloaded(project, history)

    assert again.reports["2027-03"].report.ratings.overall.comment == "Vendor late"
    assert again.figures() == project.figures()
    assert len(again.exceptions) == 1


def test_the_delivery_domain_imports_no_other_sub_domain() -> None:
    graph = import_graph()
    ours = {m: t for m, t in graph.items() if m.startswith("pmo_portfolio.domain.delivery")}
    allowed = ("pmo_portfolio.domain.delivery", "pmo_portfolio.domain.registry", "pmo_kernel")

    outside = sorted(
        f"{m} -> {t}" for m, ts in ours.items() for t in ts if not t.startswith(allowed)
    )
    assert len(ours) >= 6
    assert not outside
