"""Meetings: an agenda of items at gates, decisions minuted for agenda items only, then closed."""

from __future__ import annotations

import pytest

from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_portfolio.domain.governance import (
    AgendaItemAdded,
    BodyKind,
    Decision,
    DecisionRecorded,
    Meeting,
    MeetingClosed,
    MeetingScheduled,
    Outcome,
)
from tests.portfolio.unit.governance_helpers import (
    ANALYST,
    MEETING_DAY,
    NOW,
    body,
    candidate,
    decision,
    meeting,
    saved,
)

IC = BodyKind.INVESTMENT_COMMITTEE


def approval(item_id: str = "D-1", **overrides: object) -> Decision:
    taken = decision(candidate(item_id=item_id), body(IC), decision_id=f"DEC-{item_id}")
    return taken.model_copy(update=overrides) if overrides else taken


def test_scheduling_a_meeting_records_its_body_date_and_title() -> None:
    scheduled = Meeting.schedule(
        "M-1", body_id="B-IC", date=MEETING_DAY, title="March IC", actor_id=ANALYST, now=NOW
    )

    assert scheduled.pending == (
        MeetingScheduled(
            meeting_id="M-1",
            body_id="B-IC",
            date=MEETING_DAY,
            title="March IC",
            scheduled_by=ANALYST,
            scheduled_at=NOW,
        ),
    )
    assert (scheduled.body_id, scheduled.date, scheduled.closed) == ("B-IC", MEETING_DAY, False)


def test_a_meeting_needs_a_title() -> None:
    with pytest.raises(DomainError, match="meeting M-1 cannot be scheduled: title"):
        Meeting.schedule("M-1", body_id="B-IC", date=MEETING_DAY, title="", actor_id=ANALYST)


def test_items_are_put_on_the_agenda_with_a_gate_and_a_purpose() -> None:
    session = meeting(body(IC), [])

    session.add_agenda_item("D-1", "G2", "Business case review", actor_id=ANALYST, now=NOW)

    assert session.pending == (
        AgendaItemAdded(
            meeting_id="M-1",
            item_id="D-1",
            gate="G2",
            purpose="Business case review",
            added_by=ANALYST,
            added_at=NOW,
        ),
    )
    assert [entry.item_id for entry in session.agenda] == ["D-1"]


def test_an_item_is_on_the_agenda_once() -> None:
    session = meeting(body(IC), [("D-1", "G2")])

    with pytest.raises(InvalidTransition) as refused:
        session.add_agenda_item("D-1", "G3", "Again", actor_id=ANALYST)

    assert refused.value.detail == (
        "item D-1 is already on the agenda of meeting M-1 (for G2: Business case review)"
    )


def test_a_purpose_is_required() -> None:
    with pytest.raises(DomainError, match="purpose: String should have at least 1 character"):
        meeting(body(IC), []).add_agenda_item("D-1", "G2", " ", actor_id=ANALYST)


def test_a_decision_on_an_agenda_item_is_minuted_with_all_its_inputs() -> None:
    session = meeting(body(IC))
    taken = approval()

    session.record_decision(taken, actor_id=ANALYST, now=NOW)

    assert session.pending == (
        DecisionRecorded(meeting_id="M-1", decision=taken, recorded_by=ANALYST, recorded_at=NOW),
    )
    assert session.minutes == (taken,)
    assert session.undecided == ()


def test_a_decision_on_an_item_not_on_the_agenda_is_refused() -> None:
    session = meeting(body(IC), [("D-1", "G2")])

    with pytest.raises(InvalidTransition) as refused:
        session.record_decision(approval("D-2"), actor_id=ANALYST)

    assert refused.value.detail == (
        "decision DEC-D-2 on item D-2 cannot be recorded: the item is not on the agenda of "
        "meeting M-1 (on the agenda: D-1)"
    )


def test_a_decision_at_another_gate_than_the_agenda_says_is_refused() -> None:
    session = meeting(body(IC), [("D-1", "G3")])

    with pytest.raises(
        DomainError, match="is at G2, but the item is on the agenda of meeting M-1 for G3"
    ):
        session.record_decision(approval(), actor_id=ANALYST)


def test_a_decision_of_another_meeting_or_body_is_refused() -> None:
    session = meeting(body(IC))

    with pytest.raises(DomainError, match="names meeting M-2, not meeting M-1"):
        session.record_decision(approval(meeting_id="M-2"), actor_id=ANALYST)
    with pytest.raises(
        DomainError, match="was taken by body B-PC, but meeting M-1 is a meeting of body B-IC"
    ):
        session.record_decision(approval(body_id="B-PC"), actor_id=ANALYST)


def test_an_agenda_item_gets_one_decision() -> None:
    session = meeting(body(IC))
    session.record_decision(approval(), actor_id=ANALYST)

    with pytest.raises(InvalidTransition) as refused:
        session.record_decision(
            approval(decision_id="DEC-2", outcome=Outcome.DEFER), actor_id=ANALYST
        )

    assert (
        "decision DEC-D-1 (approve) was already taken on it in meeting M-1" in refused.value.detail
    )


def test_closing_fixes_the_minutes_and_lists_what_was_left_undecided() -> None:
    session = meeting(body(IC), [("D-1", "G2"), ("D-2", "G2")])
    taken = approval()
    session.record_decision(taken, actor_id=ANALYST)

    minutes = session.close(actor_id=ANALYST, now=NOW)

    assert minutes == (taken,)
    assert session.pending[-1] == MeetingClosed(
        meeting_id="M-1",
        decision_ids=("DEC-D-1",),
        undecided_item_ids=("D-2",),
        closed_by=ANALYST,
        closed_at=NOW,
    )
    assert session.closed is True


def test_a_closed_meeting_takes_no_decision_no_agenda_item_and_no_second_close() -> None:
    session = meeting(body(IC))
    session.close(actor_id=ANALYST)
    saved(session)

    with pytest.raises(InvalidTransition, match="cannot be recorded: meeting M-1 is closed"):
        session.record_decision(approval(), actor_id=ANALYST)
    with pytest.raises(
        InvalidTransition, match="cannot be added to its agenda: meeting M-1 is closed"
    ):
        session.add_agenda_item("D-2", "G2", "Late", actor_id=ANALYST)
    with pytest.raises(
        InvalidTransition, match="meeting M-1 cannot be closed: meeting M-1 is closed"
    ):
        session.close(actor_id=ANALYST)
    assert session.pending == ()


def test_nothing_happens_in_a_meeting_never_scheduled() -> None:
    with pytest.raises(InvalidTransition, match="meeting M-9 has not been scheduled"):
        Meeting("M-9").add_agenda_item("D-1", "G2", "Review", actor_id=ANALYST)
