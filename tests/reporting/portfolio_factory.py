"""Portfolio events as the projector receives them: CloudEvents with the JSON payloads of
services/portfolio/pmo_portfolio/domain/{governance,scoring}/events.py (model_dump(mode="json"))."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.db import asyncpg_dsn
from pmo_kernel.scoring import wsjf_criteria
from pmo_reporting.projections.portfolio import PortfolioProjection
from tests.reporting.records import received_event

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PMO = "pmo-1"
WSJF_MODEL_ID = "WSJF"
SCHEME = {
    "gates": [
        {"code": "G0", "name": "Idea"},
        {"code": "G1", "name": "Demand accepted"},
        {"code": "G2", "name": "Business case"},
        {"code": "G3", "name": "Delivery"},
        {"code": "G4", "name": "Closure"},
    ],
    "entry_gate": "G1",
    "planning_gate": "G2",
}


def money(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def criterion(
    key: str,
    weight: str,
    *,
    low: int = 1,
    high: int = 5,
    direction: str = "higher_is_better",
    dimension: str | None = "value",
    mandatory_when_at_least: int | None = None,
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "key": key,
        "label": key.replace("_", " ").title(),
        "weight": weight,
        "scale": {"min": low, "max": high, "values": None},
        "direction": direction,
        "mandatory_when_at_least": mandatory_when_at_least,
    }
    if dimension is not None:
        found["dimension"] = dimension
    return found


# Value 50 % (1–5), regulatory 20 % (0–1, mandatory at 1), delivery risk 30 % (1–5, inverse).
CRITERIA = [
    criterion("value", "50"),
    criterion("regulatory", "20", low=0, high=1, mandatory_when_at_least=1),
    criterion("delivery_risk", "30", direction="inverse", dimension="risk"),
]


def event(
    event_type: str,
    stream_type: str,
    subject: str,
    version: int,
    data: dict[str, Any],
    *,
    at: datetime = T0,
    actor: str = PMO,
) -> ReceivedEvent:
    return received_event(
        "portfolio", stream_type, subject, version, event_type, data, at=at, actor=actor
    )


@dataclass
class Stream:
    """One stream's events in order, versions and times counted for you."""

    stream_type: str
    subject: str
    at: datetime = T0
    version: int = 0
    events: list[ReceivedEvent] = field(default_factory=list)

    def add(self, event_type: str, data: dict[str, Any]) -> ReceivedEvent:
        self.version += 1
        made = event(event_type, self.stream_type, self.subject, self.version, data, at=self.at)
        self.events.append(made)
        self.at += timedelta(hours=1)  # `now` in the next payload is the next event's time
        return made

    @property
    def now(self) -> str:
        return self.at.isoformat()


def decision(
    decision_id: str,
    item_id: str,
    *,
    gate: str = "G2",
    outcome: str = "approve",
    meeting_id: str = "M-1",
    business_case_version: int | None = 1,
    score: str | None = "62.50",
    at: datetime = T0,
    body_id: str = "IC",
    body_kind: str = "investment_committee",
    awaiting: list[str] | None = None,
    earlier: list[str] | None = None,
    capacity_version: int | None = None,
) -> dict[str, Any]:
    """A Decision payload. Joint sign-off fields only when given (`awaiting`: the body kinds
    still to approve, `earlier`: the approvals it counts with): without them, as published
    before joint sign-off existed; so is `capacity_version`."""
    joint: dict[str, Any] = {}
    if awaiting is not None:
        joint["awaiting_approval_from"] = awaiting
    if earlier is not None:
        joint["earlier_approvals"] = earlier
    if capacity_version is not None:
        joint["capacity_version"] = capacity_version
    return {
        **joint,
        "decision_id": decision_id,
        "item_id": item_id,
        "gate": gate,
        "outcome": outcome,
        "body_id": body_id,
        "body_kind": body_kind,
        "meeting_id": meeting_id,
        "participants": ["carol", "dave"],
        "rationale": "Strong value for a moderate risk",
        "conditions": [],
        "business_case_version": business_case_version,
        "business_case": {"problem": "Slow invoicing", "cost": "100000.00"}
        if business_case_version
        else {},
        "facts": {
            "estimated_cost": money("100000.00"),
            "category": "project",
            "department": "Finance",
            "risk_level": "medium",
            "requires_investment_committee": True,
        },
        "scoring_model_id": "SM-1" if score else None,
        "scoring_model_version": 1 if score else None,
        "consolidated_score": score,
        "evaluator_count": 2 if score else 0,
        "rule_set_version": 3,
        "applied_rules": [
            {
                "rule_id": "big-spend",
                "description": "Large investments go to the investment committee",
                "gate": "G2",
                "body_kind": "investment_committee",
                "mode": "must_approve",
                "reason": "estimated cost EUR 100,000.00 > EUR 50,000.00",
            }
        ],
        "budget_envelope_id": "BE-2026",
        "budget_envelope_version": 4,
        "decided_at": at.isoformat(),
    }


class Item(Stream):
    def __init__(self, item_id: str, at: datetime = T0) -> None:
        super().__init__("portfolio-item", item_id, at)

    def registered(
        self,
        title: str = "Invoice matching",
        *,
        department: str = "Finance",
        cost: str | None = "100000.00",
        gate: str = "G1",
        currency: str = "EUR",
        requester: str = "alice",
        sponsor: str | None = None,
    ) -> Item:
        self.add(
            "CandidateRegistered",
            {
                "item_id": self.subject,
                "title": title,
                "department": department,
                "category": "project",
                "requester": requester,
                "sponsor": sponsor,
                "risk_level": "medium",
                "estimated_cost": money(cost, currency) if cost else None,
                "business_case_version": 1,
                "business_case": {
                    "problem": "Slow invoicing",
                    "cost": cost,
                    "estimated_cost": money(cost, currency) if cost else None,
                },
                "requires_investment_committee": False,
                "desired_start_quarter": "2026-Q3",
                "desired_end_quarter": "2027-Q2",
                "gate_scheme": SCHEME,
                "current_gate": gate,
                "registered_by": PMO,
                "registered_at": self.now,
            },
        )
        return self

    def revised(self, version: int, cost: str = "150000.00") -> Item:
        self.add(
            "BusinessCaseRevisionNoted",
            {
                "item_id": self.subject,
                "version": version,
                "business_case": {"problem": "Slow invoicing", "cost": cost},
                "estimated_cost": money(cost),
                "noted_by": PMO,
                "noted_at": self.now,
            },
        )
        return self

    def scored(
        self, evaluator: str, value: int, regulatory: int, risk: int, *, model_version: int = 1
    ) -> Item:
        keys = {"value": value, "regulatory": regulatory, "delivery_risk": risk}
        return self.evaluated(evaluator, "SM-1", model_version, keys)

    def wsjf_scored(
        self,
        evaluator: str,
        business_value: int,
        time_criticality: int,
        risk_reduction: int,
        job_size: int,
        *,
        model_id: str = WSJF_MODEL_ID,
    ) -> Item:
        keys = {
            "business_value": business_value,
            "time_criticality": time_criticality,
            "risk_reduction": risk_reduction,
            "job_size": job_size,
        }
        return self.evaluated(evaluator, model_id, 1, keys)

    def evaluated(
        self, evaluator: str, model_id: str, model_version: int, keys: dict[str, int]
    ) -> Item:
        self.add(
            "ItemScored",
            {
                "item_id": self.subject,
                "evaluator_id": evaluator,
                "model_id": model_id,
                "model_version": model_version,
                "scores": keys,
                "justifications": {k: f"{k} by {evaluator}" for k in keys},
                "scored_at": self.now,
            },
        )
        return self

    def decided(
        self,
        decision_id: str,
        state: str = "approved",
        gate: str = "G2",
        made: dict[str, Any] | None = None,
    ) -> Item:
        made = made or decision(decision_id, self.subject, gate=gate, at=self.at)
        self.add(
            "ItemDecided",
            {"item_id": self.subject, "decision": made, "state": state, "current_gate": gate},
        )
        return self

    def planned(self) -> Item:
        self.add(
            "ItemPlanned",
            {
                "item_id": self.subject,
                "start_quarter": "2026-Q3",
                "end_quarter": "2027-Q2",
                "cost_per_year": {"2026": money("40000.00"), "2027": money("60000.00")},
                "planned_by": PMO,
                "planned_at": self.now,
            },
        )
        return self


def scoring_model(
    model_id: str = "SM-1",
    *,
    name: str = "Value and risk",
    kind: str = "weighted",
    criteria: list[dict[str, Any]] | None = None,
) -> Stream:
    criteria = CRITERIA if criteria is None else criteria
    model = Stream("scoring-model", model_id)
    model.add(
        "ScoringModelCreated",
        {
            "model_id": model_id,
            "name": name,
            "kind": kind,
            "criteria": criteria,
            "created_by": PMO,
            "created_at": model.now,
        },
    )
    model.add(
        "ScoringModelVersionPublished",
        {
            "model_id": model_id,
            "version": 1,
            "name": name,
            "kind": kind,
            "criteria": criteria,
            "published_by": PMO,
            "published_at": model.now,
        },
    )
    return model


def wsjf_scoring_model(model_id: str = WSJF_MODEL_ID) -> Stream:
    """The built-in WSJF model, published as version 1 (criteria as the portfolio service
    publishes them)."""
    criteria = [c.model_dump(mode="json") for c in wsjf_criteria()]
    return scoring_model(model_id, name="WSJF", kind="wsjf", criteria=criteria)


def body(body_id: str = "IC") -> Stream:
    found = Stream("governance-body", body_id)
    found.add(
        "GovernanceBodyEstablished",
        {
            "body_id": body_id,
            "kind": "investment_committee",
            "name": "Investment committee",
            "established_by": PMO,
            "established_at": found.now,
        },
    )
    for person, role in (("carol", "chair"), ("dave", "member"), ("erin", "member")):
        found.add(
            "BodyMemberAdded",
            {
                "body_id": body_id,
                "person_id": person,
                "role": role,
                "added_by": PMO,
                "added_at": found.now,
            },
        )
    found.add(
        "BodyMemberRemoved",
        {
            "body_id": body_id,
            "person_id": "erin",
            "role": "member",
            "removed_by": PMO,
            "removed_at": found.now,
        },
    )
    found.add(
        "DecisionRightGranted",
        {
            "body_id": body_id,
            "gate": "G2",
            "granted": ["approve", "reject"],
            "allowed": ["approve", "reject"],
            "granted_by": PMO,
            "granted_at": found.now,
        },
    )
    return found


def meeting(meeting_id: str, decided: list[dict[str, Any]], body_id: str = "IC") -> Stream:
    found = Stream("meeting", meeting_id)
    found.add(
        "MeetingScheduled",
        {
            "meeting_id": meeting_id,
            "body_id": body_id,
            "date": "2026-03-20",
            "title": "March investment committee",
            "scheduled_by": PMO,
            "scheduled_at": found.now,
        },
    )
    for made in decided:
        found.add(
            "AgendaItemAdded",
            {
                "meeting_id": meeting_id,
                "item_id": made["item_id"],
                "gate": made["gate"],
                "purpose": "Business case approval",
                "added_by": PMO,
                "added_at": found.now,
            },
        )
    for made in decided:
        found.add(
            "DecisionRecorded",
            {
                "meeting_id": meeting_id,
                "decision": made,
                "recorded_by": "carol",
                "recorded_at": found.now,
            },
        )
    found.add(
        "MeetingClosed",
        {
            "meeting_id": meeting_id,
            "decision_ids": [made["decision_id"] for made in decided],
            "undecided_item_ids": [],
            "closed_by": "carol",
            "closed_at": found.now,
        },
    )
    return found


FOUR_GATES = {
    "gates": [
        {"code": "G0", "name": "idea"},
        {"code": "G1", "name": "qualified"},
        {"code": "G2", "name": "funded"},
        {"code": "G3", "name": "closed"},
    ],
    "entry_gate": "G1",
    "planning_gate": "G2",
}


def routing_rules(version: int = 3) -> Stream:
    found = Stream("routing-rules", "default")
    for number in range(1, version + 1):
        found.add(
            "RoutingRulesPublished",
            {
                "rule_set_id": "default",
                "version": number,
                "rules": [
                    {
                        "id": "big-spend",
                        "description": "Large investments go to the investment committee",
                        "condition": {
                            "field": "estimated_cost",
                            "op": "gt",
                            "value": money(f"{50000 * number}.00"),
                        },
                        "gate": "G2",
                        "body_kind": "investment_committee",
                        "mode": "must_approve",
                    }
                ],
                "base_currency": "EUR",
                "exchange_rates": {"USD": "0.92"},
                "published_by": PMO,
                "published_at": found.now,
                # Versions before the last were published before gate schemes were.
                **({"gates": FOUR_GATES} if number == version else {}),
            },
        )
    return found


async def project_portfolio(
    database_url: str, events: list[ReceivedEvent], *, batch: bool = True
) -> PortfolioProjection:
    """Apply `events` in one transaction: one `apply` for the batch, or one `handle` each."""
    projection = PortfolioProjection()
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        async with conn.transaction():
            if batch:
                await projection.apply(conn, events)
            else:
                for one in events:
                    await projection.handle(conn, one)
    finally:
        await conn.close()
    return projection
