"""The facts of an item's registers, each on a typed stream keyed by the portfolio item's id:

- "risk-register": its risks (rated, answered, acted on, reviewed, closed) and its issues
  (raised, from a risk that materialised or not, and resolved);
- "benefit-register": its benefit plans and the values realised, reported month by month.

Who did a thing and when is in the payload (the `..._by` and `..._at` fields), as in every
portfolio event; the event metadata carries the same actor for the audit trail.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime

from pmo_kernel.events import DomainEvent
from pmo_portfolio.domain.delivery.registers.values import (
    Id,
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
from pmo_portfolio.domain.registry import registry

# -- risks ---------------------------------------------------------------------------------------


@registry.event
class RiskIdentified(DomainEvent):
    """A risk entered the item's register with its inherent rating and a first review date."""

    event_type: ClassVar[str] = "RiskIdentified"

    item_id: Id
    risk_id: Id
    title: ShortText
    description: LongText | None = None
    category: RiskCategory
    probability: Rating
    impact: Rating
    owner: Id
    review_by: dt.date
    identified_by: Id
    identified_at: AwareDatetime


@registry.event
class RiskReassessed(DomainEvent):
    """The risk's inherent probability and impact were rated again."""

    event_type: ClassVar[str] = "RiskReassessed"

    risk_id: Id
    probability: Rating
    impact: Rating
    reason: LongText | None = None
    reassessed_by: Id
    reassessed_at: AwareDatetime


@registry.event
class RiskResponsePlanned(DomainEvent):
    """The owner chose how to answer the risk, and the rating expected once it is answered."""

    event_type: ClassVar[str] = "RiskResponsePlanned"

    risk_id: Id
    response: Response
    residual_probability: Rating
    residual_impact: Rating
    planned_by: Id
    planned_at: AwareDatetime


@registry.event
class RiskActionPlanned(DomainEvent):
    """An action against the risk, with the person who does it and the day it is due."""

    event_type: ClassVar[str] = "RiskActionPlanned"

    risk_id: Id
    action_id: Id
    description: LongText
    owner: Id
    due_on: dt.date
    planned_by: Id
    planned_at: AwareDatetime


@registry.event
class RiskActionCompleted(DomainEvent):
    event_type: ClassVar[str] = "RiskActionCompleted"

    risk_id: Id
    action_id: Id
    note: LongText | None = None
    completed_by: Id
    completed_at: AwareDatetime


@registry.event
class RiskReviewed(DomainEvent):
    """The risk was looked at again; the next review is due by `next_review_by`."""

    event_type: ClassVar[str] = "RiskReviewed"

    risk_id: Id
    next_review_by: dt.date
    note: LongText | None = None
    reviewed_by: Id
    reviewed_at: AwareDatetime


@registry.event
class RiskClosed(DomainEvent):
    """The risk no longer threatens the item (passed, avoided, or turned into an issue)."""

    event_type: ClassVar[str] = "RiskClosed"

    risk_id: Id
    reason: LongText
    closed_by: Id
    closed_at: AwareDatetime


# -- issues --------------------------------------------------------------------------------------


@registry.event
class IssueRaised(DomainEvent):
    """A problem that is happening; `from_risk_id` names the risk that materialised, if one."""

    event_type: ClassVar[str] = "IssueRaised"

    item_id: Id
    issue_id: Id
    title: ShortText
    description: LongText | None = None
    severity: Severity
    owner: Id
    due_on: dt.date
    from_risk_id: Id | None = None
    raised_by: Id
    raised_at: AwareDatetime


@registry.event
class IssueResolved(DomainEvent):
    event_type: ClassVar[str] = "IssueResolved"

    issue_id: Id
    resolution: LongText
    resolved_by: Id
    resolved_at: AwareDatetime


RiskRegisterEvent = (
    RiskIdentified
    | RiskReassessed
    | RiskResponsePlanned
    | RiskActionPlanned
    | RiskActionCompleted
    | RiskReviewed
    | RiskClosed
    | IssueRaised
    | IssueResolved
)

# -- benefits ------------------------------------------------------------------------------------


class BenefitSource(StrEnum):
    BUSINESS_CASE = "business_case"  # the demand's benefits estimate, as the portfolio knows it
    MANUAL = "manual"


@registry.event
class BenefitPlanned(DomainEvent):
    """A benefit the item is to deliver: a measure going from `baseline` (in `starts`) to
    `target` by `target_date`. A measure whose unit is a currency code is money: its values are
    the amounts realised since the baseline, which ROI and payback count."""

    event_type: ClassVar[str] = "BenefitPlanned"

    item_id: Id
    benefit_id: Id
    measure: ShortText
    unit: ShortText
    baseline: Measure
    target: Measure
    starts: Month
    target_date: dt.date
    owner: Id
    source: BenefitSource
    business_case_version: int | None = None
    planned_by: Id
    planned_at: AwareDatetime


@registry.event
class BenefitRealisationReported(DomainEvent):
    """The value the benefit's measure reached in `period`, as someone reported it. A later
    report for the same period corrects the earlier one; both stay in the stream."""

    event_type: ClassVar[str] = "BenefitRealisationReported"

    benefit_id: Id
    period: Month
    value: Measure
    note: LongText | None = None
    reported_by: Id
    reported_at: AwareDatetime


BenefitRegisterEvent = BenefitPlanned | BenefitRealisationReported

# -- lessons learned -----------------------------------------------------------------------------


@registry.event
class LessonRecorded(DomainEvent):
    """A lesson the item taught, recorded at its closure (or earlier) for the next projects:
    searchable across the portfolio by category and tag."""

    event_type: ClassVar[str] = "LessonRecorded"

    item_id: Id
    lesson_id: Id
    title: ShortText
    description: LongText
    category: LessonCategory
    tags: tuple[Tag, ...] = ()
    recorded_by: Id
    recorded_at: AwareDatetime


__all__ = [
    "BenefitPlanned",
    "BenefitRealisationReported",
    "BenefitRegisterEvent",
    "BenefitSource",
    "IssueRaised",
    "IssueResolved",
    "LessonRecorded",
    "RiskActionCompleted",
    "RiskActionPlanned",
    "RiskClosed",
    "RiskIdentified",
    "RiskReassessed",
    "RiskRegisterEvent",
    "RiskResponsePlanned",
    "RiskReviewed",
]
