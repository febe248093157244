"""The facts of portfolio governance, one event per fact, named in the past tense.

Streams: "governance-body" (a committee and its rights), "routing-rules" (versions of the routing
rules, one stream "default"), "meeting" (agenda and minutes) and "portfolio-item" (an item's life
through the stage gates). Each event carries full copies of values, not deltas, so a read model
projects it without loading the aggregate; who acted and when are in the payload as well as in
the metadata. `ItemScored`, also on the item's stream, belongs to the scoring module.

Events import only the value types below them (values, vocabulary, gates, routing_rule,
decision_record), never an aggregate or the decision policy: their payloads are what the event
store keeps, so those values change only in ways every stored event still decodes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import Field

from pmo_kernel.events import DomainEvent
from pmo_portfolio.domain.governance.decision_record import Decision
from pmo_portfolio.domain.governance.gates import DEFAULT_GATE_SCHEME, GateCode, GateScheme
from pmo_portfolio.domain.governance.routing_rule import RoutingRule
from pmo_portfolio.domain.governance.values import (
    ActorId,
    Id,
    NonNegativeMoney,
    PersonId,
    Purpose,
    Quarter,
    Rationale,
    ShortText,
    Snapshot,
    Timestamp,
    Title,
    VersionNumber,
)
from pmo_portfolio.domain.governance.vocabulary import (
    MIN_PARTICIPANTS,
    BodyKind,
    ItemState,
    MemberRole,
    Outcome,
    RiskLevel,
)
from pmo_portfolio.domain.registry import registry

Outcomes = Annotated[tuple[Outcome, ...], Field(min_length=1)]


# -- governance bodies ---------------------------------------------------------------------------


@registry.event
class GovernanceBodyEstablished(DomainEvent):
    """A governance body was set up: its kind and name. Members and rights come after."""

    event_type: ClassVar[str] = "GovernanceBodyEstablished"

    body_id: Id
    kind: BodyKind
    name: ShortText
    established_by: ActorId
    established_at: Timestamp


@registry.event
class BodyMemberAdded(DomainEvent):
    """A person joined a governance body, as its chair or as a member."""

    event_type: ClassVar[str] = "BodyMemberAdded"

    body_id: Id
    person_id: PersonId
    role: MemberRole
    added_by: ActorId
    added_at: Timestamp


@registry.event
class BodyMemberRemoved(DomainEvent):
    """A person left a governance body."""

    event_type: ClassVar[str] = "BodyMemberRemoved"

    body_id: Id
    person_id: PersonId
    role: MemberRole  # the role they held
    removed_by: ActorId
    removed_at: Timestamp


@registry.event
class DecisionRightGranted(DomainEvent):
    """A body may now take these outcomes at a gate; `allowed` is everything it may take there."""

    event_type: ClassVar[str] = "DecisionRightGranted"

    body_id: Id
    gate: GateCode
    granted: Outcomes
    allowed: Outcomes
    granted_by: ActorId
    granted_at: Timestamp


@registry.event
class DecisionRightRevoked(DomainEvent):
    """A body may no longer take these outcomes at a gate; `allowed` is what it keeps there."""

    event_type: ClassVar[str] = "DecisionRightRevoked"

    body_id: Id
    gate: GateCode
    revoked: Outcomes
    allowed: tuple[Outcome, ...]
    revoked_by: ActorId
    revoked_at: Timestamp


# -- routing rules -------------------------------------------------------------------------------


@registry.event
class RoutingRulesPublished(DomainEvent):
    """A new version of the routing rules is in force: the whole rule set, not a diff, with the
    stage-gate scheme new items are registered with (events stored before gate schemes were
    published read back with the default scheme, the one in force then)."""

    event_type: ClassVar[str] = "RoutingRulesPublished"

    rule_set_id: Id
    version: VersionNumber
    rules: tuple[RoutingRule, ...]
    base_currency: str = Field(min_length=3, max_length=3)
    exchange_rates: dict[str, Decimal]  # units of the base currency for one unit of the key
    gates: GateScheme = DEFAULT_GATE_SCHEME
    published_by: ActorId
    published_at: Timestamp


# -- meetings ------------------------------------------------------------------------------------


@registry.event
class MeetingScheduled(DomainEvent):
    """A meeting of a governance body was scheduled."""

    event_type: ClassVar[str] = "MeetingScheduled"

    meeting_id: Id
    body_id: Id
    date: dt.date
    title: Title
    scheduled_by: ActorId
    scheduled_at: Timestamp


@registry.event
class AgendaItemAdded(DomainEvent):
    """An item is on a meeting's agenda, to be decided at a gate."""

    event_type: ClassVar[str] = "AgendaItemAdded"

    meeting_id: Id
    item_id: Id
    gate: GateCode
    purpose: Purpose
    added_by: ActorId
    added_at: Timestamp


@registry.event
class DecisionRecorded(DomainEvent):
    """A decision taken in a meeting, with all its frozen inputs: a line of the minutes."""

    event_type: ClassVar[str] = "DecisionRecorded"

    meeting_id: Id
    decision: Decision
    recorded_by: ActorId
    recorded_at: Timestamp


@registry.event
class ScenarioAdoptionRecorded(DomainEvent):
    """The body adopted a saved scenario's selection: a line of the minutes like a decision.

    Its `decision_id` is the one `ScenarioAdopted` carries on the scenario's stream.
    """

    event_type: ClassVar[str] = "ScenarioAdoptionRecorded"

    meeting_id: Id
    decision_id: Id
    scenario_id: Id
    body_id: Id
    participants: tuple[PersonId, ...] = Field(min_length=MIN_PARTICIPANTS, max_length=100)
    rationale: Rationale
    selected: tuple[Id, ...]  # the adopted selection, copied from the scenario's result
    decided_at: Timestamp


@registry.event
class MeetingClosed(DomainEvent):
    """The meeting is over: its minutes are the decisions recorded, listed here by id."""

    event_type: ClassVar[str] = "MeetingClosed"

    meeting_id: Id
    decision_ids: tuple[Id, ...]
    undecided_item_ids: tuple[Id, ...]  # on the agenda, but no decision was taken
    closed_by: ActorId
    closed_at: Timestamp


# -- portfolio items -----------------------------------------------------------------------------


@registry.event
class CandidateRegistered(DomainEvent):
    """An accepted demand entered the portfolio as a candidate, past the scheme's entry gate.

    The item id is the demand id. The gate scheme in force is frozen into the item.
    """

    event_type: ClassVar[str] = "CandidateRegistered"

    item_id: Id
    title: Title
    department: ShortText
    category: ShortText
    requester: PersonId
    sponsor: ShortText | None = None
    risk_level: RiskLevel | None = None
    estimated_cost: NonNegativeMoney | None = None
    business_case_version: VersionNumber | None = None
    business_case: Snapshot = Field(default_factory=dict)
    requires_investment_committee: bool = False
    desired_start_quarter: Quarter | None = None
    desired_end_quarter: Quarter | None = None
    gate_scheme: GateScheme
    current_gate: GateCode  # the scheme's entry gate: every gate up to it is passed
    registered_by: ActorId
    registered_at: Timestamp


@registry.event
class BusinessCaseRevisionNoted(DomainEvent):
    """A later version of the item's business case: the whole snapshot, and the cost it gives."""

    event_type: ClassVar[str] = "BusinessCaseRevisionNoted"

    item_id: Id
    version: VersionNumber
    business_case: Snapshot
    estimated_cost: NonNegativeMoney | None = None
    noted_by: ActorId
    noted_at: Timestamp


@registry.event
class ItemDecided(DomainEvent):
    """A governance decision on the item, the same record as the meeting's `DecisionRecorded`."""

    event_type: ClassVar[str] = "ItemDecided"

    item_id: Id
    decision: Decision
    state: ItemState  # the item's state after the decision: readers need not recompute it
    current_gate: GateCode  # the last gate passed after the decision


@registry.event
class ItemPlanned(DomainEvent):
    """The item's place on the roadmap: its quarters and its cost per calendar year, and the
    people it needs: person-days per role (as the capacity service names roles) per planned
    quarter, from its business case (governance.effort). Planned before that was published:
    empty."""

    event_type: ClassVar[str] = "ItemPlanned"

    item_id: Id
    start_quarter: Quarter
    end_quarter: Quarter
    cost_per_year: dict[int, NonNegativeMoney]
    effort_by_role_quarter: dict[str, dict[Quarter, Decimal]] = {}
    planned_by: ActorId
    planned_at: Timestamp


@registry.event
class ItemAssignedToProgramme(DomainEvent):
    """The item is now part of a programme; `previous_programme_id` is the one it left, if any."""

    event_type: ClassVar[str] = "ItemAssignedToProgramme"

    item_id: Id
    programme_id: Id
    previous_programme_id: Id | None = None
    assigned_by: ActorId
    assigned_at: Timestamp


BodyEvent = (
    GovernanceBodyEstablished
    | BodyMemberAdded
    | BodyMemberRemoved
    | DecisionRightGranted
    | DecisionRightRevoked
)
MeetingEvent = (
    MeetingScheduled | AgendaItemAdded | DecisionRecorded | ScenarioAdoptionRecorded | MeetingClosed
)
ItemEvent = (
    CandidateRegistered
    | BusinessCaseRevisionNoted
    | ItemDecided
    | ItemPlanned
    | ItemAssignedToProgramme
)

__all__ = [
    "AgendaItemAdded",
    "BodyEvent",
    "BodyMemberAdded",
    "BodyMemberRemoved",
    "BusinessCaseRevisionNoted",
    "CandidateRegistered",
    "DecisionRecorded",
    "DecisionRightGranted",
    "DecisionRightRevoked",
    "GovernanceBodyEstablished",
    "ItemAssignedToProgramme",
    "ItemDecided",
    "ItemEvent",
    "ItemPlanned",
    "MeetingClosed",
    "MeetingEvent",
    "MeetingScheduled",
    "RoutingRulesPublished",
    "ScenarioAdoptionRecorded",
    "registry",
]
