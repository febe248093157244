"""Demand unit tests. This package also holds the "given" builders the test modules share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pmo_demand.domain import (
    AcceptDemand,
    BusinessCase,
    Demand,
    DemandCategory,
    DemandContent,
    DemandState,
    GovernanceRules,
    ProvideInformation,
    QualifyDemand,
    RejectDemand,
    RequestInformation,
    ReviseBusinessCase,
    SubmitDemand,
    Urgency,
    WithdrawDemand,
)
from pmo_kernel.events import Actor, DomainEvent, EventMetadata
from pmo_kernel.money import Money
from pmo_kernel.recorded import RecordedEvent

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LATER = NOW + timedelta(days=3)
REQUESTER = "alice"
ANALYST = "pat"
STRANGER = "mallory"
DEMAND_ID = "D-1"
RULES = GovernanceRules()


def content(**overrides: Any) -> DemandContent:
    fields: dict[str, Any] = {
        "title": "Replace the ticketing system",
        "description": "The current tool is out of support.",
        "department": "IT Operations",
        "category": DemandCategory.PROJECT,
        "urgency": Urgency.HIGH,
        "strategic_objectives": ["Reduce run costs"],
        "desired_start_quarter": "2027-Q1",
        "desired_end_quarter": "2027-Q4",
    }
    fields.update(overrides)
    return DemandContent.model_validate(fields)


def business_case(**overrides: Any) -> BusinessCase:
    """A complete business case below the investment-committee threshold."""
    fields: dict[str, Any] = {
        "problem": "Tickets are lost between teams.",
        "objectives": ["One queue for every team"],
        "estimated_cost": Money.of("120000", "EUR"),
        "effort_person_days": Decimal("180"),
        "risks": ["Data migration"],
        "options_considered": ["Keep the current tool"],
    }
    fields.update(overrides)
    return BusinessCase.model_validate(fields)


def submitted(
    case: BusinessCase | None = None, *, without_case: bool = False, **content_overrides: Any
) -> Demand:
    """A freshly submitted demand whose submission is already stored (nothing pending)."""
    chosen = None if without_case else (case or business_case())
    demand = Demand.submit(
        DEMAND_ID,
        SubmitDemand(content=content(**content_overrides), business_case=chosen),
        REQUESTER,
        NOW,
    )
    return saved(demand)


def saved(demand: Demand) -> Demand:
    """Pretend the store appended the pending events, so `pending` shows only what comes next."""
    demand.mark_saved(demand.version + len(demand.pending), last_hash=None)
    return demand


def given_demand(state: DemandState, case: BusinessCase | None = None) -> Demand:
    """A stored demand that reached `state` by the shortest legal path."""
    demand = submitted(case)
    match state:
        case DemandState.SUBMITTED:
            pass
        case DemandState.INFORMATION_REQUESTED:
            ask(demand)
        case DemandState.INFORMATION_PROVIDED:
            ask(demand)
            demand.provide_information(ProvideInformation(answers="Yes."), REQUESTER, NOW)
        case DemandState.QUALIFIED:
            demand.qualify(QualifyDemand(), RULES, ANALYST, NOW)
        case DemandState.ACCEPTED:
            demand.qualify(QualifyDemand(), RULES, ANALYST, NOW)
            demand.accept(AcceptDemand(), ANALYST, NOW)
        case DemandState.REJECTED:
            demand.reject(RejectDemand(reason="Out of scope"), ANALYST, NOW)
        case DemandState.WITHDRAWN:
            demand.withdraw(WithdrawDemand(), REQUESTER, NOW)
    assert demand.state is state
    return saved(demand)


def ask(demand: Demand, *questions: str) -> None:
    command = RequestInformation(questions=list(questions) or ["Who else uses the tool?"])
    demand.request_information(command, ANALYST, NOW)


def perform(demand: Demand, command: str) -> None:
    """Issue `command` (a Demand method name) with valid arguments, as the right actor."""
    match command:
        case "revise_business_case":
            revised = business_case(effort_person_days=(demand.business_case_version or 0) + 200)
            demand.revise_business_case(ReviseBusinessCase(business_case=revised), REQUESTER, NOW)
        case "request_information":
            ask(demand)
        case "provide_information":
            demand.provide_information(ProvideInformation(answers="Yes."), REQUESTER, NOW)
        case "qualify":
            demand.qualify(QualifyDemand(), RULES, ANALYST, NOW)
        case "reject":
            demand.reject(RejectDemand(reason="Out of scope"), ANALYST, NOW)
        case "withdraw":
            demand.withdraw(WithdrawDemand(reason="No longer needed"), REQUESTER, NOW)
        case "accept":
            demand.accept(AcceptDemand(), ANALYST, NOW)
        case _:
            raise ValueError(f"unknown command {command}")


def recorded(event: DomainEvent, version: int, stream_id: str = DEMAND_ID) -> RecordedEvent:
    """A stored event built by hand. The one place to adapt if RecordedEvent changes shape."""
    return RecordedEvent.of(
        event,
        EventMetadata(actor=Actor(id=REQUESTER), occurred_at=NOW),
        stream_type="demand",
        stream_id=stream_id,
        stream_version=version,
        global_position=version,
        tx_id=1,
        recorded_at=NOW,
        hash=f"hash-{version}",
    )


def history_of(demand: Demand) -> list[RecordedEvent]:
    """The pending events of a demand built from scratch, numbered as the store would."""
    return [recorded(event, i) for i, event in enumerate(demand.pending, start=1)]
