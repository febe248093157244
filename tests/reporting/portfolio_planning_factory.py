"""Portfolio planning events as the projector receives them: budget envelopes, scenarios,
programmes, an item's programme and a meeting's scenario adoption, with the JSON payloads of
services/portfolio/pmo_portfolio/domain/planning/events.py (model_dump(mode="json"))."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.reporting.portfolio_factory import PMO, T0, Item, Stream, money


class Envelope(Stream):
    def __init__(self, envelope_id: str, at: datetime = T0) -> None:
        super().__init__("budget-envelope", envelope_id, at)
        self.envelope_version = 0

    def opened(self, year: int = 2026, amount: str = "500000.00") -> Envelope:
        self.envelope_version = 1
        self.add(
            "BudgetEnvelopeOpened",
            {
                "envelope_id": self.subject,
                "year": year,
                "amount": money(amount),
                "description": f"IT portfolio {year}",
                "envelope_version": 1,
                "opened_by": PMO,
                "opened_at": self.now,
            },
        )
        return self

    def revised(self, amount: str, previous: str, reason: str = "Budget review") -> Envelope:
        self.envelope_version += 1
        self.add(
            "BudgetEnvelopeRevised",
            {
                "envelope_id": self.subject,
                "envelope_version": self.envelope_version,
                "previous_amount": money(previous),
                "amount": money(amount),
                "reason": reason,
                "revised_by": PMO,
                "revised_at": self.now,
            },
        )
        return self

    def closed(self, reason: str | None = "Year over") -> Envelope:
        self.add(
            "BudgetEnvelopeClosed",
            {
                "envelope_id": self.subject,
                "envelope_version": self.envelope_version,
                "reason": reason,
                "closed_by": PMO,
                "closed_at": self.now,
            },
        )
        return self

    def arbitration(
        self, year: int, envelope: str, committed: str, over_by: str, items: list[str]
    ) -> Envelope:
        self.add(
            "ArbitrationRequested",
            {
                "envelope_id": self.subject,
                "year": year,
                "envelope_version": self.envelope_version,
                "envelope": money(envelope),
                "committed": money(committed),
                "over_by": money(over_by),
                "item_ids": items,
                "requested_by": PMO,
                "requested_at": self.now,
            },
        )
        return self


def candidate(
    item_id: str, score: str, costs: dict[str, str], *, mandatory: bool = False
) -> dict[str, Any]:
    return {
        "id": item_id,
        "title": f"Item {item_id}",
        "score": score,
        "cost_by_year": costs,
        "demand_by_role_period": {"developer": {"2026-Q3": "100"}},
        "mandatory": mandatory,
    }


CANDIDATES = [
    candidate("P-1", "62.5", {"2026": "40000", "2027": "60000"}),
    candidate("P-2", "40", {"2026": "50000"}, mandatory=True),
    candidate("P-3", "60", {"2026": "80000"}),
]


class Scenario(Stream):
    def __init__(self, scenario_id: str, at: datetime = T0) -> None:
        super().__init__("scenario", scenario_id, at)

    def saved(
        self,
        selected: list[str],
        *,
        name: str = "Baseline",
        value: str = "102.5",
        used: dict[str, str] | None = None,
        currency: str = "EUR",
    ) -> Scenario:
        self.add(
            "ScenarioSaved",
            {
                "scenario_id": self.subject,
                "name": name,
                "description": f"{name}: what fits the 2026 envelope",
                "inputs": {
                    "candidates": CANDIDATES,
                    "budgets": {"2026": "150000", "2027": "100000"},
                    "currency": currency,
                    "capacity": {"developer": {"2026-Q3": "300"}},
                    "dependencies": [["P-3", "P-1"]],
                    "exclusions": [],
                },
                "result": {
                    "selected": selected,
                    "total_value": value,
                    "budget_used": used or {"2026": "90000", "2027": "60000"},
                    "capacity_used": {"developer": {"2026-Q3": "200"}},
                    "binding_constraints": ["budget 2026"],
                    "optimal": True,
                    "solver": "highs",
                    "solved_at": self.now,
                },
                "saved_by": PMO,
                "saved_at": self.now,
            },
        )
        return self

    def adopted(self, decision_id: str, meeting_id: str, selected: list[str]) -> Scenario:
        self.add(
            "ScenarioAdopted",
            {
                "scenario_id": self.subject,
                "decision_id": decision_id,
                "meeting_id": meeting_id,
                "body_id": "IC",
                "selected": selected,
                "adopted_by": "carol",
                "adopted_at": self.now,
            },
        )
        return self

    def archived(self, reason: str | None = "Superseded") -> Scenario:
        self.add(
            "ScenarioArchived",
            {
                "scenario_id": self.subject,
                "reason": reason,
                "archived_by": PMO,
                "archived_at": self.now,
            },
        )
        return self


def programme(programme_id: str, name: str = "Finance transformation") -> Stream:
    found = Stream("programme", programme_id)
    found.add(
        "ProgrammeEstablished",
        {
            "programme_id": programme_id,
            "name": name,
            "description": f"{name}, all its projects",
            "sponsor": "cfo",
            "established_by": PMO,
            "established_at": found.now,
        },
    )
    return found


def assigned(item: Item, programme_id: str | None, previous: str | None = None) -> Item:
    item.add(
        "ItemAssignedToProgramme",
        {
            "item_id": item.subject,
            "programme_id": programme_id,
            "previous_programme_id": previous,
            "assigned_by": PMO,
            "assigned_at": item.now,
        },
    )
    return item


def planned(item: Item, start: str, end: str, costs: dict[str, str]) -> Item:
    item.add(
        "ItemPlanned",
        {
            "item_id": item.subject,
            "start_quarter": start,
            "end_quarter": end,
            "cost_per_year": {year: money(cost) for year, cost in costs.items()},
            "planned_by": PMO,
            "planned_at": item.now,
        },
    )
    return item


def adoption_recorded(
    meeting: Stream, decision_id: str, scenario_id: str, selected: list[str]
) -> Stream:
    meeting.add(
        "ScenarioAdoptionRecorded",
        {
            "meeting_id": meeting.subject,
            "decision_id": decision_id,
            "scenario_id": scenario_id,
            "body_id": "IC",
            "participants": ["carol", "dave"],
            "rationale": "Best value within the envelope",
            "selected": selected,
            "decided_at": meeting.now,
        },
    )
    return meeting
