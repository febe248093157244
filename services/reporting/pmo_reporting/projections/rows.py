"""The read model's rows as plain data, and the field-by-field diff history lines record.

A demand row is a dict keyed by the `demands` columns (DEMAND_COLUMNS); the projection folds
events into it in memory and statements.py writes the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pmo_reporting.changes import ChangeNotice

# Column → SQL type of the `demands` table (statements.py casts parameters to these).
DEMAND_COLUMNS: Mapping[str, str] = {
    "id": "text",
    "version": "integer",
    "state": "text",
    "title": "text",
    "description": "text",
    "requester": "text",
    "sponsor": "text",
    "department": "text",
    "category": "text",
    "urgency": "text",
    "strategic_objectives": "jsonb",
    "desired_start_quarter": "text",
    "desired_end_quarter": "text",
    "business_case": "jsonb",
    "business_case_version": "integer",
    "estimated_cost": "numeric",
    "estimated_cost_currency": "text",
    "requires_investment_committee": "boolean",
    "rejection_reason": "text",
    "withdrawal_reason": "text",
    "open_questions": "jsonb",
    "submitted_at": "timestamptz",
    "qualified_at": "timestamptz",
    "decided_at": "timestamptz",
    "updated_at": "timestamptz",
    "last_actor_id": "text",
}
JSONB_COLUMNS = frozenset(c for c, t in DEMAND_COLUMNS.items() if t == "jsonb")

# Set by every event but not news in a history line: bookkeeping of the projection itself.
BOOKKEEPING = frozenset({"id", "version", "updated_at", "last_actor_id"})

Row = dict[str, Any]


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a demand's history: `demand_history`."""

    demand_id: str
    version: int
    event_id: UUID
    event_type: str
    actor_id: str
    actor_name: str | None
    occurred_at: datetime
    summary: str
    changes: Mapping[str, Any]  # {field: {"from": old, "to": new}}, JSON-ready
    details: Mapping[str, Any]  # what the event said beyond the row (answers, notes, rules)


@dataclass(frozen=True)
class Applied:
    """What one event did: the demand row after it, and the history line it adds."""

    row: Row
    history: HistoryEntry

    @property
    def notice(self) -> ChangeNotice:
        return ChangeNotice(self.history.demand_id, self.history.version, self.history.event_type)


def changed_fields(
    before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str]
) -> dict[str, Any]:
    """{field: {"from": old, "to": new}} for the `fields` whose value differs, JSON-ready.

    An object on both sides (the business case) is compared key by key and reported as
    "business_case.<key>", so a revision lists what moved rather than the whole case twice.
    """
    # Hot: once per projected event, over every column a submission sets. Plain JSON values
    # (the common case) skip `jsonable`; a missing old value skips the comparisons.
    changes: dict[str, Any] = {}
    for field in fields:
        if field in BOOKKEEPING:
            continue
        new = after.get(field)
        old = before.get(field)
        if old is None:
            if new is None or new == []:
                continue
            if isinstance(new, dict):
                for key, item in new.items():
                    if item is not None and item != []:
                        changes[f"{field}.{key}"] = {"from": None, "to": item}
            else:
                changes[field] = {
                    "from": None,
                    "to": new if type(new) in _PLAIN else jsonable(new),
                }
            continue
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            for key in sorted(old.keys() | new.keys()):
                if old.get(key) != new.get(key):
                    changes[f"{field}.{key}"] = {"from": old.get(key), "to": new.get(key)}
        else:
            changes[field] = {"from": jsonable(old), "to": jsonable(new)}
    return changes


# Values `jsonable` returns as they are (exact types: a subclass goes through `jsonable`).
_PLAIN = frozenset({str, int, bool, float, list, dict, type(None)})


def jsonable(value: Any) -> Any:
    """A column value as JSON shows it: money as a decimal string, times as ISO-8601."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
