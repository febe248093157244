"""The capacity projection's rules for staffing drafts: started (empty or from a proposal),
an assignment made or removed, renamed, discarded, adopted; on the rows of a batch
(capacity_state.State).

Payload shapes: services/capacity/pmo_capacity/domain/draft_events.py. A draft's row keeps its
assignments by request id, as the aggregate does, so that the read model answers what the
capacity service's `GET /staffing-drafts/{id}` does. An adoption's allocations and fills are
events of the people and requests (AllocationProposed, ResourceRequestFilled): capacity.py and
capacity_staffing.py project those; the draft only keeps which allocation each assignment made.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_reporting.projections.capacity_state import Row, State

CENT = Decimal("0.01")  # hours as the other capacity read models keep them: two decimals


def _hours(value: Any) -> str:
    return str(Decimal(str(value)).quantize(CENT))


def _assignment(data: dict[str, Any]) -> Row:
    return {
        "request_id": str(data["request_id"]),
        "project_id": str(data["project_id"]),
        "person_id": str(data["person_id"]),
        "start_week": str(data["start_week"]),
        "end_week": str(data["end_week"]),
        "hours_per_week": _hours(data["hours_per_week"]),
    }


def _by_request(assignments: list[Row]) -> list[Row]:
    return sorted(assignments, key=lambda a: str(a["request_id"]))


def _draft(state: State, event: ReceivedEvent, by: str, at: str) -> Row:
    """The draft's row, stamped with who changed it last."""
    row = state.drafts.get(event.subject)
    if row is None:
        raise ValueError(f"draft {event.subject} was never started")
    row["changed_by"] = event.data[by]
    row["changed_at"] = event.data[at]
    return row


def _started(state: State, event: ReceivedEvent) -> None:
    data = event.data
    state.drafts[event.subject] = {
        "id": event.subject,
        "version": event.sequence,
        "name": str(data["name"]),
        "status": "active",
        "from_proposal_id": data.get("from_proposal_id"),
        "request_ids": sorted(str(r) for r in data.get("request_ids", ())),
        "assignments": _by_request([_assignment(a) for a in data.get("assignments", ())]),
        "adopted": [],
        "filled_hours": None,
        "discard_reason": None,
        "started_by": data["started_by"],
        "started_at": data["started_at"],
        "changed_by": data["started_by"],
        "changed_at": data["started_at"],
        "closed_by": None,
        "closed_at": None,
    }


def _assigned(state: State, event: ReceivedEvent) -> None:
    row = _draft(state, event, "assigned_by", "assigned_at")
    made = _assignment(event.data["assignment"])
    others = [a for a in row["assignments"] if a["request_id"] != made["request_id"]]
    row["assignments"] = _by_request([*others, made])


def _removed(state: State, event: ReceivedEvent) -> None:
    row = _draft(state, event, "removed_by", "removed_at")
    request_id = str(event.data["request_id"])
    if not any(a["request_id"] == request_id for a in row["assignments"]):
        raise ValueError(f"draft {event.subject} gives {request_id} to nobody")
    row["assignments"] = [a for a in row["assignments"] if a["request_id"] != request_id]


def _renamed(state: State, event: ReceivedEvent) -> None:
    _draft(state, event, "renamed_by", "renamed_at")["name"] = str(event.data["name"])


def _discarded(state: State, event: ReceivedEvent) -> None:
    row = _draft(state, event, "discarded_by", "discarded_at")
    row["status"] = "discarded"
    row["discard_reason"] = event.data.get("reason")
    row["closed_by"], row["closed_at"] = row["changed_by"], row["changed_at"]


def _adopted(state: State, event: ReceivedEvent) -> None:
    row = _draft(state, event, "adopted_by", "adopted_at")
    row["status"] = "adopted"
    row["adopted"] = [
        {
            "request_id": str(a["request_id"]),
            "person_id": str(a["person_id"]),
            "allocation_id": str(a["allocation_id"]),
            "over_allocated": bool(a.get("over_allocated", False)),
        }
        for a in event.data["adopted"]
    ]
    row["filled_hours"] = _hours(event.data["filled_hours"])
    row["closed_by"], row["closed_at"] = row["changed_by"], row["changed_at"]


RULES: dict[str, Callable[[State, ReceivedEvent], None]] = {
    "StaffingDraftStarted": _started,
    "DraftAssignmentMade": _assigned,
    "DraftAssignmentRemoved": _removed,
    "StaffingDraftRenamed": _renamed,
    "StaffingDraftDiscarded": _discarded,
    "StaffingDraftAdopted": _adopted,
}

DRAFT_COLUMNS = (
    "id", "version", "name", "status", "from_proposal_id", "request_ids", "assignments",
    "adopted", "filled_hours", "discard_reason", "started_by", "started_at", "changed_by",
    "changed_at", "closed_by", "closed_at",
)  # fmt: skip
