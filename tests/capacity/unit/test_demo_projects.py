"""The capacity demo staffs the items the portfolio's feed shows planned and not ended."""

from __future__ import annotations

from typing import Any

from pmo_capacity.demo import PlannedProject, projects_of


def planned(item_id: str, start: str, end: str) -> dict[str, Any]:
    payload = {"item_id": item_id, "start_quarter": start, "end_quarter": end}
    return {"stream_type": "portfolio-item", "event_type": "ItemPlanned", "payload": payload}


def decided(item_id: str, state: str) -> dict[str, Any]:
    return {"stream_type": "portfolio-item", "event_type": "ItemDecided",
            "payload": {"item_id": item_id, "state": state}}  # fmt: skip


def test_the_latest_plan_of_each_item_not_ended_since_is_staffed_by_start() -> None:
    events = [
        planned("A", "2027-Q2", "2027-Q4"),
        planned("B", "2027-Q1", "2027-Q3"),
        planned("A", "2027-Q3", "2028-Q1"),  # re-planned
        planned("C", "2027-Q1", "2027-Q2"),
        decided("C", "cancelled"),
        decided("B", "on_hold"),
        {"stream_type": "programme", "event_type": "ItemPlanned", "payload": {}},
    ]

    assert projects_of(events) == [
        PlannedProject("B", "2027-Q1", "2027-Q3"),
        PlannedProject("A", "2027-Q3", "2028-Q1"),
    ]
