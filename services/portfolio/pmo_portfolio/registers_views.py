"""JSON views of the registers: an item's risks and issues, its benefits against plan with ROI
and payback, and the portfolio roll-up (risk matrix, top risks, open issues by severity,
benefits). Dates are ISO days, times UTC, values decimal strings, money {amount, currency}.
On SUMMARY sight (a delivery role on a delivered item) an item's benefits show no figure of
money: the monetary values, the cost, the benefits' worth and the ROI are null."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pmo_kernel.access import Sight
from pmo_kernel.money import Money
from pmo_portfolio.application.registers import ItemFacts
from pmo_portfolio.domain.delivery.registers import (
    Benefit,
    BenefitRegister,
    Issue,
    Risk,
    RiskRegister,
)
from pmo_portfolio.domain.delivery.registers.lessons import Lesson
from pmo_portfolio.domain.delivery.registers.matrix import Rating
from pmo_portfolio.domain.delivery.registers.rollup import (
    band_counts,
    matrix_counts,
    open_issues_by_severity,
    top_risks,
)
from pmo_portfolio.domain.delivery.registers.value import (
    Payback,
    Returns,
    realised_vs_planned,
    returns,
)


def _rating(rating: Rating) -> dict[str, Any]:
    return {"probability": rating.probability, "impact": rating.impact, "score": rating.score,
            "band": rating.band.value}  # fmt: skip


def _time(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def risk_view(risk: Risk, today: dt.date) -> dict[str, Any]:
    return {
        "item_id": risk.item_id,
        "risk_id": risk.risk_id,
        "title": risk.title,
        "description": risk.description,
        "category": risk.category.value,
        "owner": risk.owner,
        "status": "open" if risk.open else "closed",
        "inherent": _rating(risk.inherent),
        "response": None if risk.response is None else risk.response.value,
        "residual": _rating(risk.residual),
        "residual_planned": risk.planned_residual is not None,
        "review_by": risk.review_by.isoformat(),
        "review_overdue": risk.review_overdue(today),
        "reviews": risk.reviews,
        "last_reviewed_at": _time(risk.last_reviewed_at),
        "identified_by": risk.identified_by,
        "identified_at": _time(risk.identified_at),
        "closed_at": _time(risk.closed_at),
        "closed_reason": risk.closed_reason,
        "materialised_as": list(risk.materialised_as),
        "actions": [
            {"action_id": a.action_id, "description": a.description, "owner": a.owner,
             "due_on": a.due_on.isoformat(), "done": a.done, "overdue": a.overdue(today),
             "completed_by": a.completed_by, "completed_at": _time(a.completed_at)}
            for a in risk.actions.values()
        ],
    }  # fmt: skip


def issue_view(issue: Issue, today: dt.date) -> dict[str, Any]:
    return {
        "item_id": issue.item_id,
        "issue_id": issue.issue_id,
        "title": issue.title,
        "description": issue.description,
        "severity": issue.severity.value,
        "owner": issue.owner,
        "due_on": issue.due_on.isoformat(),
        "overdue": issue.overdue(today),
        "status": "open" if issue.open else "resolved",
        "from_risk_id": issue.from_risk_id,
        "raised_by": issue.raised_by,
        "raised_at": _time(issue.raised_at),
        "resolution": issue.resolution,
        "resolved_by": issue.resolved_by,
        "resolved_at": _time(issue.resolved_at),
    }


def register_view(facts: ItemFacts, register: RiskRegister, today: dt.date) -> dict[str, Any]:
    risks = list(register.risks.values())
    return {
        "item_id": facts.item_id,
        "title": facts.title,
        "version": register.version,
        "as_of": today.isoformat(),
        "open_risks": sum(1 for r in risks if r.open),
        "reviews_overdue": sum(1 for r in risks if r.review_overdue(today)),
        "risks": [risk_view(r, today) for r in risks],
        "issues": [issue_view(i, today) for i in register.issues.values()],
    }


def matrix_view(registers: Iterable[RiskRegister]) -> dict[str, Any]:
    risks = [risk for register in registers for risk in register.risks.values()]
    views: dict[str, Any] = {"open_risks": sum(1 for r in risks if r.open)}
    for name, residual in (("inherent", False), ("residual", True)):
        cells = matrix_counts(risks, residual=residual)
        views[name] = {
            "cells": [{"probability": c.probability, "impact": c.impact, "score": c.score,
                       "band": c.band.value, "count": c.count} for c in cells],
            "bands": {band.value: n for band, n in band_counts(cells).items()},
        }  # fmt: skip
    return views


def top_risks_view(registers: Iterable[RiskRegister], limit: int, today: dt.date) -> dict[str, Any]:
    risks = [risk for register in registers for risk in register.risks.values()]
    return {"risks": [risk_view(r, today) for r in top_risks(risks, limit)]}


def open_issues_view(registers: Iterable[RiskRegister], today: dt.date) -> dict[str, Any]:
    issues = [issue for register in registers for issue in register.issues.values()]
    grouped = open_issues_by_severity(issues)
    return {
        "counts": {severity.value: len(listed) for severity, listed in grouped.items()},
        "issues": {
            severity.value: [issue_view(i, today) for i in listed]
            for severity, listed in grouped.items()
        },
    }


def _money(value: Money | None) -> dict[str, str] | None:
    return None if value is None else value.model_dump(mode="json")


def _payback(value: Payback | None) -> dict[str, Any] | None:
    return None if value is None else {"months": value.months, "month": value.month}


def _ratio(value: Any) -> str | None:
    return None if value is None else str(value)


def returns_view(figures: Returns) -> dict[str, Any]:
    return {
        "cost": _money(figures.cost),
        "planned_benefit": _money(figures.planned_benefit),
        "realised_benefit": _money(figures.realised_benefit),
        "planned_roi": _ratio(figures.planned_roi),
        "realised_roi": _ratio(figures.realised_roi),
        "planned_payback": _payback(figures.planned_payback),
        "realised_payback": _payback(figures.realised_payback),
        "counted": list(figures.counted),
        "other_currencies": list(figures.other_currencies),
    }


def benefit_view(benefit: Benefit, through: str, hide: bool) -> dict[str, Any]:
    hidden = hide and benefit.monetary

    def shown(value: Any) -> str | None:
        return None if hidden or value is None else str(value)

    return {
        "benefit_id": benefit.benefit_id,
        "measure": benefit.measure,
        "unit": benefit.unit,
        "monetary": benefit.monetary,
        "baseline": shown(benefit.baseline),
        "target": shown(benefit.target),
        "starts": benefit.starts,
        "target_date": benefit.target_date.isoformat(),
        "owner": benefit.owner,
        "source": benefit.source.value,
        "business_case_version": benefit.business_case_version,
        "reports": benefit.reports,
        "realised_vs_planned": [
            {"month": f.month, "planned": shown(f.planned.quantize(_CENT)),
             "realised": shown(f.realised)}
            for f in realised_vs_planned(benefit, through)
        ],
    }  # fmt: skip


def benefits_view(facts: ItemFacts, register: BenefitRegister, through: str) -> dict[str, Any]:
    hide = facts.sight is not Sight.FULL
    plans = list(register.benefits.values())
    figures = None if hide else returns_view(returns(plans, facts.estimated_cost, through))
    return {
        "item_id": facts.item_id,
        "title": facts.title,
        "version": register.version,
        "through": through,
        "figures_hidden": hide,
        "benefits": [benefit_view(b, through, hide) for b in plans],
        "returns": figures,
    }


def portfolio_benefits_view(
    items: Iterable[tuple[ItemFacts, BenefitRegister]], through: str, currency: str
) -> dict[str, Any]:
    """Per item and for the portfolio in `currency`: items costed in another currency are
    listed with their own figures but not added to the portfolio's."""
    rows, plans, cost = [], [], Money.of(0, currency)
    for facts, register in items:
        benefits = list(register.benefits.values())
        figures = returns(benefits, facts.estimated_cost, through)
        rows.append({"item_id": facts.item_id, "title": facts.title,
                     "returns": returns_view(figures)})  # fmt: skip
        item_cost = facts.estimated_cost
        if item_cost is not None and item_cost.currency == currency:
            plans.extend(benefits)
            cost = Money.of(cost.amount + item_cost.amount, currency)
    return {
        "through": through,
        "currency": currency,
        "portfolio": returns_view(returns(plans, cost, through, currency)),
        "items": rows,
    }


_CENT = Decimal("0.01")


def lessons_view(lessons: Iterable[Lesson]) -> dict[str, Any]:
    return {
        "lessons": [
            {"item_id": x.item_id, "lesson_id": x.lesson_id, "title": x.title,
             "description": x.description, "category": x.category.value, "tags": list(x.tags),
             "recorded_by": x.recorded_by, "recorded_at": _time(x.recorded_at)}
            for x in lessons
        ]
    }  # fmt: skip


__all__ = [
    "benefits_view",
    "issue_view",
    "lessons_view",
    "matrix_view",
    "open_issues_view",
    "portfolio_benefits_view",
    "register_view",
    "returns_view",
    "risk_view",
    "top_risks_view",
]
