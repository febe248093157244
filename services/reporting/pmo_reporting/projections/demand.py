"""The demand projection: demand events (their JSON payloads) → the `demands` row and history.

`evolve(row, event)` is pure: the demand row after the event and the history line it adds.
`DemandProjection` is the consumer handler that runs it against PostgreSQL, a batch at a time.

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
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.consumer import Unprocessable
from pmo_reporting.projections.rows import (
    Applied,
    HistoryEntry,
    Row,
    changed_fields,
)
from pmo_reporting.projections.statements import Statements

log = logging.getLogger(__name__)

STREAM_TYPE = "demand"
PROJECTION_NAME = "reporting.demands"
SUMMARY_TEXT_LIMIT = 160  # reasons quoted in a summary are cut here; the row keeps them whole
CENT = Decimal("0.01")


def evolve(row: Mapping[str, Any] | None, event: ReceivedEvent) -> Applied | None:
    """The demand row after `event`, and its history line; None if `row` has it already.

    `row` is the demand as the read model has it (None: not projected yet). Raises
    Unprocessable for a version gap or a payload it cannot read: retrying would not help.
    """
    current = int(row["version"]) if row is not None else 0
    if event.sequence <= current:
        return None
    if event.sequence != current + 1:
        raise Unprocessable(
            f"gap: demand {event.subject} is at version {current} in the read model; "
            f"{event.event_type} v{event.sequence} cannot apply before v{current + 1}"
        )
    try:
        if event.event_type == "DemandSubmitted":
            values, summary, details = _submitted(event)
        elif row is None:
            raise ValueError("the demand was never submitted")
        else:
            rule = _UPDATES.get(event.event_type, _unknown)
            values, summary, details = rule(event.data, _actor(event))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise Unprocessable(
            f"unreadable {event.event_type} payload for demand {event.subject} "
            f"v{event.sequence}: {exc!r}"
        ) from exc
    before: Mapping[str, Any] = row or {}
    after: Row = {
        **before,
        **values,
        "id": event.subject,
        "version": event.sequence,
        "updated_at": event.time,
        "last_actor_id": event.actor_id,
    }
    if event.event_type not in KNOWN_EVENT_TYPES:
        summary = f"{event.event_type}: {summary[0].lower()}{summary[1:]}"
    history = HistoryEntry(
        demand_id=event.subject,
        version=event.sequence,
        event_id=event.event_id,
        event_type=event.event_type,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        occurred_at=event.time,
        summary=summary,
        changes=changed_fields(before, after, values),
        details={k: v for k, v in details.items() if v is not None},
    )
    return Applied(row=after, history=history)


Change = tuple[dict[str, Any], str, dict[str, Any]]  # (columns set, summary, details)


# -- the first event ------------------------------------------------------------------------


def _submitted(event: ReceivedEvent) -> Change:
    data = event.data
    content = data["content"]
    case = data.get("business_case")
    cost, currency = _money(case.get("estimated_cost") if case else None)
    case_version = data.get("business_case_version") or (1 if case is not None else None)
    values: dict[str, Any] = {
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
        "business_case_version": case_version,
        "estimated_cost": cost,
        "estimated_cost_currency": currency,
        "requires_investment_committee": None,
        "rejection_reason": None,
        "withdrawal_reason": None,
        "open_questions": [],
        "submitted_at": _timestamp(data["submitted_at"]),
        "qualified_at": None,
        "decided_at": None,
    }
    summary = f"Demand “{_cut(content['title'])}” submitted by {_actor(event)}"
    if case is not None:
        summary += f" with business case version {case_version}"
    return values, summary, {}


# -- the events that change an existing demand ----------------------------------------------
# Each takes the payload and the actor's display name, returns (columns set, summary, details).

Rule = Callable[[Mapping[str, Any], str], Change]


def _business_case_revised(data: Mapping[str, Any], actor: str) -> Change:
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


def _information_requested(data: Mapping[str, Any], actor: str) -> Change:
    questions = [str(q) for q in data["questions"]]
    count = f"{len(questions)} question{'s' if len(questions) != 1 else ''}"
    values = {"state": "information_requested", "open_questions": questions}
    return values, f"Information requested by {actor} ({count})", {}


def _information_provided(data: Mapping[str, Any], actor: str) -> Change:
    values = {"state": "information_provided", "open_questions": []}
    return values, f"Information provided by {actor}", {"answers": data["answers"]}


def _qualified(data: Mapping[str, Any], actor: str) -> Change:
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


def _rejected(data: Mapping[str, Any], actor: str) -> Change:
    reason = str(data["reason"])
    values = {
        "state": "rejected",
        "rejection_reason": reason,
        "decided_at": _timestamp(data["rejected_at"]),
    }
    return values, f"Rejected by {actor}: {_cut(reason)}", {}


def _withdrawn(data: Mapping[str, Any], actor: str) -> Change:
    reason = data.get("reason")
    values = {
        "state": "withdrawn",
        "withdrawal_reason": reason,
        "decided_at": _timestamp(data["withdrawn_at"]),
    }
    summary = f"Withdrawn by {actor}" + (f": {_cut(reason)}" if reason else "")
    return values, summary, {}


def _accepted(data: Mapping[str, Any], actor: str) -> Change:
    values = {
        "state": "accepted",
        "decided_at": _timestamp(data["accepted_at"]),
        "requires_investment_committee": bool(data["requires_investment_committee"]),
    }
    details = {"note": data.get("note"), "business_case_version": data.get("business_case_version")}
    return values, f"Accepted by {actor}", details


def _unknown(data: Mapping[str, Any], actor: str) -> Change:
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


def _actor(event: ReceivedEvent) -> str:
    return event.actor_name or event.actor_id


def _timestamp(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {value!r}")
    return parsed


def _money(value: Any) -> tuple[Decimal | None, str | None]:
    if value is None:
        return None, None
    return Decimal(str(value["amount"])).quantize(CENT), str(value["currency"])


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_TEXT_LIMIT else text[: SUMMARY_TEXT_LIMIT - 1] + "…"


# -- the handler ----------------------------------------------------------------------------


class DemandProjection:
    """Consumer handler (pmo_kernel.consumer.Handler) keeping `demands` and `demand_history`.

    `apply` takes a whole batch in two round trips whatever its size: lock and read the rows it
    touches, fold the events in memory (`evolve`), write everything back with one statement
    (statements.py). `handle`, the one-event entry point of the kernel's Handler protocol, is
    a batch of one.
    """

    name = PROJECTION_NAME

    def __init__(self, schema: str = "reporting") -> None:
        self.schema = schema
        self.statements = Statements(schema, PROJECTION_NAME)
        self.skipped = 0  # events found already applied by version (observability, tests)

    async def handle(self, conn: asyncpg.Connection, event: ReceivedEvent) -> None:
        await self.apply(conn, [event])

    async def handle_batch(self, conn: asyncpg.Connection, events: Sequence[ReceivedEvent]) -> None:
        await self.apply(conn, events)

    async def apply(
        self, conn: asyncpg.Connection, events: Sequence[ReceivedEvent]
    ) -> list[Applied]:
        """Apply `events` (in stream order per demand) inside the caller's transaction."""
        ours = [e for e in events if e.stream_type == STREAM_TYPE]  # others share no rows
        if not ours:
            return []
        rows = await self.statements.lock_rows(conn, {e.subject for e in ours})
        applied: list[Applied] = []
        for event in ours:
            result = evolve(rows.get(event.subject), event)
            if result is None:
                self.skipped += 1
                log.debug("demand %s v%s already applied", event.subject, event.sequence)
                continue
            rows[event.subject] = result.row
            applied.append(result)
        if applied:
            await self.statements.write(conn, applied)
        return applied

    async def after_commit(self, events: Sequence[ReceivedEvent]) -> None:
        """Nothing to do: the NOTIFY was part of the transaction (see changes.py), so it is
        delivered at commit, and never lost to a crash between a commit and this call."""
