"""What applying one event does to the read model, as plain data: the projection's pure output.

`InsertDemand` / `UpdateDemand` name the demand columns an event sets; `HistoryEntry` is the
line it adds to the demand's history. statements.py turns them into SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pmo_reporting.changes import ChangeNotice

# Column → SQL type of the `demands` table: parameters are cast to it, so one prepared
# statement serves every event of a type whatever Python value (None included) it carries.
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

# Set by every event but not news in a history line: bookkeeping of the projection itself.
BOOKKEEPING = frozenset({"id", "version", "updated_at", "last_actor_id"})


@dataclass(frozen=True)
class HistoryEntry:
    demand_id: str
    version: int
    event_id: UUID
    event_type: str
    actor_id: str
    actor_name: str | None
    occurred_at: datetime
    summary: str
    details: Mapping[str, Any]
    # Known up front for a new demand (everything is new); for an update the previous values
    # live in the row, so the statement computes them (None here).
    changes: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class InsertDemand:
    """A new demand row (the stream's first event); ignored if the row exists already."""

    demand_id: str
    values: Mapping[str, Any]  # every column of DEMAND_COLUMNS but `id`


@dataclass(frozen=True)
class UpdateDemand:
    """Set `values` on the demand row, only if it is at `version - 1`."""

    demand_id: str
    version: int
    updated_at: datetime
    last_actor_id: str
    values: Mapping[str, Any]  # the columns the event changes (no bookkeeping)


@dataclass(frozen=True)
class Projection:
    """Everything one event does: the row change, its history line, the commit-time notice."""

    row: InsertDemand | UpdateDemand
    history: HistoryEntry

    @property
    def version(self) -> int:
        return self.history.version

    @property
    def demand_id(self) -> str:
        return self.history.demand_id

    @property
    def notice(self) -> ChangeNotice:
        return ChangeNotice(self.demand_id, self.version, self.history.event_type)


def initial_changes(values: Mapping[str, Any]) -> dict[str, Any]:
    """{field: {"from": None, "to": value}} for a new row, in the shape the SQL diff gives for
    updates (a business case is listed key by key, as "business_case.<key>")."""
    changes: dict[str, Any] = {}
    for column, value in values.items():
        if column in BOOKKEEPING or value is None or value == []:
            continue
        if isinstance(value, dict):
            for key, item in value.items():
                if item is not None and item != []:
                    changes[f"{column}.{key}"] = {"from": None, "to": _jsonable(item)}
        else:
            changes[column] = {"from": None, "to": _jsonable(value)}
    return changes


def _jsonable(value: Any) -> Any:
    # As PostgreSQL renders the column in jsonb: numerics and times as text (see statements.py).
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bool, int, str, list, dict)):
        return value
    return str(value)
