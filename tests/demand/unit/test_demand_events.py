"""Events are stored as JSON and read back; the aggregate is rebuilt from a contiguous history."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from pmo_demand.domain import (
    BusinessCaseRevised,
    Demand,
    DemandAccepted,
    DemandQualified,
    DemandRejected,
    DemandState,
    DemandSubmitted,
    DemandWithdrawn,
    InformationProvided,
    InformationRequested,
    ProvideInformation,
    QualifyDemand,
    SubmitDemand,
    registry,
)
from pmo_kernel.errors import StreamCorrupted
from pmo_kernel.events import DomainEvent
from pmo_kernel.money import Money
from tests.demand.unit import (
    ANALYST,
    DEMAND_ID,
    NOW,
    REQUESTER,
    RULES,
    ask,
    business_case,
    content,
    history_of,
    recorded,
)

COMMON: dict[str, Any] = {"demand_id": DEMAND_ID}
COST = Money.of("120000.50", "GBP")

SAMPLES: list[DomainEvent] = [
    DemandSubmitted(
        **COMMON,
        requester=REQUESTER,
        content=content(sponsor="COO"),
        business_case=business_case(effort_person_days=Decimal("12.5"), benefits_estimate=COST),
        business_case_version=1,
        submitted_at=NOW,
    ),
    BusinessCaseRevised(
        **COMMON, version=2, business_case=business_case(), revised_by=ANALYST, revised_at=NOW
    ),
    InformationRequested(**COMMON, questions=["Why?"], requested_by=ANALYST, requested_at=NOW),
    InformationProvided(**COMMON, answers="Because.", provided_by=REQUESTER, provided_at=NOW),
    DemandQualified(
        **COMMON,
        rules_version="1",
        rules_evaluated=["business-case-complete"],
        requires_investment_committee=True,
        business_case_version=2,
        estimated_cost=COST,
        note="ok",
        qualified_by=ANALYST,
        qualified_at=NOW,
    ),
    DemandRejected(**COMMON, reason="Duplicate", rejected_by=ANALYST, rejected_at=NOW),
    DemandWithdrawn(**COMMON, reason=None, withdrawn_by=REQUESTER, withdrawn_at=NOW),
    DemandAccepted(
        **COMMON,
        business_case_version=2,
        estimated_cost=COST,
        requires_investment_committee=True,
        accepted_by=ANALYST,
        accepted_at=NOW,
    ),
]


def _floats_in(value: Any) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for item in value.values() for f in _floats_in(item)]
    if isinstance(value, list):
        return [f for item in value for f in _floats_in(item)]
    return []


def a_lived_demand() -> Demand:
    """Submitted, questioned, answered and qualified: nothing stored yet, all pending."""
    demand = Demand.submit(
        DEMAND_ID, SubmitDemand(content=content(), business_case=business_case()), REQUESTER, NOW
    )
    ask(demand)
    demand.provide_information(ProvideInformation(answers="Yes"), REQUESTER, NOW)
    demand.qualify(QualifyDemand(), RULES, ANALYST, NOW)
    return demand


def test_the_registry_knows_every_demand_event_and_only_those() -> None:
    assert registry.service == "demand"
    assert {cls.event_type for cls in registry} == {type(e).event_type for e in SAMPLES}
    assert len(SAMPLES) == 8


@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: type(event).event_type)
def test_every_event_survives_a_trip_through_json_storage(event: DomainEvent) -> None:
    stored = json.loads(json.dumps(event.payload()))

    decoded = registry.decode(event.event_type, event.schema_version, stored)

    assert decoded == event
    assert type(decoded) is type(event)
    assert _floats_in(stored) == []


@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: type(event).event_type)
def test_every_event_is_read_back_from_its_stored_json_text(event: DomainEvent) -> None:
    decoded = registry.decode_json(event.event_type, event.schema_version, event.model_dump_json())

    assert decoded == event


def test_an_event_refuses_a_time_without_a_time_zone() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        DemandRejected(
            **COMMON, reason="x", rejected_by=ANALYST, rejected_at=NOW.replace(tzinfo=None)
        )


def test_a_demand_loaded_from_its_history_is_the_demand_that_made_it() -> None:
    original = a_lived_demand()

    loaded = Demand.load(DEMAND_ID, history_of(original))

    assert loaded.version == len(original.pending) == 4
    assert loaded.last_hash == "hash-4"
    assert loaded.state is DemandState.QUALIFIED is original.state
    assert loaded.requester == REQUESTER
    assert loaded.content == original.content
    assert loaded.business_case_version == 1
    assert loaded.information_rounds == 1
    assert loaded.pending == ()


def test_a_demand_is_rebuilt_from_the_json_its_events_were_stored_as() -> None:
    original = a_lived_demand()
    stored = [replace(r, decoder=registry.decode_json) for r in history_of(original)]

    loaded = Demand.load(DEMAND_ID, stored)

    assert loaded.state is DemandState.QUALIFIED
    assert loaded.business_case == original.business_case


@pytest.mark.parametrize(
    "versions",
    [[1, 3, 4, 5], [2, 3, 4, 5], [1, 2, 2, 3], [1, 3, 2, 4]],
    ids=["gap", "missing start", "duplicate", "out of order"],
)
def test_a_history_whose_versions_are_not_contiguous_is_refused(versions: list[int]) -> None:
    events = a_lived_demand().pending
    history = [recorded(event, version) for event, version in zip(events, versions, strict=True)]

    with pytest.raises(StreamCorrupted):
        Demand.load(DEMAND_ID, history)


def test_a_foreign_event_cannot_be_applied_to_a_demand() -> None:
    class SomethingElseHappened(DomainEvent):
        pass

    with pytest.raises(TypeError, match="not a demand event"):
        Demand(DEMAND_ID).apply(SomethingElseHappened())
