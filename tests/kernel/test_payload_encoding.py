"""The event store writes each payload as `orjson.dumps(event.payload(), OPT_SORT_KEYS)`, and
hashes those bytes: `DomainEvent.payload_json` must give exactly them, for every registered
event of every service and for the awkward values (offsets, microseconds, odd Decimals)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from pydantic import BaseModel

from pmo_demand.domain.events import DemandAccepted, DemandSubmitted
from pmo_demand.domain.model import DemandCategory, DemandContent, Urgency
from pmo_kernel.events import Actor, DomainEvent, EventMetadata
from pmo_kernel.money import Money
from tests.kernel.test_trusted_decoding import SAMPLES


def pydantic_dump(event: DomainEvent) -> bytes:
    return orjson.dumps(event.payload(), option=orjson.OPT_SORT_KEYS)


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.event_type)
def test_every_registered_event_is_written_as_its_pydantic_dump(event: DomainEvent) -> None:
    assert event.payload_json() == pydantic_dump(event)


MOMENTS = [
    datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
    datetime(2026, 3, 2, 9, 30, 15, 120000, tzinfo=UTC),
    datetime(2026, 3, 2, 9, 30, 15, 1, tzinfo=UTC),
    datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=-3))),
    datetime(2026, 7, 14, 23, 59, 59, tzinfo=ZoneInfo("Europe/Paris")),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=ZoneInfo("UTC")),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_moments_are_written_as_pydantic_writes_them(moment: datetime) -> None:
    event = DemandAccepted(
        demand_id="D-1",
        business_case_version=1,
        estimated_cost=None,
        requires_investment_committee=False,
        accepted_by="carol",
        accepted_at=moment,
    )

    assert event.payload_json() == pydantic_dump(event)


AMOUNTS = ["0", "0.00", "-0.00", "1E+3", "1e-7", "123456789012345678901234567890.123456", "5.5"]


@pytest.mark.parametrize("amount", AMOUNTS)
def test_decimals_are_written_as_pydantic_writes_them(amount: str) -> None:
    event = DemandAccepted(
        demand_id="D-1",
        business_case_version=1,
        estimated_cost=Money.model_construct(amount=Decimal(amount), currency="EUR"),
        requires_investment_committee=True,
        accepted_by="carol",
        accepted_at=datetime(2026, 3, 2, tzinfo=UTC),
    )

    assert event.payload_json() == pydantic_dump(event)


def test_text_beyond_ascii_is_written_as_pydantic_writes_it() -> None:
    content = DemandContent(
        title="Réécrire l'outil de paie — 給与 🚀",
        department="RH",
        category=DemandCategory.PROJECT,
        urgency=Urgency.MEDIUM,
        strategic_objectives=["Simplicité", 'Quotes " and \\ backslashes'],
    )
    event = DemandSubmitted(
        demand_id="D-9", requester="zoë", content=content, submitted_at=MOMENTS[1]
    )

    assert event.payload_json() == pydantic_dump(event)


class Odd(DomainEvent):
    """A value orjson cannot write itself (a set inside an `Any`) takes pydantic's way."""

    event_type = "OddThingHappened"
    anything: Any


class Note(BaseModel):
    text: str


def test_an_event_with_a_field_of_any_type_is_written_through_pydantic() -> None:
    for value in ({"b", "a"}, Note(text="x"), {"z": 1, "a": [1, 2]}):
        event = Odd(anything=value)

        assert event.payload_json() == pydantic_dump(event)


METADATA = [
    EventMetadata(actor=Actor(id="alice")),
    EventMetadata(
        actor=Actor(id="bob", name="Bob Léger", roles=("pmo_analyst", "requester")),
        occurred_at=MOMENTS[3],
        correlation_id="corr-1",
        causation_id="cause-1",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        tracestate="vendor=1",
        idempotency_key="key-1",
        request_fingerprint="f" * 64,
    ),
    EventMetadata(actor=Actor(id="svc", roles=()), occurred_at=MOMENTS[5]),
]


@pytest.mark.parametrize("metadata", METADATA, ids=lambda m: m.actor.id)
def test_metadata_is_written_as_its_pydantic_dump_without_empty_fields(
    metadata: EventMetadata,
) -> None:
    expected = orjson.dumps(
        metadata.model_dump(mode="json", exclude_none=True), option=orjson.OPT_SORT_KEYS
    )

    assert metadata.stored_json() == expected
