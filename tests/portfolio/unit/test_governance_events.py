"""Governance events are stored as JSON and read back; aggregates rebuild from their history."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import StreamCorrupted
from pmo_kernel.events import DomainEvent
from pmo_kernel.recorded import RecordedEvent
from pmo_portfolio.domain.governance import (
    DEFAULT_ROUTING_RULES,
    AgendaItemAdded,
    BodyKind,
    BodyMemberAdded,
    BodyMemberRemoved,
    BusinessCaseRevisionNoted,
    CandidateRegistered,
    DecisionRecorded,
    DecisionRightGranted,
    DecisionRightRevoked,
    Gate,
    GateScheme,
    GovernanceBody,
    GovernanceBodyEstablished,
    ItemDecided,
    ItemPlanned,
    Meeting,
    MeetingClosed,
    MeetingScheduled,
    MemberRole,
    Outcome,
    PortfolioItem,
    RoutingRuleSet,
    RoutingRulesPublished,
    registry,
)
from pmo_portfolio.domain.scoring import ItemScored
from tests.portfolio.unit.governance_helpers import (
    ANALYST,
    EVERY_OUTCOME,
    LATER,
    MEETING_DAY,
    NOW,
    body,
    business_case,
    candidate,
    decision,
    history,
    money,
    routing_rules,
)

GOVERNANCE_EVENTS: list[type[DomainEvent]] = [
    GovernanceBodyEstablished,
    BodyMemberAdded,
    BodyMemberRemoved,
    DecisionRightGranted,
    DecisionRightRevoked,
    RoutingRulesPublished,
    MeetingScheduled,
    AgendaItemAdded,
    DecisionRecorded,
    MeetingClosed,
    CandidateRegistered,
    BusinessCaseRevisionNoted,
    ItemDecided,
    ItemPlanned,
]


def full_body_history() -> tuple[GovernanceBody, list[DomainEvent]]:
    committee = GovernanceBody.establish(
        "B-IC", kind=BodyKind.INVESTMENT_COMMITTEE, name="IC", actor_id=ANALYST, now=NOW
    )
    committee.add_member("irene", MemberRole.CHAIR, actor_id=ANALYST, now=NOW)
    committee.add_member("ivan", actor_id=ANALYST, now=NOW)
    committee.add_member("ines", actor_id=ANALYST, now=NOW)
    committee.remove_member("ines", actor_id=ANALYST, now=NOW)
    committee.grant_right("G2", EVERY_OUTCOME, actor_id=ANALYST, now=NOW)
    committee.grant_right("G3", [Outcome.APPROVE], actor_id=ANALYST, now=NOW)
    committee.revoke_right("G2", [Outcome.CANCEL], actor_id=ANALYST, now=NOW)
    return committee, list(committee.pending)


def full_item_history() -> tuple[PortfolioItem, list[DomainEvent]]:
    item = PortfolioItem.register_candidate(
        "D-1",
        title="Replace the ticketing system",
        department="IT",
        category="project",
        requester="alice",
        estimated_cost=money("300000"),
        business_case_version=1,
        business_case=business_case("300000"),
        actor_id=ANALYST,
        now=NOW,
    )
    taken = decision(item, body(BodyKind.INVESTMENT_COMMITTEE), Outcome.APPROVE_WITH_CONDITIONS)
    item.record_decision(taken)
    item.record_score(
        ItemScored(
            item_id="D-1",
            evaluator_id="eve",
            model_id="SM-1",
            model_version=1,
            scores={"value": 7},
            justifications={"value": "Clear."},
            scored_at=NOW,
        )
    )
    item.plan(
        "2027-Q1",
        "2028-Q4",
        {2027: money("200000"), 2028: money("100000")},
        actor_id=ANALYST,
        now=NOW,
    )
    item.note_business_case_revision(
        2, business_case("320000"), money("320000"), actor_id=ANALYST, now=LATER
    )
    return item, list(item.pending)


JOINT_AT_G3 = routing_rules(
    [
        *DEFAULT_ROUTING_RULES,
        *(r.model_copy(update={"id": f"{r.id}-g3", "gate": "G3"}) for r in DEFAULT_ROUTING_RULES),
    ]
)


def joint_sign_off_history() -> tuple[PortfolioItem, list[DomainEvent]]:
    """A regulatory item above EUR 250K: the steering committee approves with conditions, the
    investment committee (awaited) defers, then approves: G2 is passed jointly; at G3 (where
    these rules also require both) the steering committee approves, the other is awaited."""
    item = PortfolioItem.register_candidate(
        "D-2",
        title="Comply with the new reporting regulation",
        department="Finance",
        category="regulatory",
        requester="alice",
        estimated_cost=money("400000"),
        business_case_version=1,
        business_case=business_case("400000"),
        actor_id=ANALYST,
        now=NOW,
    )
    steering = body(BodyKind.STEERING_COMMITTEE)
    investment = body(BodyKind.INVESTMENT_COMMITTEE)
    # Each decision is checked on the item as the previous one left it.
    item.record_decision(
        decision(item, steering, Outcome.APPROVE_WITH_CONDITIONS, decision_id="DEC-1")
    )
    item.record_decision(decision(item, investment, Outcome.DEFER, decision_id="DEC-2"))
    item.record_decision(decision(item, investment, decision_id="DEC-3"))
    item.record_decision(decision(item, steering, decision_id="DEC-4", rules=JOINT_AT_G3))
    return item, list(item.pending)


def full_meeting_history() -> tuple[Meeting, list[DomainEvent]]:
    session = Meeting.schedule(
        "M-1", body_id="B-IC", date=MEETING_DAY, title="March IC", actor_id=ANALYST, now=NOW
    )
    session.add_agenda_item("D-1", "G2", "Business case", actor_id=ANALYST, now=NOW)
    session.add_agenda_item("D-2", "G2", "Business case", actor_id=ANALYST, now=NOW)
    taken = decision(candidate("300000"), body(BodyKind.INVESTMENT_COMMITTEE))
    session.record_decision(taken, actor_id=ANALYST, now=NOW)
    session.close(actor_id=ANALYST, now=NOW)
    return session, list(session.pending)


def full_rules_history() -> tuple[RoutingRuleSet, list[DomainEvent]]:
    rule_set = RoutingRuleSet()
    rule_set.publish_version(DEFAULT_ROUTING_RULES, actor_id=ANALYST, now=NOW)
    rule_set.publish_version(
        DEFAULT_ROUTING_RULES[:1],
        exchange_rates={"EUR": Decimal(1), "USD": Decimal("0.9123")},
        actor_id=ANALYST,
        now=NOW,
    )
    rule_set.publish_version(  # a custom stage-gate scheme, for items registered from now on
        DEFAULT_ROUTING_RULES[:1],
        gates=GateScheme(
            gates=(
                Gate(code="G0", name="idea"),
                Gate(code="G1", name="qualified"),
                Gate(code="G2", name="funded"),
                Gate(code="G3", name="closed"),
            ),
            planning_gate="G2",
        ),
        actor_id=ANALYST,
        now=NOW,
    )
    return rule_set, list(rule_set.pending)


History = Callable[[], tuple[Aggregate, list[DomainEvent]]]
HISTORIES: list[History] = [
    full_body_history,
    full_item_history,
    joint_sign_off_history,
    full_meeting_history,
    full_rules_history,
]


def every_event() -> list[DomainEvent]:
    return [event for build in HISTORIES for event in build()[1]]


def test_every_governance_event_is_registered_in_the_portfolio_registry() -> None:
    assert registry.service == "portfolio"
    for event_class in GOVERNANCE_EVENTS:
        assert registry.class_for(event_class.event_type) is event_class


def test_the_sample_histories_cover_every_governance_event() -> None:
    assert {type(event) for event in every_event()} >= set(GOVERNANCE_EVENTS)


def test_every_event_reads_back_from_its_stored_json_unchanged() -> None:
    for event in every_event():
        stored = json.dumps(event.payload())

        decoded = registry.decode_json(event.event_type, event.schema_version, stored)

        assert decoded == event, event.event_type


@pytest.mark.parametrize("build", HISTORIES, ids=lambda build: build.__name__)
def test_an_aggregate_rebuilt_from_its_history_has_the_same_state(build: History) -> None:
    live, events = build()
    stored = [
        replace(r, decoder=registry.decode_json, payload_json=json.dumps(r.event.payload()))
        for r in history(live, events)
    ]
    for r in stored:
        r.__dict__.pop("event", None)  # decode from the JSON, as a real load does

    rebuilt = type(live).load(live.id, stored)

    assert rebuilt.version == len(events)
    assert _state(rebuilt) == _state(live)


def test_a_history_with_a_gap_is_refused() -> None:
    item, events = full_item_history()
    stored = history(item, events)
    gapped: list[RecordedEvent] = [stored[0], replace(stored[1], stream_version=3)]

    with pytest.raises(StreamCorrupted, match="expected version 2, got 3"):
        PortfolioItem.load("D-1", gapped)


def test_an_event_of_another_stream_is_refused_by_every_aggregate() -> None:
    _, body_events = full_body_history()

    for aggregate in (PortfolioItem("D-1"), Meeting("M-1"), RoutingRuleSet()):
        with pytest.raises(TypeError, match="GovernanceBodyEstablished is not a"):
            aggregate.apply(body_events[0])


def _state(aggregate: Aggregate) -> dict[str, object]:
    skip = {"version", "last_hash", "_pending"}
    return {key: value for key, value in vars(aggregate).items() if key not in skip}


def test_the_joint_sign_off_history_leaves_an_approval_awaiting_the_other_body() -> None:
    item, events = joint_sign_off_history()

    decided_events = [event for event in events if isinstance(event, ItemDecided)]
    assert [e.decision.awaiting_approval_from for e in decided_events] == [
        (BodyKind.INVESTMENT_COMMITTEE,),
        (),
        (),
        (BodyKind.INVESTMENT_COMMITTEE,),
    ]
    assert [e.decision.earlier_approvals for e in decided_events] == [(), (), ("DEC-1",), ()]
    assert (item.current_gate, item.state.value if item.state else None) == ("G2", "approved")
    assert item.conditions == {"G2": ("Report monthly",)}
    assert [d.decision_id for d in item.approvals_given("G3")] == ["DEC-4"]
