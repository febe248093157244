"""The capacity projection's rules for staffing: resource requests (raised, revised,
cancelled, filled), staffing proposals (proposed, then each assignment accepted or declined)
and the skills catalogue, on the rows of a batch (capacity_state.State).

Payload shapes: services/capacity/pmo_capacity/domain/events.py (requests, skills) and
proposal_events.py (proposals). A proposal's row keeps the StaffingProposed payload whole, as
its body: the optimiser's assignments with their reasons and alternatives, what it left
unfilled, its value beside the greedy baseline; its `decisions` say which assignments were
accepted (with the allocation made) or declined since.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_reporting.projections.capacity_state import Row, State


def _number(value: Any) -> str:
    return str(Decimal(str(value)))


def _skills(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": s["name"], "min_level": int(s["min_level"])} for s in data["skills"]]


def _request(state: State, event: ReceivedEvent) -> Row:
    row = state.requests.get(event.subject)
    if row is None:
        raise ValueError(f"request {event.subject} was never raised")
    state.changed.add(("resource_requests", event.subject))
    return row


def _request_raised(state: State, event: ReceivedEvent) -> None:
    data = event.data
    state.requests[event.subject] = {
        "id": event.subject,
        "version": event.sequence,
        "status": "open",
        "project_id": data["project_id"],
        "role": str(data["role"]),
        "skills": _skills(data),
        "start_week": data["start_week"],
        "end_week": data["end_week"],
        "hours_per_week": _number(data["hours_per_week"]),
        "source": str(data["source"]),
        "note": data.get("note"),
        "raised_by": data["raised_by"],
        "raised_at": data["raised_at"],
        "revised_by": None,
        "revised_at": None,
        "person_id": None,
        "allocation_id": None,
        "filled_by": None,
        "filled_at": None,
        "cancel_reason": None,
        "cancelled_by": None,
        "cancelled_at": None,
    }


def _request_revised(state: State, event: ReceivedEvent) -> None:
    row, data = _request(state, event), event.data
    row["start_week"] = data["start_week"]
    row["end_week"] = data["end_week"]
    row["hours_per_week"] = _number(data["hours_per_week"])
    row["skills"] = _skills(data)
    row["revised_by"] = data["revised_by"]
    row["revised_at"] = data["revised_at"]


def _request_cancelled(state: State, event: ReceivedEvent) -> None:
    row, data = _request(state, event), event.data
    row["status"] = "cancelled"
    row["cancel_reason"] = data["reason"]
    row["cancelled_by"] = data["cancelled_by"]
    row["cancelled_at"] = data["cancelled_at"]


def _request_filled(state: State, event: ReceivedEvent) -> None:
    row, data = _request(state, event), event.data
    row["status"] = "filled"
    row["person_id"] = data["person_id"]
    row["allocation_id"] = data["allocation_id"]
    row["filled_by"] = data["filled_by"]
    row["filled_at"] = data["filled_at"]


def _staffing_proposed(state: State, event: ReceivedEvent) -> None:
    data = event.data
    # The decisions find their assignment by request id: a proposal without them is unreadable.
    if not all(isinstance(a["request_id"], str) for a in data["assignments"]):
        raise ValueError(f"proposal {event.subject} has an assignment without a request id")
    state.proposals[event.subject] = {
        "id": event.subject,
        "version": event.sequence,
        "body": data,
        "decisions": {},
        "proposed_by": data["proposed_by"],
        "proposed_at": data["proposed_at"],
    }


def _decided(state: State, event: ReceivedEvent, decision: dict[str, Any]) -> None:
    row = state.proposals.get(event.subject)
    if row is None:
        raise ValueError(f"proposal {event.subject} was never proposed")
    request_id = str(event.data["request_id"])
    if not any(a["request_id"] == request_id for a in row["body"]["assignments"]):
        raise ValueError(f"proposal {event.subject} has no assignment for {request_id}")
    row["decisions"] = {**row["decisions"], request_id: decision}


def _assignment_accepted(state: State, event: ReceivedEvent) -> None:
    data = event.data
    _decided(
        state,
        event,
        {
            "decision": "accepted",
            "allocation_id": data["allocation_id"],
            "by": data["accepted_by"],
            "at": data["accepted_at"],
            "reason": None,
        },
    )


def _assignment_declined(state: State, event: ReceivedEvent) -> None:
    data = event.data
    _decided(
        state,
        event,
        {
            "decision": "declined",
            "allocation_id": None,
            "by": data["declined_by"],
            "at": data["declined_at"],
            "reason": data.get("reason"),
        },
    )


def _skill_added(state: State, event: ReceivedEvent) -> None:
    data = event.data
    name = str(data["name"])
    state.skills[name] = {
        "name": name,
        "description": data.get("description"),
        "added_by": data["added_by"],
        "added_at": data["added_at"],
    }
    state.changed.add(("skills", name))


RULES: dict[str, Callable[[State, ReceivedEvent], None]] = {
    "ResourceRequestRaised": _request_raised,
    "ResourceRequestRevised": _request_revised,
    "ResourceRequestCancelled": _request_cancelled,
    "ResourceRequestFilled": _request_filled,
    "StaffingProposed": _staffing_proposed,
    "ProposedAssignmentAccepted": _assignment_accepted,
    "ProposedAssignmentDeclined": _assignment_declined,
    "SkillAdded": _skill_added,
}

REQUEST_COLUMNS = (
    "id", "version", "status", "project_id", "role", "skills", "start_week", "end_week",
    "hours_per_week", "source", "note", "raised_by", "raised_at", "revised_by", "revised_at",
    "person_id", "allocation_id", "filled_by", "filled_at", "cancel_reason", "cancelled_by",
    "cancelled_at",
)  # fmt: skip
PROPOSAL_COLUMNS = ("id", "version", "body", "decisions", "proposed_by", "proposed_at")
SKILL_COLUMNS = ("name", "description", "added_by", "added_at")
