"""The JSON delivery's GET endpoints answer with: a project (plan, baselines, status reports with
their earned value per month, alerts, exceptions, dependencies, late months), its variance
against a baseline, and earned-value roll-ups.

Money is {amount, currency} with a decimal string, ratios are decimal strings, never JSON
numbers. With SUMMARY sight (pmo_portfolio.access: a project or resource manager who is not a
portfolio reader) every amount is null and so are the cost ratios (CPI, TCPI) and the figures
an alert was tested on: the project's costs follow the item's figures rule.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pmo_kernel.access import Sight, without_figures
from pmo_portfolio.domain.delivery.evm import EarnedValue
from pmo_portfolio.domain.delivery.project import Baseline, Project, measure
from pmo_portfolio.domain.delivery.values import Plan
from pmo_portfolio.domain.delivery.variance import Variance

Json = dict[str, Any]
COST_RATIOS = ("cpi", "tcpi", "cost_band")


def _money(amount: Decimal | None, currency: str) -> Json | None:
    return None if amount is None else {"amount": str(amount), "currency": currency}


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def earned_value_view(value: EarnedValue) -> Json:
    c = value.currency
    return {
        "currency": c,
        "bac": _money(value.bac, c),
        "pv": _money(value.pv, c),
        "ev": _money(value.ev, c),
        "ac": _money(value.ac, c),
        "sv": _money(value.sv, c),
        "cv": _money(value.cv, c),
        "spi": _text(value.spi),
        "cpi": _text(value.cpi),
        "tcpi": _text(value.tcpi),
        "eac": {method.value: _money(amount, c) for method, amount in value.eac.items()},
        "etc": _money(value.etc, c),
        "vac": _money(value.vac, c),
        "schedule_band": None if value.schedule_band is None else value.schedule_band.value,
        "cost_band": None if value.cost_band is None else value.cost_band.value,
    }


def _plan_view(plan: Plan) -> Json:
    data: Json = plan.model_dump(mode="json")
    return data


def _baseline_view(baseline: Baseline, approved: int | None) -> Json:
    return {
        "number": baseline.number,
        "name": baseline.name,
        "plan_version": baseline.plan_version,
        "approved": baseline.number == approved,
        "set_by": baseline.set_by,
        "set_at": baseline.set_at.isoformat(),
        "plan": _plan_view(baseline.plan),
    }


def project_view(project: Project, sight: Sight, today: dt.date) -> Json:
    assert project.go is not None
    reference = project.reference
    view: Json = {
        "id": project.id,
        "version": project.version,
        "title": project.title,
        "project_manager": project.project_manager,
        "decision": project.go.model_dump(mode="json"),
        "plan_version": project.plan_version,
        "plan": _plan_view(project.plan),
        "approved_baseline": project.approved_baseline,
        "baselines": [
            _baseline_view(b, project.approved_baseline)
            for _, b in sorted(project.baselines.items())
        ],
        "tolerances": project.tolerances.model_dump(mode="json"),
        "report_due_day": project.report_due_day,
        "status_reports": [
            {
                **report.report.model_dump(mode="json"),
                "decision_id": report.decision_id,
                "plan_version": report.plan_version,
                "baseline_number": report.baseline_number,
                "late": report.late,
                "reported_by": report.reported_by,
                "reported_at": report.reported_at.isoformat(),
                "earned_value": earned_value_view(
                    measure(project.baseline(report.baseline_number).plan, report.report)
                ),
            }
            for _, report in sorted(project.reports.items())
        ],
        "late_periods": project.late_periods(today),
        "earned_value": (
            None if (latest := project.figures()) is None else earned_value_view(latest)
        ),
        "alerts": [
            alert.model_dump(mode="json") | {"kind": alert.event_type} for alert in project.alerts
        ],
        "milestone_slips": [slip.model_dump(mode="json") for slip in project.slips],
        "exceptions": [e.model_dump(mode="json") for e in project.exceptions],
        "dependencies": [d.model_dump(mode="json") for d in project.dependencies],
        "reference_plan_version": reference.plan_version,
        "figures_hidden": False,
    }
    return view if sight is Sight.FULL else project_without_figures(view)


def _hide_ratios(value: Any) -> None:
    if isinstance(value, dict):
        for key in COST_RATIOS:
            if key in value:
                value[key] = None
        if "figures" in value:
            value["figures"] = None
        for item in value.values():
            _hide_ratios(item)
    elif isinstance(value, list):
        for item in value:
            _hide_ratios(item)


def project_without_figures(view: Json) -> Json:
    hidden: Json = without_figures(view)
    _hide_ratios(hidden)
    for alert in hidden["alerts"]:
        if alert.get("tolerance") in ("cpi_below", "forecast_over_bac_percent"):
            alert["limit"] = alert["actual"] = alert["detail"] = None
    hidden["figures_hidden"] = True
    return hidden


def variance_view(variance: Variance, approved: int | None, sight: Sight) -> Json:
    currency = variance.baseline.plan.currency
    view: Json = {
        "baseline": _baseline_view(variance.baseline, approved),
        "milestones": [
            {
                "milestone_id": m.milestone_id,
                "baseline_date": m.baseline_date.isoformat(),
                "planned_date": None if m.planned_date is None else m.planned_date.isoformat(),
                "forecast_date": None if m.forecast_date is None else m.forecast_date.isoformat(),
                "days": m.days,
            }
            for m in variance.milestones
        ],
        "baseline_bac": _money(variance.baseline_bac, currency),
        "planned_bac": _money(variance.planned_bac, currency),
        "budget_variance": _money(variance.budget_variance, currency),
        "added_scope": list(variance.added_scope),
        "removed_scope": list(variance.removed_scope),
        "earned_value": None
        if variance.earned_value is None
        else earned_value_view(variance.earned_value),
        "figures_hidden": False,
    }
    if sight is Sight.FULL:
        return view
    hidden: Json = without_figures(view)
    _hide_ratios(hidden)
    hidden["figures_hidden"] = True
    return hidden


def roll_up_view(scope: Json, figures: dict[str, EarnedValue]) -> Json:
    return {**scope, "by_currency": [earned_value_view(value) for value in figures.values()]}


__all__ = ["earned_value_view", "project_view", "roll_up_view", "variance_view"]
