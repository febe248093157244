"""The portfolio projection's pure part: events → rows, no database."""

from __future__ import annotations

from typing import Any

import pytest

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.consumer import Unprocessable
from pmo_reporting.projections.portfolio import evolve, passed_gates
from pmo_reporting.projections.portfolio_statements import Row, Step, stream_key
from tests.reporting.portfolio_factory import SCHEME, Item, body, decision, meeting, scoring_model


def fold(events: list[ReceivedEvent]) -> tuple[Row | None, list[Step]]:
    version, row, steps = 0, None, []
    for one in events:
        step = evolve(version, row, one)
        assert step is not None
        version, row = one.sequence, step.row
        steps.append(step)
    return row, steps


def test_an_item_row_follows_registration_revision_decision_and_plan() -> None:
    item = Item("P-1").registered(cost="100000.00").revised(2, "150000.00")
    item.decided("DEC-1").planned()

    row, steps = fold(item.events)

    assert row is not None
    assert row["version"] == 4
    assert row["state"] == "approved"
    assert row["current_gate"] == "G2"
    assert row["passed_gates"] == ["G0", "G1", "G2"]
    assert row["business_case_version"] == 2
    assert row["estimated_cost"] == "150000.00"
    assert row["planned_start_quarter"] == "2026-Q3"
    assert row["cost_per_year"]["2027"] == {"amount": "60000.00", "currency": "EUR"}
    [made] = steps[2].decisions
    assert made["decision_id"] == "DEC-1"
    assert made["business_case_version"] == 1  # frozen: what was decided on
    assert made["consolidated_score"] == "62.50"
    assert made["recorded_by"] is None


def test_an_older_business_case_note_does_not_replace_the_latest() -> None:
    item = Item("P-1").registered().revised(3, "300000.00").revised(2, "200000.00")
    row, _ = fold(item.events)
    assert row is not None
    assert (row["business_case_version"], row["estimated_cost"]) == (3, "300000.00")


def test_each_evaluation_is_kept_as_a_score_row() -> None:
    item = Item("P-1").registered().scored("eve", 4, 0, 2).scored("eve", 5, 0, 2)
    _, steps = fold(item.events)
    assert [s["scores"]["value"] for step in steps for s in step.scores] == [4, 5]
    assert [s["version"] for step in steps for s in step.scores] == [2, 3]


def test_scoring_model_versions_keep_their_full_criteria() -> None:
    row, _ = fold(scoring_model().events)
    assert row is not None
    assert row["status"] == "published"
    assert row["latest_version"] == 1
    assert row["draft"] is None
    assert [c["key"] for c in row["versions"][0]["criteria"]] == [
        "value",
        "regulatory",
        "delivery_risk",
    ]


def test_a_body_keeps_its_members_and_rights() -> None:
    row, _ = fold(body().events)
    assert row is not None
    assert row["members"] == [
        {"person_id": "carol", "role": "chair"},
        {"person_id": "dave", "role": "member"},
    ]
    assert row["rights"] == {"G2": ["approve", "reject"]}


def test_a_meeting_records_decisions_with_who_recorded_them() -> None:
    made = decision("DEC-1", "P-1")
    row, steps = fold(meeting("M-1", [made]).events)
    assert row is not None
    assert row["closed"] is True
    assert [a["item_id"] for a in row["agenda"]] == ["P-1"]
    assert row["decision_ids"] == ["DEC-1"]
    [recorded] = [d for step in steps for d in step.decisions]
    assert recorded["recorded_by"] == "carol"


def test_an_applied_version_is_skipped_and_a_gap_is_unprocessable() -> None:
    item = Item("P-1").registered().revised(2).revised(3)
    first, _, third = item.events
    assert evolve(1, {"version": 1}, first) is None
    with pytest.raises(Unprocessable, match="gap"):
        evolve(1, {"version": 1}, third)


def test_an_event_before_its_stream_was_created_is_unprocessable() -> None:
    item = Item("P-1").registered().revised(2)
    with pytest.raises(Unprocessable, match="never created"):
        evolve(1, None, item.events[1])


def test_an_unknown_event_type_advances_the_version_only() -> None:
    item = Item("P-1").registered()
    item.add("ItemRenamedSomeday", {"item_id": "P-1"})
    row, steps = fold(item.events)
    assert row is not None
    assert row["version"] == 2
    assert steps[1].scores == []
    assert steps[1].decisions == []


def test_streams_are_keyed_by_type_and_id() -> None:
    item = Item("X").registered()
    other: Any = meeting("X", []).events[0]
    assert stream_key(item.events[0]) != stream_key(other)


def test_passed_gates_are_the_scheme_up_to_the_current_gate() -> None:
    assert passed_gates(SCHEME, "G3") == ["G0", "G1", "G2", "G3"]
    assert passed_gates(SCHEME, "G9") == ["G9"]
