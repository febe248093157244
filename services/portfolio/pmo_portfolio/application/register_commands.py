"""Command bodies of the risk, issue and benefit registers (frozen, unknown fields refused).
Ratings are whole numbers on the 1–5 scales: a probability of 0 or 6 is a 422 that writes
nothing; values are decimal strings or integers, never floats."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from pmo_portfolio.application.commands import Command
from pmo_portfolio.domain.delivery.registers.values import (
    LessonCategory,
    LongText,
    Measure,
    Month,
    Rating,
    Response,
    RiskCategory,
    Severity,
    ShortText,
    Tag,
)

Person = ShortText


class IdentifyRisk(Command):
    title: ShortText
    description: LongText | None = None
    category: RiskCategory
    probability: Rating
    impact: Rating
    owner: Person
    review_by: dt.date = Field(description="The first review is due by this day")


class ReassessRisk(Command):
    probability: Rating
    impact: Rating
    reason: LongText | None = None


class PlanRiskResponse(Command):
    response: Response
    residual_probability: Rating
    residual_impact: Rating


class PlanRiskAction(Command):
    description: LongText
    owner: Person
    due_on: dt.date = Field(description="Not before the day the risk was identified")


class CompleteRiskAction(Command):
    note: LongText | None = None


class ReviewRisk(Command):
    next_review_by: dt.date
    note: LongText | None = None


class CloseRisk(Command):
    reason: LongText


class RaiseIssue(Command):
    title: ShortText
    description: LongText | None = None
    severity: Severity
    owner: Person
    due_on: dt.date
    from_risk_id: ShortText | None = Field(
        default=None, description="The risk of the same item that materialised, if any"
    )


class ResolveIssue(Command):
    resolution: LongText


class PlanBenefit(Command):
    measure: ShortText
    unit: ShortText = Field(description="A currency code (EUR...) makes the benefit monetary")
    baseline: Measure
    target: Measure
    starts: Month
    target_date: dt.date
    owner: Person


class PlanBenefitFromBusinessCase(Command):
    """The item's business case benefits estimate as a monetary benefit from 0 to that amount;
    its measure is the case's expected benefits when it states them."""

    starts: Month
    target_date: dt.date
    owner: Person


class ReportBenefitRealisation(Command):
    period: Month
    value: Measure
    note: LongText | None = None


class RecordLesson(Command):
    title: ShortText
    description: LongText
    category: LessonCategory
    tags: list[Tag] = Field(default_factory=list, max_length=20)


__all__ = [
    "CloseRisk",
    "CompleteRiskAction",
    "IdentifyRisk",
    "PlanBenefit",
    "PlanBenefitFromBusinessCase",
    "PlanRiskAction",
    "PlanRiskResponse",
    "RaiseIssue",
    "ReassessRisk",
    "RecordLesson",
    "ReportBenefitRealisation",
    "ResolveIssue",
    "ReviewRisk",
]
