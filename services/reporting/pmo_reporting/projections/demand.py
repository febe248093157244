"""The demand projection: demand events (their JSON payloads) → the `demands` row and history.

`project(event)` is pure: it decides what the event does to the read model. `DemandProjection`
is the consumer handler that runs it against PostgreSQL, one statement per event.

Reporting never imports the demand service: it reads the published payloads, which are the
contract (see services/demand/pmo_demand/domain/events.py for their shape).

Ordering: each demand row keeps the stream version it has applied. An event at or below it was
applied already and is skipped; one further ahead than the next version is a gap (an event got
lost or arrived out of order), which retrying cannot fix, so it raises `Unprocessable` and the
consumer dead-letters it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.consumer import Unprocessable
from pmo_reporting.projections.rows import (
    DEMAND_COLUMNS,
    HistoryEntry,
    InsertDemand,
    Projection,
    UpdateDemand,
    initial_changes,
)
from pmo_reporting.projections.statements import Statements

log = logging.getLogger(__name__)

STREAM_TYPE = "demand"
PROJECTION_NAME = "reporting.demands"
SUMMARY_TEXT_LIMIT = 160  # reasons quoted in a summary are cut here; the row keeps them whole


def project(event: ReceivedEvent) -> Projection:
    """What `event` does to the read model. Raises Unprocessable for a payload it cannot read."""
    try:
        if event.event_type == "DemandSubmitted":
            return _submitted(event)
        if event.sequence < 1:
            raise ValueError(f"stream version {event.sequence} < 1")
        rule = _UPDATES.get(event.event_type, _unknown)
        values, summary, details = rule(event.data, _actor(event))
        return Projection(
            row=UpdateDemand(
                demand_id=event.subject,
                version=event.sequence,
                updated_at=_occurred_at(event),
                last_actor_id=event.actor_id,
                values=values,
            ),
            history=_history(event, summary, details),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise Unprocessable(
            f"unreadable {event.event_type} payload for demand {event.subject} "
            f"v{event.sequence}: {exc!r}"
        ) from exc


# -- the first event ------------------------------------------------------------------------


def _submitted(event: ReceivedEvent) -> Projection:
    if event.sequence != 1:
        raise ValueError(f"DemandSubmitted must be version 1 of its stream, not {event.sequence}")
    data = event.data
    content = data["content"]
    case = data.get("business_case")
    cost, currency = _money(case.get("estimated_cost") if case else None)
    submitted_at = _timestamp(data["submitted_at"])
    values: dict[str, Any] = {
        "version": 1,
        "state": "submitted",
        "title": content["title"],
        "description": content.get("description") or "",
        "requester": data["requester"],
        "sponsor": content.get("sponsor"),
        "department": content["department"],
        "category": content["category"],
        "urgency": content["urgency"],
        "strategic_objectives": list(content.get("strategic_objectives") or []),
        "desired_start_quarter": content.get("desired_start_quarter"),
        "desired_end_quarter": content.get("desired_end_quarter"),
        "business_case": case,
        "business_case_version": data.get("business_case_version"),
        "estimated_cost": cost,
        "estimated_cost_currency": currency,
        "requires_investment_committee": None,
        "rejection_reason": None,
        "withdrawal_reason": None,
        "open_questions": [],
        "submitted_at": submitted_at,
        "qualified_at": None,
        "decided_at": None,
        "updated_at": submitted_at,
        "last_actor_id": event.actor_id,
    }
    assert set(values) == set(DEMAND_COLUMNS) - {"id"}, "every column, for one fixed statement"
    summary = f"Demand “{_cut(content['title'])}” submitted by {_actor(event)}"
    if case is not None:
        summary += f" with business case version {data.get('business_case_version') or 1}"
    history = _history(event, summary, {})
    return Projection(
        row=InsertDemand(demand_id=event.subject, values=values),
        history=replace(history, changes=initial_changes(values)),
    )


# -- the events that change an existing demand ----------------------------------------------
# Each returns (columns to set, summary, details). A rule sets the same columns every time,
# so each event type maps to one SQL text (one prepared statement).

Rule = Callable[[Mapping[str, Any], str], tuple[dict[str, Any], str, dict[str, Any]]]


def _business_case_revised(
    data: Mapping[str, Any], actor: str
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    case = data["business_case"]
    cost, currency = _money(case.get("estimated_cost"))
    version = int(data["version"])
    values = {
        "business_case": case,
        "business_case_version": version,
        "estimated_cost": cost,
        "estimated_cost_currency": currency,
    }
    return values, f"Business case revised to version {version} by {actor}", {}


def _information_requested(
    data: Mapping[str, Any], actor: str
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    questions = [str(q) for q in data["questions"]]
    count = f"{len(questions)} question{'s' if len(questions) != 1 else ''}"
    values = {"state": "information_requested", "open_questions": questions}
    return values, f"Information requested by {actor} ({count})", {}


def _information_provided(
    data: Mapping[str, Any], actor: str
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    values = {"state": "information_provided", "open_questions": []}
    return values, f"Information provided by {actor}", {"answers": data["answers"]}


def _qualified(
    data: Mapping[str, Any], actor: str
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    committee = bool(data["requires_investment_committee"])
    values = {
        "state": "qualified",
        "qualified_at": _timestamp(data["qualified_at"]),
        "requires_investment_committee": committee,
    }
    summary = f"Qualified by {actor}"
    if committee:
        summary += "; the investment committee must decide"
    details = {
        "note": data.get("note"),
        "rules_version": data.get("rules_version"),
        "rules_evaluated": data.get("rules_evaluated", []),
        "business_case_version": data.get("business_case_version"),
    }
    return values, summary, details


def _rejected(data: Mapping[str, Any], actor: str) -> tuple[dict[str, Any], str, dict[str, Any]]:
    reason = str(data["reason"])
    values = {
        "state": "rejected",
        "rejection_reason": reason,
        "decided_at": _timestamp(data["rejected_at"]),
    }
    return values, f"Rejected by {actor}: {_cut(reason)}", {}


def _withdrawn(data: Mapping[str, Any], actor: str) -> tuple[dict[str, Any], str, dict[str, Any]]:
    reason = data.get("reason")
    values = {
        "state": "withdrawn",
        "withdrawal_reason": reason,
        "decided_at": _timestamp(data["withdrawn_at"]),
    }
    summary = f"Withdrawn by {actor}" + (f": {_cut(reason)}" if reason else "")
    return values, summary, {}


def _accepted(data: Mapping[str, Any], actor: str) -> tuple[dict[str, Any], str, dict[str, Any]]:
    values = {
        "state": "accepted",
        "decided_at": _timestamp(data["accepted_at"]),
        "requires_investment_committee": bool(data["requires_investment_committee"]),
    }
    details = {"note": data.get("note"), "business_case_version": data.get("business_case_version")}
    return values, f"Accepted by {actor}", details


def _unknown(data: Mapping[str, Any], actor: str) -> tuple[dict[str, Any], str, dict[str, Any]]:
    # An event type newer than this code: the version still advances (or every later event of
    # the demand would look like a gap) and the history says something happened.
    return {}, f"Changed by {actor}", {}


_UPDATES: dict[str, Rule] = {
    "BusinessCaseRevised": _business_case_revised,
    "InformationRequested": _information_requested,
    "InformationProvided": _information_provided,
    "DemandQualified": _qualified,
    "DemandRejected": _rejected,
    "DemandWithdrawn": _withdrawn,
    "DemandAccepted": _accepted,
}

KNOWN_EVENT_TYPES = frozenset({"DemandSubmitted", *_UPDATES})


# -- helpers --------------------------------------------------------------------------------


def _history(event: ReceivedEvent, summary: str, details: dict[str, Any]) -> HistoryEntry:
    if event.event_type not in KNOWN_EVENT_TYPES:
        summary = f"{event.event_type}: {summary[0].lower()}{summary[1:]}"
    return HistoryEntry(
        demand_id=event.subject,
        version=event.sequence,
        event_id=event.event_id,
        event_type=event.event_type,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        occurred_at=_occurred_at(event),
        summary=summary,
        details={k: v for k, v in details.items() if v is not None},
    )


def _actor(event: ReceivedEvent) -> str:
    return event.actor_name or event.actor_id


def _occurred_at(event: ReceivedEvent) -> datetime:
    return event.time


def _timestamp(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {value!r}")
    return parsed


def _money(value: Any) -> tuple[Decimal | None, str | None]:
    if value is None:
        return None, None
    return Decimal(str(value["amount"])), str(value["currency"])


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_TEXT_LIMIT else text[: SUMMARY_TEXT_LIMIT - 1] + "…"


# -- the handler ----------------------------------------------------------------------------


class DemandProjection:
    """Consumer handler (pmo_kernel.consumer.Handler) keeping `demands` and `demand_history`.

    One round trip per event: the row change, the history line, the projection's progress and
    the NOTIFY are one SQL statement (statements.py), prepared once per connection by asyncpg's
    statement cache, inside the consumer's batch transaction.
    """

    name = PROJECTION_NAME

    def __init__(self, schema: str = "reporting") -> None:
        self.schema = schema
        self.statements = Statements(schema, PROJECTION_NAME)
        self.skipped = 0  # events found already applied by version (observability, tests)

    async def handle(self, conn: asyncpg.Connection, event: ReceivedEvent) -> None:
        if event.stream_type != STREAM_TYPE:
            return  # another aggregate sharing the topic: not ours to project
        projection = project(event)
        sql, args = self.statements.apply(projection)
        if await conn.fetchrow(sql, *args) is not None:
            return
        # Not applied: the row is ahead (a duplicate) or behind by more than one (a gap).
        current: int | None = await conn.fetchval(self.statements.current_version, event.subject)
        if current is not None and current >= event.sequence:
            self.skipped += 1
            log.debug("demand %s v%s already applied (at v%s)", event.subject, event.sequence, current)
            return
        raise Unprocessable(
            f"gap: demand {event.subject} is at version {current or 0} in the read model; "
            f"{event.event_type} v{event.sequence} cannot apply before v{(current or 0) + 1}"
        )

    async def after_commit(self, events: Sequence[ReceivedEvent]) -> None:
        """Nothing to do: the NOTIFY was part of the transaction (see changes.py), which is
        delivered at commit and never lost between a commit and a crash."""
