"""Events read back from our own store skip re-validation (EventRegistry.decode_stored): proof
that every registered event of every service decodes exactly as full validation decodes it,
nested models (Money, business cases, decisions, scenarios) included."""

from __future__ import annotations

import types
import typing
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

import orjson
import pytest
from pydantic import AwareDatetime, BaseModel, ValidationError
from pydantic.fields import FieldInfo

import pmo_portfolio.domain.governance
import pmo_portfolio.domain.planning
import pmo_portfolio.domain.scoring  # noqa: F401 - registers the scoring events
from pmo_demand.domain.events import (
    BusinessCaseRevised,
    DemandAccepted,
    DemandQualified,
    DemandRejected,
    DemandSubmitted,
    DemandWithdrawn,
    InformationProvided,
    InformationRequested,
)
from pmo_demand.domain.events import registry as demand_registry
from pmo_demand.domain.model import BusinessCase, DemandCategory, DemandContent, Urgency
from pmo_kernel.event_codec import trusted_builder
from pmo_kernel.events import DomainEvent, EventRegistry
from pmo_kernel.money import Money
from pmo_portfolio.domain.planning.events import (
    BudgetYearClaimed,
    BudgetYearReleased,
    ScenarioInputs,
    ScenarioResult,
    ScenarioSaved,
)
from pmo_portfolio.domain.registry import registry as portfolio_registry
from tests.portfolio.unit.delivery_samples import delivery_events
from tests.portfolio.unit.planning_helpers import inputs, result
from tests.portfolio.unit.test_governance_events import every_event as governance_events
from tests.portfolio.unit.test_scoring_events import SAMPLES as SCORING_EVENTS

REGISTRIES = [demand_registry, portfolio_registry]
NOW = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
PARIS = timezone(timedelta(hours=1))


def demand_events() -> list[DomainEvent]:
    content = DemandContent(
        title="Automate invoice matching",
        description="Match supplier invoices to purchase orders automatically.",
        sponsor="Claire Dubois (CFO)",
        department="Finance",
        category=DemandCategory.REGULATORY,
        urgency=Urgency.HIGH,
        strategic_objectives=["Operational excellence", "Digital finance"],
        desired_start_quarter="2026-Q2",
        desired_end_quarter="2026-Q4",
    )
    case = BusinessCase(
        problem="Invoices are keyed in by hand; 3 % error rate.",
        objectives=["Halve processing time", "Pay 98 % on time"],
        estimated_cost=Money.of("103757.50", "EUR"),
        effort_person_days=Decimal("251.50"),
        expected_benefits="Fewer keying errors, two FTE freed.",
        benefits_estimate=Money.of("311272", "CHF"),
        risks=["Vendor lock-in"],
        options_considered=["Do nothing", "Outsource"],
    )
    bare = DemandContent(
        title="Small ask", department="IT", category=DemandCategory.CHANGE, urgency=Urgency.LOW
    )
    return [
        DemandSubmitted(
            demand_id="D-1",
            requester="alice",
            content=content,
            business_case=case,
            business_case_version=1,
            submitted_at=NOW,
        ),
        DemandSubmitted(
            demand_id="D-2", requester="bob", content=bare, submitted_at=NOW.astimezone(PARIS)
        ),
        DemandSubmitted(
            demand_id="D-3",
            requester="bob",
            content=bare,
            business_case=BusinessCase(),
            business_case_version=1,
            submitted_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
        ),
        BusinessCaseRevised(
            demand_id="D-1", version=2, business_case=case, revised_by="alice", revised_at=NOW
        ),
        InformationRequested(
            demand_id="D-1",
            questions=["Which ERP?", "Who pays?"],
            requested_by="pat",
            requested_at=NOW,
        ),
        InformationProvided(
            demand_id="D-1", answers="SAP; finance.", provided_by="alice", provided_at=NOW
        ),
        DemandQualified(
            demand_id="D-1",
            rules_version="2026.1",
            rules_evaluated=["cost-threshold", "complete-case"],
            requires_investment_committee=False,
            business_case_version=2,
            estimated_cost=Money.of("103757.50", "EUR"),
            note="Fine.",
            qualified_by="pat",
            qualified_at=NOW,
        ),
        DemandQualified(
            demand_id="D-2",
            rules_version="2026.1",
            rules_evaluated=[],
            requires_investment_committee=True,
            business_case_version=None,
            estimated_cost=None,
            qualified_by="pat",
            qualified_at=NOW,
        ),
        DemandRejected(demand_id="D-2", reason="Out of scope.", rejected_by="pat", rejected_at=NOW),
        DemandWithdrawn(demand_id="D-3", withdrawn_by="bob", withdrawn_at=NOW),
        DemandAccepted(
            demand_id="D-1",
            business_case_version=2,
            estimated_cost=Money.of("0", "EUR"),
            requires_investment_committee=True,
            note=None,
            accepted_by="carol",
            accepted_at=NOW,
        ),
    ]


# -- any other registered event: an instance built from its annotations ---------------------


def example(annotation: Any, name: str = "", metadata: typing.Sequence[Any] = ()) -> Any:
    constraints = _constraints(metadata)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return example(args[0], name, [*metadata, *annotation.__metadata__])
    if origin in (typing.Union, types.UnionType):
        return example(next(a for a in args if a is not type(None)), name, metadata)
    if origin is typing.Literal:
        return args[0]
    if origin in (list, tuple, set, frozenset) or annotation in (list, tuple):
        item = args[0] if args else str
        return [example(item, name), example(item, name + "2")][: constraints.get("max_length", 2)]
    if origin is dict:
        key, value = args
        return {example(key, "developer"): example(value, name)}
    if annotation is str:
        pattern = constraints.get("pattern") or ""
        if "Q[1-4]" in pattern:
            return "2027-Q1"
        if pattern.startswith("^[a-z]"):
            return "value"
        if pattern:
            return "G2"
        if constraints.get("max_length") == 3:
            return "EUR"
        return f"{name or 'text'}-1"[: constraints.get("max_length", 200)]
    if annotation is bool:
        return True
    if annotation is int:
        low = constraints.get("ge", 1)
        return 2027 if low >= 2000 or name == "year" else max(low, 1)
    if annotation is Decimal:
        return Decimal("1234.50")
    if annotation in (datetime, AwareDatetime):
        return NOW
    if annotation is date:
        return date(2026, 3, 16)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return next(iter(annotation))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation is Money:
            return Money.of("250000.00", "EUR")
        return {
            field: example(info.annotation, field, info.metadata)
            for field, info in annotation.model_fields.items()
        }
    raise TypeError(f"no example for {annotation!r}")


def _constraints(metadata: typing.Sequence[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            found.update(_constraints(item.metadata))
        for attribute in ("pattern", "max_length", "ge"):
            value = getattr(item, attribute, None)
            if value is not None:
                found[attribute] = value
    return found


def built(cls: type[DomainEvent]) -> DomainEvent | None:
    try:
        return cls.model_validate(
            {name: example(i.annotation, name, i.metadata) for name, i in cls.model_fields.items()}
        )
    except (ValidationError, TypeError, ValueError):
        return None


def planning_events() -> list[DomainEvent]:
    return [
        ScenarioSaved(
            scenario_id="S-1",
            name="Max value",
            description="Everything that fits the 2027 envelope",
            inputs=ScenarioInputs.model_validate(inputs()),
            result=ScenarioResult.model_validate(result()),
            saved_by="pat",
            saved_at=NOW,
        ),
        BudgetYearClaimed(year=2027, envelope_id="it-2027", claimed_by="pat", claimed_at=NOW),
        BudgetYearReleased(
            year=2027, envelope_id="it-2027", released_by="pat", released_at=NOW.astimezone(PARIS)
        ),
    ]


def samples() -> list[DomainEvent]:
    found = [*demand_events(), *SCORING_EVENTS, *governance_events(), *planning_events(),
             *delivery_events()]  # fmt: skip
    covered = {type(e) for e in found}
    for registry in REGISTRIES:
        for cls in registry:
            if cls not in covered and (event := built(cls)) is not None:
                found.append(event)
    return found


SAMPLES = samples()


def registry_of(event: DomainEvent) -> EventRegistry:
    return next(r for r in REGISTRIES if event.event_type in r)


def test_the_samples_cover_every_registered_event_type() -> None:
    covered = {type(event) for event in SAMPLES}
    missing = [cls.__name__ for registry in REGISTRIES for cls in registry if cls not in covered]
    assert not missing, f"add a sample of {missing} to this test"


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.event_type)
def test_a_stored_event_decodes_exactly_as_full_validation_decodes_it(event: DomainEvent) -> None:
    registry = registry_of(event)
    stored = orjson.dumps(event.payload()).decode()  # what EventStore.append writes

    trusted = registry.decode_stored(event.event_type, event.schema_version, stored)
    validated = registry.decode_json(event.event_type, event.schema_version, stored)

    assert trusted == validated == event
    assert _deep_types(trusted) == _deep_types(validated)
    assert trusted.model_dump_json() == validated.model_dump_json()
    assert trusted.__pydantic_fields_set__ == validated.__pydantic_fields_set__
    assert hash(trusted) == hash(validated) if _hashable(validated) else True


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _deep_types(value: Any) -> Any:
    """Every value's exact type and contents, recursively (a datetime's tzinfo class too)."""
    if isinstance(value, BaseModel):
        return (
            type(value),
            {k: _deep_types(v) for k, v in value.__dict__.items()},
            value.__pydantic_extra__,
            value.__pydantic_private__,
        )
    if isinstance(value, dict):
        return (dict, [(_deep_types(k), _deep_types(v)) for k, v in value.items()])
    if isinstance(value, list | tuple | set | frozenset):
        return (type(value), [_deep_types(v) for v in value])
    if isinstance(value, datetime):
        return (datetime, value, type(value.tzinfo), value.utcoffset())
    return (type(value), value)


def test_the_events_a_replay_reads_most_take_the_fast_path() -> None:
    for cls in (DemandSubmitted, BusinessCaseRevised, DemandQualified, DemandAccepted):
        assert trusted_builder(cls) is not None, cls.__name__


@pytest.mark.parametrize(
    "payload",
    [
        # another shape than the current class dumps: a field missing, an unknown one, a type
        {"demand_id": "D-1", "version": 2, "revised_by": "a", "revised_at": "2026-03-02T09:30:00Z"},
        {"demand_id": "D-1", "version": 2, "business_case": {}, "revised_by": "a",
         "revised_at": "2026-03-02T09:30:00Z", "extra": 1},
        {"demand_id": "D-1", "version": "2", "business_case": {}, "revised_by": "a",
         "revised_at": "2026-03-02T09:30:00Z"},
        {"demand_id": "D-1", "version": 2, "business_case": {"estimated_cost": {
            "amount": "NaN", "currency": "EUR"}}, "revised_by": "a",
         "revised_at": "2026-03-02T09:30:00Z"},
        {"demand_id": "D-1", "version": 2, "business_case": {}, "revised_by": "a",
         "revised_at": "2026-03-02T09:30:00"},
    ],
)  # fmt: skip
def test_anything_not_shaped_as_a_dump_gets_full_validation(payload: dict[str, Any]) -> None:
    text = orjson.dumps(payload)

    def outcome(decode: Any) -> Any:
        try:
            return _deep_types(decode("BusinessCaseRevised", 1, text))
        except ValidationError as exc:
            return exc.errors(include_url=False)

    assert outcome(demand_registry.decode_stored) == outcome(demand_registry.decode_json)


def test_a_payload_of_an_older_schema_version_is_upcast_then_fully_validated() -> None:
    registry = EventRegistry("test")

    @registry.event
    class Renamed(DomainEvent):
        event_type = "Renamed"
        schema_version = 2
        title: str
        cost: Money

    @registry.upcaster("Renamed", 1)
    def v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
        return {"title": payload["name"], "cost": payload["cost"]}

    old = orjson.dumps({"name": "  x ", "cost": {"amount": "1.00", "currency": "eur"}})

    decoded = registry.decode_stored("Renamed", 1, old)

    assert decoded == Renamed(title="  x ", cost=Money.of("1.00", "EUR"))  # the validator ran


def test_decoded_frozen_models_share_no_state_a_copy_could_change() -> None:
    """Frozen models rebuilt by the trusted builders share one fields set per class (every
    field is always set); copies work on their own set, and the decoded lists are their own."""
    event = demand_events()[0]
    assert isinstance(event, DemandSubmitted)
    stored = orjson.dumps(event.payload()).decode()
    first = demand_registry.decode_stored(event.event_type, event.schema_version, stored)
    second = demand_registry.decode_stored(event.event_type, event.schema_version, stored)
    assert isinstance(first, DemandSubmitted)
    assert isinstance(second, DemandSubmitted)
    copied = first.content.model_copy(update={"title": "Another title"})
    assert copied.title == "Another title"
    assert first.content.title == second.content.title == event.content.title
    assert first.content.__pydantic_fields_set__ == set(DemandContent.model_fields)
    assert second.content.__pydantic_fields_set__ == set(DemandContent.model_fields)
    assert first.content.strategic_objectives is not second.content.strategic_objectives
    with pytest.raises(ValidationError):
        first.content.title = "changed"  # type: ignore[misc]
    assert first.content.__pydantic_fields_set__ == set(DemandContent.model_fields)
    assert first == second == event
