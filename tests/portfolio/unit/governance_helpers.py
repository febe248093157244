"""The "given" builders shared by the governance test modules: items, bodies, rules, meetings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.events import Actor, DomainEvent, EventMetadata
from pmo_kernel.money import Money
from pmo_kernel.recorded import RecordedEvent
from pmo_portfolio.domain.governance import (
    DEFAULT_GATE_SCHEME,
    DEFAULT_ROUTING_RULES,
    BodyKind,
    Decision,
    GateScheme,
    GovernanceBody,
    Meeting,
    MemberRole,
    Outcome,
    PortfolioItem,
    RoutingRule,
    RoutingRules,
    RoutingRuleSet,
    decide,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LATER = NOW + timedelta(days=7)
MEETING_DAY = date(2026, 3, 16)
ANALYST = "pat"
REQUESTER = "alice"
ITEM_ID = "D-1"
MEETING_ID = "M-1"

BODY_IDS: dict[BodyKind, str] = {
    BodyKind.STEERING_COMMITTEE: "B-SC",
    BodyKind.PROJECT_COMMITTEE: "B-PC",
    BodyKind.INVESTMENT_COMMITTEE: "B-IC",
    BodyKind.ARBITRATION_BOARD: "B-AB",
}
BODY_NAMES: dict[BodyKind, str] = {
    BodyKind.STEERING_COMMITTEE: "Executive Steering",
    BodyKind.PROJECT_COMMITTEE: "Project Board",
    BodyKind.INVESTMENT_COMMITTEE: "Group Investment Committee",
    BodyKind.ARBITRATION_BOARD: "Arbitration Board",
}
# Chair first. Every body has three members; decisions take the first two by default.
MEMBERS: dict[BodyKind, tuple[str, ...]] = {
    BodyKind.STEERING_COMMITTEE: ("sam", "sara", "sven"),
    BodyKind.PROJECT_COMMITTEE: ("paul", "petra", "piet"),
    BodyKind.INVESTMENT_COMMITTEE: ("irene", "ivan", "ines"),
    BodyKind.ARBITRATION_BOARD: ("abe", "ada", "ali"),
}
EVERY_OUTCOME = tuple(Outcome)

A = TypeVar("A", bound=Aggregate)


def saved(aggregate: A) -> A:
    """Pretend the store appended the pending events, so `pending` shows only what comes next."""
    aggregate.mark_saved(aggregate.version + len(aggregate.pending), last_hash=None)
    return aggregate


def money(amount: str, currency: str = "EUR") -> Money:
    return Money.of(amount, currency)


def business_case(
    cost: str | None = "120000", currency: str = "EUR", **extra: Any
) -> dict[str, Any]:
    """A business case snapshot as the demand service serialises it (amounts as strings)."""
    snapshot: dict[str, Any] = {
        "problem": "Tickets are lost between teams.",
        "objectives": ["One queue for every team"],
        "estimated_cost": None if cost is None else {"amount": cost, "currency": currency},
        "effort_person_days": "180",
    }
    snapshot.update(extra)
    return snapshot


def candidate(
    cost: str | None = "120000",
    currency: str = "EUR",
    *,
    item_id: str = ITEM_ID,
    category: str = "project",
    business_case_version: int | None = 1,
    **overrides: Any,
) -> PortfolioItem:
    """A stored candidate registered from an accepted demand: at G1, business case version 1."""
    fields: dict[str, Any] = {
        "title": "Replace the ticketing system",
        "department": "IT Operations",
        "category": category,
        "requester": REQUESTER,
        "sponsor": "COO",
        "estimated_cost": None if cost is None else money(cost, currency),
        "business_case_version": business_case_version,
        "business_case": (
            business_case(cost, currency) if business_case_version is not None else None
        ),
        "desired_start_quarter": "2027-Q1",
        "desired_end_quarter": "2027-Q4",
        "actor_id": ANALYST,
        "now": NOW,
    }
    fields.update(overrides)
    return saved(PortfolioItem.register_candidate(item_id, **fields))


def body(
    kind: BodyKind,
    *,
    body_id: str | None = None,
    members: Sequence[str] | None = None,
    rights: Mapping[str, Iterable[Outcome]] | None = None,
    gates: GateScheme = DEFAULT_GATE_SCHEME,
) -> GovernanceBody:
    """A stored body: the first member chairs; by default it may decide anything at G2 and G3."""
    established = GovernanceBody.establish(
        body_id or BODY_IDS[kind], kind=kind, name=BODY_NAMES[kind], actor_id=ANALYST, now=NOW
    )
    people = MEMBERS[kind] if members is None else members
    for index, person in enumerate(people):
        role = MemberRole.CHAIR if index == 0 else MemberRole.MEMBER
        established.add_member(person, role, actor_id=ANALYST, now=NOW)
    granted = {"G2": EVERY_OUTCOME, "G3": EVERY_OUTCOME} if rights is None else rights
    for gate, outcomes in granted.items():
        established.grant_right(gate, outcomes, actor_id=ANALYST, gates=gates, now=NOW)
    return saved(established)


def committees() -> dict[BodyKind, GovernanceBody]:
    """One body of every kind, each with the right to decide anything at G2, G3 and G4."""
    every_gate = {"G2": EVERY_OUTCOME, "G3": EVERY_OUTCOME, "G4": EVERY_OUTCOME}
    return {kind: body(kind, rights=every_gate) for kind in BodyKind}


def routing_rules(rules: Iterable[RoutingRule] = DEFAULT_ROUTING_RULES) -> RoutingRules:
    """Version 1 of the routing rules, published on a fresh rule set."""
    rule_set = RoutingRuleSet()
    return rule_set.publish_version(rules, actor_id=ANALYST, now=NOW)


DEFAULT_RULES = routing_rules()


def decision(
    item: PortfolioItem,
    deciding: GovernanceBody,
    outcome: Outcome = Outcome.APPROVE,
    *,
    gate: str | None = None,
    rules: RoutingRules = DEFAULT_RULES,
    decision_id: str = "DEC-1",
    meeting_id: str = MEETING_ID,
    participants: Sequence[str] | None = None,
    conditions: Sequence[str] | None = None,
    rationale: str = "Aligned with the strategy and affordable.",
    **extra: Any,
) -> Decision:
    """A checked decision with frozen inputs, at the item's next gate unless told otherwise."""
    chosen_gate = gate or item.next_gate
    assert chosen_gate is not None
    if conditions is None:
        conditions = ["Report monthly"] if outcome is Outcome.APPROVE_WITH_CONDITIONS else []
    return decide(
        item,
        deciding,
        rules,
        decision_id=decision_id,
        meeting_id=meeting_id,
        gate=chosen_gate,
        outcome=outcome,
        participants=(
            list(participants) if participants is not None else list(deciding.members)[:2]
        ),
        rationale=rationale,
        conditions=conditions,
        decided_at=NOW,
        **extra,
    )


def decided(
    item: PortfolioItem, deciding: GovernanceBody, outcome: Outcome = Outcome.APPROVE, **kw: Any
) -> Decision:
    """Check, freeze and record a decision on the item; returns it."""
    taken = decision(item, deciding, outcome, **kw)
    item.record_decision(taken)
    saved(item)
    return taken


def at_gate(gate: str, **candidate_fields: Any) -> PortfolioItem:
    """A stored item approved (by the project committee) up to `gate` through every gate."""
    item = candidate(**candidate_fields)
    board = body(
        BodyKind.PROJECT_COMMITTEE,
        rights=dict.fromkeys(("G2", "G3", "G4"), EVERY_OUTCOME),
    )
    number = 0
    while item.current_gate != gate:
        number += 1
        decided(item, board, decision_id=f"DEC-{number}")
    return item


def meeting(
    deciding: GovernanceBody,
    agenda: Iterable[tuple[str, str]] = ((ITEM_ID, "G2"),),
    *,
    meeting_id: str = MEETING_ID,
) -> Meeting:
    """A stored meeting of `deciding` with (item id, gate) entries on its agenda."""
    scheduled = Meeting.schedule(
        meeting_id,
        body_id=deciding.id,
        date=MEETING_DAY,
        title=f"{deciding.name} – March",
        actor_id=ANALYST,
        now=NOW,
    )
    for item_id, gate in agenda:
        scheduled.add_agenda_item(item_id, gate, "Business case review", actor_id=ANALYST, now=NOW)
    return saved(scheduled)


def recorded(
    event: DomainEvent, version: int, *, stream_type: str, stream_id: str
) -> RecordedEvent:
    """A stored event built by hand. The one place to adapt if RecordedEvent changes shape."""
    return RecordedEvent.of(
        event,
        EventMetadata(actor=Actor(id=ANALYST), occurred_at=NOW),
        stream_type=stream_type,
        stream_id=stream_id,
        stream_version=version,
        global_position=version,
        tx_id=1,
        recorded_at=NOW,
        hash=f"hash-{version}",
    )


def history(aggregate: Aggregate, events: Iterable[DomainEvent]) -> list[RecordedEvent]:
    """`events` as the aggregate's stored stream, numbered from 1."""
    return [
        recorded(event, number, stream_type=aggregate.stream_type, stream_id=aggregate.id)
        for number, event in enumerate(events, start=1)
    ]
