"""The facts of a demand's life, one event per fact, named in the past tense.

Each event carries what a read model needs to project it without loading the aggregate: the
demand id, who acted and when (the metadata holds them too, but consumers of the broker payload
should not have to join), and full copies of values rather than deltas.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import AwareDatetime, Field, StringConstraints

from pmo_demand.domain.model import (
    MAX_QUESTIONS,
    BusinessCase,
    DemandContent,
    NonNegativeMoney,
    OptionalLongText,
    OptionalReason,
    Question,
    Reason,
    RequiredLongText,
)
from pmo_kernel.events import DomainEvent, EventRegistry

registry = EventRegistry("demand")

ActorId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
DemandId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Timestamp = AwareDatetime
BusinessCaseVersion = Annotated[int, Field(ge=1)]


@registry.event
class DemandSubmitted(DomainEvent):
    """A requester submitted a demand, with its content and (optionally) business case version 1."""

    event_type: ClassVar[str] = "DemandSubmitted"

    demand_id: DemandId
    requester: ActorId
    content: DemandContent
    business_case: BusinessCase | None = None
    business_case_version: BusinessCaseVersion | None = None  # 1 when a case came with it
    submitted_at: Timestamp


@registry.event
class BusinessCaseRevised(DomainEvent):
    """The demand's business case was revised: the full new business case and its version number."""

    event_type: ClassVar[str] = "BusinessCaseRevised"

    demand_id: DemandId
    version: BusinessCaseVersion
    business_case: BusinessCase  # the whole new case, not a diff
    revised_by: ActorId
    revised_at: Timestamp


@registry.event
class InformationRequested(DomainEvent):
    """A PMO analyst asked the requester questions before the demand can be qualified."""

    event_type: ClassVar[str] = "InformationRequested"

    demand_id: DemandId
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)
    requested_by: ActorId
    requested_at: Timestamp


@registry.event
class InformationProvided(DomainEvent):
    """The requester answered the open questions."""

    event_type: ClassVar[str] = "InformationProvided"

    demand_id: DemandId
    answers: RequiredLongText
    provided_by: ActorId
    provided_at: Timestamp


@registry.event
class DemandQualified(DomainEvent):
    """The demand passed the governance rules (named, with their version) and may be decided on."""

    event_type: ClassVar[str] = "DemandQualified"

    demand_id: DemandId
    rules_version: str
    rules_evaluated: list[str]
    requires_investment_committee: bool
    business_case_version: BusinessCaseVersion | None
    estimated_cost: NonNegativeMoney | None
    note: OptionalLongText = None
    qualified_by: ActorId
    qualified_at: Timestamp


@registry.event
class DemandRejected(DomainEvent):
    """A PMO analyst rejected the demand, with the reason given."""

    event_type: ClassVar[str] = "DemandRejected"

    demand_id: DemandId
    reason: Reason
    rejected_by: ActorId
    rejected_at: Timestamp


@registry.event
class DemandWithdrawn(DomainEvent):
    """The requester withdrew the demand before a decision."""

    event_type: ClassVar[str] = "DemandWithdrawn"

    demand_id: DemandId
    reason: OptionalReason = None
    withdrawn_by: ActorId
    withdrawn_at: Timestamp


@registry.event
class DemandAccepted(DomainEvent):
    """The demand was accepted for the portfolio, on the business case version it names."""

    event_type: ClassVar[str] = "DemandAccepted"

    demand_id: DemandId
    business_case_version: BusinessCaseVersion | None
    # Copies, so a portfolio consumer need not replay the demand to know what it took on.
    estimated_cost: NonNegativeMoney | None
    requires_investment_committee: bool
    note: OptionalLongText = None
    accepted_by: ActorId
    accepted_at: Timestamp


DemandEvent = (
    DemandSubmitted
    | BusinessCaseRevised
    | InformationRequested
    | InformationProvided
    | DemandQualified
    | DemandRejected
    | DemandWithdrawn
    | DemandAccepted
)

__all__ = [
    "BusinessCaseRevised",
    "DemandAccepted",
    "DemandEvent",
    "DemandQualified",
    "DemandRejected",
    "DemandSubmitted",
    "DemandWithdrawn",
    "InformationProvided",
    "InformationRequested",
    "registry",
]
