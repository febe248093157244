"""Scoring events are stored as JSON and read back; a scoring model is rebuilt from its history."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from pydantic import ValidationError

from pmo_kernel.errors import StreamCorrupted
from pmo_kernel.events import DomainEvent
from pmo_portfolio.domain.registry import registry
from pmo_portfolio.domain.scoring import (
    ItemScored,
    ModelKind,
    ModelStatus,
    ScoringModel,
    ScoringModelCreated,
    ScoringModelDraftRevised,
    ScoringModelRetired,
    ScoringModelVersionPublished,
    wsjf_criteria,
)
from tests.portfolio.unit import (
    ALICE,
    ANALYST,
    ITEM_ID,
    MODEL_ID,
    NOW,
    STANDARD,
    history_of,
    recorded,
    simple_criteria,
    standard_criteria,
)

COMMON: dict[str, Any] = {"model_id": MODEL_ID}

SAMPLES: list[DomainEvent] = [
    ScoringModelCreated(
        **COMMON,
        name="Standard scoring",
        kind=ModelKind.WEIGHTED,
        criteria=standard_criteria(),
        created_by=ANALYST,
        created_at=NOW,
    ),
    ScoringModelDraftRevised(
        **COMMON, draft_version=2, criteria=wsjf_criteria(), revised_by=ANALYST, revised_at=NOW
    ),
    ScoringModelVersionPublished(
        **COMMON,
        version=2,
        name="Standard scoring",
        kind=ModelKind.WSJF,
        criteria=wsjf_criteria(),
        published_by=ANALYST,
        published_at=NOW,
    ),
    ScoringModelRetired(
        **COMMON, last_version=2, reason="Superseded", retired_by=ANALYST, retired_at=NOW
    ),
    ItemScored(
        item_id=ITEM_ID,
        evaluator_id=ALICE,
        model_id=MODEL_ID,
        model_version=1,
        scores={"value": 7, "risk": 2},
        justifications={"value": "Saves 2 FTE.", "risk": "Known vendor."},
        scored_at=NOW,
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


def a_lived_model() -> ScoringModel:
    """Created, published, revised and published again: nothing stored yet, all pending."""
    model = ScoringModel.create(
        MODEL_ID, "Standard scoring", ModelKind.WEIGHTED, standard_criteria(), ANALYST, NOW
    )
    model.publish(ANALYST, NOW)
    model.revise_draft(simple_criteria(), ANALYST, NOW)
    model.publish(ANALYST, NOW)
    return model


def test_the_registry_knows_every_scoring_event() -> None:
    assert registry.service == "portfolio"
    for event in SAMPLES:
        assert registry.class_for(event.event_type) is type(event)


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


def test_weights_are_stored_as_decimal_strings_not_floats() -> None:
    stored = SAMPLES[0].payload()

    assert stored["criteria"][0]["weight"] == "25"
    assert stored["criteria"][3]["scale"] == {"min": 1, "max": 5, "values": None}


def test_an_item_score_needs_a_justification_for_each_scored_criterion() -> None:
    with pytest.raises(ValidationError, match="every scored criterion needs a justification"):
        ItemScored(
            item_id=ITEM_ID,
            evaluator_id=ALICE,
            model_id=MODEL_ID,
            model_version=1,
            scores={"value": 7, "risk": 2},
            justifications={"value": "Saves 2 FTE."},
            scored_at=NOW,
        )


def test_an_item_score_refuses_a_blank_justification_and_a_time_without_a_time_zone() -> None:
    fields: dict[str, Any] = {
        "item_id": ITEM_ID,
        "evaluator_id": ALICE,
        "model_id": MODEL_ID,
        "model_version": 1,
        "scores": {"value": 7},
        "justifications": {"value": "   "},
        "scored_at": NOW,
    }
    with pytest.raises(ValidationError, match="at least 1 character"):
        ItemScored.model_validate(fields)
    fields.update(justifications={"value": "ok"}, scored_at=NOW.replace(tzinfo=None))
    with pytest.raises(ValidationError, match="timezone"):
        ItemScored.model_validate(fields)


def test_a_scoring_model_loaded_from_its_history_is_the_model_that_made_it() -> None:
    original = a_lived_model()

    loaded = ScoringModel.load(MODEL_ID, history_of(original))

    assert loaded.version == len(original.pending) == 4
    assert loaded.last_hash == "hash-4"
    assert loaded.status is ModelStatus.PUBLISHED is original.status
    assert loaded.latest_version == 2
    assert loaded.published_version(1) == STANDARD
    assert loaded.published_version(2).criteria == simple_criteria()
    assert loaded.draft is None
    assert loaded.pending == ()


def test_a_scoring_model_is_rebuilt_from_the_json_its_events_were_stored_as() -> None:
    original = a_lived_model()
    stored = [replace(r, decoder=registry.decode_json) for r in history_of(original)]

    loaded = ScoringModel.load(MODEL_ID, stored)

    assert loaded.versions == original.versions


@pytest.mark.parametrize(
    "versions",
    [[1, 3, 4, 5], [2, 3, 4, 5], [1, 2, 2, 3]],
    ids=["gap", "missing start", "duplicate"],
)
def test_a_history_whose_versions_are_not_contiguous_is_refused(versions: list[int]) -> None:
    events = a_lived_model().pending
    history = [recorded(event, version) for event, version in zip(events, versions, strict=True)]

    with pytest.raises(StreamCorrupted):
        ScoringModel.load(MODEL_ID, history)


def test_a_foreign_event_cannot_be_applied_to_a_scoring_model() -> None:
    with pytest.raises(TypeError, match="not a scoring model event"):
        ScoringModel(MODEL_ID).apply(SAMPLES[-1])
