"""Demand events as the projector receives them from Kafka: CloudEvents with JSON payloads.

The payloads follow services/demand/pmo_demand/domain/events.py (model_dump(mode="json")):
money as {"amount": "<decimal string>", "currency": "EUR"}, times as ISO-8601 strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pmo_kernel.cloudevents import ReceivedEvent
from tests.reporting.records import received_event

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
REQUESTER = "alice"
ANALYST = "bob"
NAMES = {REQUESTER: "Alice Martin", ANALYST: "Bob Analyst"}


def money(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def business_case(cost: str = "120000.00", **overrides: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "problem": "Invoices are keyed by hand",
        "objectives": ["Cut processing time by half"],
        "estimated_cost": money(cost),
        "effort_person_days": "250.5",
        "expected_benefits": "Fewer errors",
        "benefits_estimate": money("300000.00"),
        "risks": ["Vendor lock-in"],
        "options_considered": ["Do nothing"],
    }
    case.update(overrides)
    return case


def received(
    event_type: str,
    demand_id: str,
    version: int,
    data: dict[str, Any],
    *,
    actor: str = REQUESTER,
    at: datetime = T0,
) -> ReceivedEvent:
    return received_event(
        "demand", "demand", demand_id, version, event_type, {"demand_id": demand_id, **data},
        at=at, actor=actor, actor_name=NAMES.get(actor),
    )  # fmt: skip


@dataclass
class DemandStory:
    """Builds one demand's events in order, versions and times counted for you."""

    demand_id: str
    at: datetime = T0
    version: int = 0
    events: list[ReceivedEvent] = field(default_factory=list)

    def _add(self, event_type: str, data: dict[str, Any], actor: str) -> ReceivedEvent:
        self.version += 1
        event = received(event_type, self.demand_id, self.version, data, actor=actor, at=self.at)
        self.events.append(event)
        self.at += timedelta(days=1)
        return event

    def submitted(
        self,
        title: str = "Automate invoice matching",
        *,
        department: str = "Finance",
        category: str = "project",
        urgency: str = "high",
        case: dict[str, Any] | None = None,
        requester: str = REQUESTER,
        sponsor: str | None = "CFO",
    ) -> ReceivedEvent:
        content = {
            "title": title,
            "description": "Match supplier invoices to orders automatically",
            "sponsor": sponsor,
            "department": department,
            "category": category,
            "urgency": urgency,
            "strategic_objectives": ["Operational excellence"],
            "desired_start_quarter": "2026-Q2",
            "desired_end_quarter": "2026-Q4",
        }
        return self._add(
            "DemandSubmitted",
            {
                "requester": requester,
                "content": content,
                "business_case": case,
                "business_case_version": 1 if case is not None else None,
                "submitted_at": self.at.isoformat(),
            },
            requester,
        )

    def revised(
        self, case_version: int, case: dict[str, Any], actor: str = ANALYST
    ) -> ReceivedEvent:
        return self._add(
            "BusinessCaseRevised",
            {
                "version": case_version,
                "business_case": case,
                "revised_by": actor,
                "revised_at": self.at.isoformat(),
            },
            actor,
        )

    def information_requested(self, *questions: str) -> ReceivedEvent:
        return self._add(
            "InformationRequested",
            {
                "questions": list(questions),
                "requested_by": ANALYST,
                "requested_at": self.at.isoformat(),
            },
            ANALYST,
        )

    def information_provided(self, answers: str) -> ReceivedEvent:
        return self._add(
            "InformationProvided",
            {"answers": answers, "provided_by": REQUESTER, "provided_at": self.at.isoformat()},
            REQUESTER,
        )

    def qualified(
        self, *, committee: bool = False, cost: str | None = "120000.00"
    ) -> ReceivedEvent:
        return self._add(
            "DemandQualified",
            {
                "rules_version": "2026.1",
                "rules_evaluated": ["business-case-complete"],
                "requires_investment_committee": committee,
                "business_case_version": 1,
                "estimated_cost": money(cost) if cost else None,
                "note": "Looks sound",
                "qualified_by": ANALYST,
                "qualified_at": self.at.isoformat(),
            },
            ANALYST,
        )

    def rejected(self, reason: str) -> ReceivedEvent:
        return self._add(
            "DemandRejected",
            {"reason": reason, "rejected_by": ANALYST, "rejected_at": self.at.isoformat()},
            ANALYST,
        )

    def withdrawn(self, reason: str | None = None) -> ReceivedEvent:
        return self._add(
            "DemandWithdrawn",
            {"reason": reason, "withdrawn_by": REQUESTER, "withdrawn_at": self.at.isoformat()},
            REQUESTER,
        )

    def accepted(self, *, committee: bool = False) -> ReceivedEvent:
        return self._add(
            "DemandAccepted",
            {
                "business_case_version": 1,
                "estimated_cost": money("120000.00"),
                "requires_investment_committee": committee,
                "note": None,
                "accepted_by": ANALYST,
                "accepted_at": self.at.isoformat(),
            },
            ANALYST,
        )
