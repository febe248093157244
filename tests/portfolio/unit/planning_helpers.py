"""The "given" builders shared by the planning test modules: envelopes, plans, scenarios."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.events import Actor, DomainEvent, EventMetadata
from pmo_kernel.money import Money
from pmo_kernel.recorded import RecordedEvent
from pmo_portfolio.domain.planning import (
    BudgetEnvelope,
    PlannedItem,
    Scenario,
    ScenarioInputs,
    ScenarioResult,
)
from pmo_portfolio.domain.registry import registry
from tests.portfolio.unit.governance_helpers import saved

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=14)
PLANNER = "pat"


def eur(amount: str | int | Decimal) -> Money:
    return Money.of(amount, "EUR")


def envelope(
    amount: str = "1000000", *, year: int = 2027, envelope_id: str | None = None
) -> BudgetEnvelope:
    """A stored envelope at version 1."""
    return saved(
        BudgetEnvelope.open(
            envelope_id or str(year),
            year=year,
            amount=eur(amount),
            description=f"IT portfolio {year}",
            actor_id=PLANNER,
            now=NOW,
        )
    )


def planned(
    item_id: str, start: str, end: str, costs: Mapping[int, str] | None = None, title: str = ""
) -> PlannedItem:
    return PlannedItem(
        item_id,
        start,
        end,
        {year: eur(cost) for year, cost in (costs or {}).items()},
        title or f"Item {item_id}",
    )


def inputs(**overrides: Any) -> dict[str, Any]:
    """A selection problem as the optimiser takes it: three candidates over two years."""
    problem: dict[str, Any] = {
        "candidates": [
            {
                "id": "A",
                "title": "CRM replacement",
                "score": Decimal("8.5"),
                "cost_by_year": {2027: Decimal("400000"), 2028: Decimal("100000")},
                "demand_by_role_period": {"developer": {"2027-Q1": Decimal("120")}},
                "mandatory": True,
            },
            {
                "id": "B",
                "title": "Data lake",
                "score": Decimal("6"),
                "cost_by_year": {2027: Decimal("300000")},
                "demand_by_role_period": {"developer": {"2027-Q1": Decimal("80")}},
            },
            {
                "id": "C",
                "title": "Mobile app",
                "score": Decimal("5.25"),
                "cost_by_year": {2028: Decimal("250000")},
            },
        ],
        "budgets": {2027: Decimal("800000"), 2028: Decimal("500000")},
        "currency": "EUR",
        "capacity": {"developer": {"2027-Q1": Decimal("200")}},
        "dependencies": [("C", "A")],
        "exclusions": [("B", "C")],
    }
    problem.update(overrides)
    return problem


def result(selected: Sequence[str] = ("A", "B"), **overrides: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "selected": tuple(selected),
        "total_value": Decimal("14.5"),
        "budget_used": {2027: Decimal("700000"), 2028: Decimal("100000")},
        "capacity_used": {"developer": {"2027-Q1": Decimal("200")}},
        "binding_constraints": ("capacity developer 2027-Q1",),
        "optimal": True,
        "solver": "highs",
        "solved_at": NOW,
    }
    answer.update(overrides)
    return answer


def scenario(
    scenario_id: str = "S-1",
    *,
    name: str = "Max value",
    problem: Mapping[str, Any] | None = None,
    answer: Mapping[str, Any] | None = None,
) -> Scenario:
    """A stored saved scenario."""
    return saved(
        Scenario.save(
            scenario_id,
            name=name,
            description="Everything that fits the 2027 envelope",
            inputs=ScenarioInputs.model_validate(problem or inputs()),
            result=ScenarioResult.model_validate(answer or result()),
            actor_id=PLANNER,
            now=NOW,
        )
    )


A = TypeVar("A", bound=Aggregate)


def through_json(event: DomainEvent) -> DomainEvent:
    """The event as the store gives it back: its JSON payload decoded by the registry."""
    return registry.decode_json(event.event_type, event.schema_version, event.model_dump_json())


def reloaded(aggregate: A, events: Sequence[DomainEvent]) -> A:
    """A fresh aggregate of the same kind folded from `events` after a JSON round-trip."""
    metadata = EventMetadata(actor=Actor(id=PLANNER))
    history = [
        RecordedEvent.of(
            through_json(event),
            metadata,
            stream_type=aggregate.stream_type,
            stream_id=aggregate.id,
            stream_version=index,
        )
        for index, event in enumerate(events, start=1)
    ]
    return type(aggregate).load(aggregate.id, history)
