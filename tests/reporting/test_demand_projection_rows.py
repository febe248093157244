"""The demand projection, without a database: events fold into rows and history lines."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from pmo_kernel.consumer import Unprocessable
from pmo_reporting.changes import ChangeNotice, decode_notices, encode_notices
from pmo_reporting.projections import statements
from pmo_reporting.projections.demand import evolve
from pmo_reporting.projections.rows import Applied, HistoryEntry, Row
from tests.reporting.factory import ANALYST, REQUESTER, DemandStory, business_case, received


def fold(*events: Any) -> tuple[Row, list[Applied]]:
    row: Row | None = None
    applied: list[Applied] = []
    for event in events:
        result = evolve(row, event)
        assert result is not None, f"{event.event_type} v{event.sequence} was skipped"
        row = result.row
        applied.append(result)
    assert row is not None
    return row, applied


def test_a_submitted_demand_becomes_a_row_with_its_content_and_business_case() -> None:
    story = DemandStory("D-1")
    row, [applied] = fold(story.submitted(case=business_case("120000.5")))

    assert row["id"] == "D-1"
    assert row["version"] == 1
    assert row["state"] == "submitted"
    assert row["title"] == "Automate invoice matching"
    assert row["requester"] == REQUESTER
    assert row["department"] == "Finance"
    assert row["strategic_objectives"] == ["Operational excellence"]
    assert row["business_case_version"] == 1
    assert row["estimated_cost"] == Decimal("120000.50")
    assert row["estimated_cost_currency"] == "EUR"
    assert row["requires_investment_committee"] is None  # not evaluated before qualification
    assert row["open_questions"] == []
    assert applied.history.summary == (
        "Demand “Automate invoice matching” submitted by Alice Martin with business case version 1"
    )
    assert applied.history.changes["state"] == {"from": None, "to": "submitted"}
    assert applied.history.changes["business_case.risks"] == {
        "from": None,
        "to": ["Vendor lock-in"],
    }


def test_a_demand_without_business_case_has_no_cost_and_no_case_version() -> None:
    row, _ = fold(DemandStory("D-1").submitted(case=None))

    assert row["business_case"] is None
    assert row["business_case_version"] is None
    assert row["estimated_cost"] is None


def test_a_revised_business_case_records_the_fields_that_moved_key_by_key() -> None:
    story = DemandStory("D-1")
    row, [_, revised] = fold(
        story.submitted(case=business_case("100000.00")),
        story.revised(2, business_case("150000.00", risks=["Vendor lock-in", "Data quality"])),
    )

    assert row["business_case_version"] == 2
    assert row["estimated_cost"] == Decimal("150000.00")
    assert revised.history.summary == "Business case revised to version 2 by Bob Analyst"
    assert revised.history.actor_id == ANALYST
    assert revised.history.changes == {
        "business_case.estimated_cost": {
            "from": {"amount": "100000.00", "currency": "EUR"},
            "to": {"amount": "150000.00", "currency": "EUR"},
        },
        "business_case.risks": {
            "from": ["Vendor lock-in"],
            "to": ["Vendor lock-in", "Data quality"],
        },
        "business_case_version": {"from": 1, "to": 2},
        "estimated_cost": {"from": "100000.00", "to": "150000.00"},
    }


def test_questions_stay_open_until_the_requester_answers() -> None:
    story = DemandStory("D-1")
    row, [_, asked, answered] = fold(
        story.submitted(),
        story.information_requested("Who sponsors it?", "Which ERP?"),
        story.information_provided("The CFO; SAP"),
    )

    assert asked.row["state"] == "information_requested"
    assert asked.row["open_questions"] == ["Who sponsors it?", "Which ERP?"]
    assert asked.history.summary == "Information requested by Bob Analyst (2 questions)"
    assert row["state"] == "information_provided"
    assert row["open_questions"] == []
    assert answered.history.details == {"answers": "The CFO; SAP"}


def test_qualification_says_whether_the_investment_committee_must_decide() -> None:
    story = DemandStory("D-1")
    row, [_, qualified] = fold(
        story.submitted(case=business_case()), story.qualified(committee=True)
    )

    assert row["state"] == "qualified"
    assert row["requires_investment_committee"] is True
    assert row["qualified_at"] == story.events[1].time
    assert qualified.history.summary == (
        "Qualified by Bob Analyst; the investment committee must decide"
    )
    assert qualified.history.details["rules_version"] == "2026.1"
    assert qualified.history.changes["requires_investment_committee"] == {"from": None, "to": True}


@pytest.mark.parametrize(
    ("decide", "state", "reason_column", "summary"),
    [
        (lambda s: s.rejected("Duplicate of D-7"), "rejected", "rejection_reason",
         "Rejected by Bob Analyst: Duplicate of D-7"),
        (lambda s: s.withdrawn("No budget"), "withdrawn", "withdrawal_reason",
         "Withdrawn by Alice Martin: No budget"),
    ],
)  # fmt: skip
def test_a_closed_demand_keeps_its_reason_and_when_it_was_decided(
    decide: Any, state: str, reason_column: str, summary: str
) -> None:
    story = DemandStory("D-1")
    story.submitted()
    decided_event = decide(story)
    row, [_, decided] = fold(*story.events)

    assert row["state"] == state
    assert row[reason_column] == decided_event.data["reason"]
    assert row["decided_at"] == decided_event.time
    assert decided.history.summary == summary


def test_an_accepted_demand_is_decided() -> None:
    story = DemandStory("D-1")
    row, applied = fold(story.submitted(case=business_case()), story.qualified(), story.accepted())

    assert row["state"] == "accepted"
    assert row["decided_at"] == story.events[-1].time
    assert applied[-1].history.summary == "Accepted by Bob Analyst"


def test_an_event_the_row_already_has_is_skipped() -> None:
    story = DemandStory("D-1")
    row, _ = fold(story.submitted(), story.information_requested("Why?"))

    assert evolve(row, story.events[0]) is None
    assert evolve(row, story.events[1]) is None


def test_a_version_gap_cannot_be_projected() -> None:
    story = DemandStory("D-1")
    row, _ = fold(story.submitted())
    story.information_requested("Why?")  # v2, lost
    gap = story.information_provided("Because")  # v3

    with pytest.raises(Unprocessable, match=r"gap: demand D-1 is at version 1.*before v2"):
        evolve(row, gap)


def test_a_change_to_a_demand_never_submitted_cannot_be_projected() -> None:
    event = received("InformationRequested", "D-9", 1, {"questions": ["?"]}, actor=ANALYST)

    with pytest.raises(Unprocessable, match="never submitted"):
        evolve(None, event)


def test_an_unreadable_payload_cannot_be_projected() -> None:
    broken = replace(DemandStory("D-1").submitted(), data={"demand_id": "D-1"})

    with pytest.raises(Unprocessable, match="unreadable DemandSubmitted payload"):
        evolve(None, broken)


def test_an_event_type_newer_than_the_projection_still_advances_the_version() -> None:
    story = DemandStory("D-1")
    row, _ = fold(story.submitted())
    future = received("DemandPrioritised", "D-1", 2, {"rank": 3}, actor=ANALYST)

    result = evolve(row, future)

    assert result is not None
    assert result.row["version"] == 2
    assert result.row["state"] == "submitted"
    assert result.history.summary == "DemandPrioritised: changed by Bob Analyst"
    assert result.history.changes == {}


def test_change_notices_are_packed_under_the_notify_payload_limit() -> None:
    notices = [ChangeNotice(f"D-{i:05}", i, "BusinessCaseRevised") for i in range(1000)]

    payloads = encode_notices(notices)

    assert len(payloads) > 1
    assert all(len(p.encode()) < 8000 for p in payloads)
    assert [n for p in payloads for n in decode_notices(p)] == notices


def test_history_lines_are_written_field_by_field_as_the_history_columns() -> None:
    # statements.write hands HistoryEntry dataclasses to orjson as they are: their fields
    # must be exactly the columns jsonb_to_recordset reads.
    fields = tuple(f.name for f in dataclasses.fields(HistoryEntry))
    assert fields == tuple(name for name, _ in statements._HISTORY_COLUMNS)
