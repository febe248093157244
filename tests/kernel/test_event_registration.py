"""Registering event classes: what the registry refuses, and models that refer to themselves
(a tree of work packages, say) registered, decoded and written like any other."""

from __future__ import annotations

from typing import ClassVar

import orjson
import pytest
from pydantic import BaseModel, ConfigDict

from pmo_kernel.events import DomainEvent, EventRegistry


class WorkPackage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    children: tuple[WorkPackage, ...] = ()


class BreakdownDrafted(DomainEvent):
    event_type: ClassVar[str] = "BreakdownDrafted"

    root: WorkPackage


class Weighted(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    weight: float
    parts: tuple[Weighted, ...] = ()


class WeightsDrafted(DomainEvent):
    event_type: ClassVar[str] = "WeightsDrafted"

    tree: tuple[Weighted, ...]


def test_an_event_holding_a_model_that_refers_to_itself_registers_decodes_and_is_written() -> None:
    registry = EventRegistry("kernel-test")
    registry.event(BreakdownDrafted)
    event = BreakdownDrafted(
        root=WorkPackage(
            name="ERP rollout",
            children=(WorkPackage(name="Finance", children=(WorkPackage(name="Ledger"),)),),
        )
    )

    written = event.payload_json()
    decoded = registry.decode_stored("BreakdownDrafted", 1, written)

    assert written == orjson.dumps(event.payload(), option=orjson.OPT_SORT_KEYS)
    assert decoded == event


def test_a_float_is_refused_even_deep_in_a_model_that_refers_to_itself() -> None:
    with pytest.raises(TypeError, match="may not hold floats"):
        EventRegistry("kernel-test").event(WeightsDrafted)
