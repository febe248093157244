"""The rows a capacity projection batch has in hand (`State`), by table, and the stream types
whose main row each table holds: what capacity.py folds the calendar and people events into,
capacity_staffing.py the requests, proposals and skills events and capacity_drafts.py the
staffing drafts' events, none importing another's rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pmo_kernel.cloudevents import ReceivedEvent

CALENDAR, PERSON, REQUEST, PROPOSAL, SKILLS = "calendar", "person", "request", "proposal", "skills"
DRAFT = "draft"
# Stream type → the table of its main row (the skills catalogue adds rows: it has none).
MAIN_TABLES: Mapping[str, str] = {
    CALENDAR: "calendars",
    PERSON: "people",
    REQUEST: "resource_requests",
    PROPOSAL: "staffing_proposals",
    DRAFT: "staffing_drafts",
}

Row = dict[str, Any]


@dataclass
class State:
    """The rows a batch reads and changes: main rows by stream id, the rest by their key."""

    calendars: dict[str, Row] = field(default_factory=dict)
    people: dict[str, Row] = field(default_factory=dict)
    reports: dict[tuple[str, str], Row] = field(default_factory=dict)  # (person, week)
    allocations: dict[str, Row] = field(default_factory=dict)
    requests: dict[str, Row] = field(default_factory=dict)
    proposals: dict[str, Row] = field(default_factory=dict)
    drafts: dict[str, Row] = field(default_factory=dict)
    skills: dict[str, Row] = field(default_factory=dict)  # by name
    versions: dict[str, int] = field(default_factory=dict)  # stream key → version applied
    changed: set[tuple[str, str]] = field(default_factory=set)  # (table, key) to write

    def rows_of(self, table: str) -> dict[str, Row]:
        rows: dict[str, Row] = {
            "calendars": self.calendars,
            "people": self.people,
            "allocations": self.allocations,
            "resource_requests": self.requests,
            "staffing_proposals": self.proposals,
            "staffing_drafts": self.drafts,
            "skills": self.skills,
        }[table]
        return rows

    def main_row(self, event: ReceivedEvent) -> Row | None:
        table = MAIN_TABLES.get(event.stream_type)
        return None if table is None else self.rows_of(table).get(event.subject)
