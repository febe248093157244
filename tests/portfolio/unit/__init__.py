"""Portfolio unit tests. This package also holds the "given" builders the test modules share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pmo_kernel.events import Actor, DomainEvent, EventMetadata
from pmo_kernel.money import Money
from pmo_kernel.recorded import RecordedEvent
from pmo_portfolio.domain.scoring import (
    Consolidated,
    Criterion,
    Dimension,
    Direction,
    ItemScored,
    ModelKind,
    RankInput,
    Scale,
    ScoringModel,
    ScoringModelVersion,
    score_item,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LATER = NOW + timedelta(days=3)
ANALYST = "pat"
ALICE = "alice"
BOB = "bob"
CAROL = "carol"
MODEL_ID = "SM-1"
ITEM_ID = "I-1"


def criterion(key: str, weight: str | int, **overrides: Any) -> Criterion:
    """A criterion on a 0–10 scale, higher is better, unless overridden."""
    fields: dict[str, Any] = {
        "key": key,
        "label": key.replace("_", " ").capitalize(),
        "weight": Decimal(weight),
        "scale": Scale(min=0, max=10),
    }
    fields.update(overrides)
    return Criterion.model_validate(fields)


def standard_criteria() -> tuple[Criterion, ...]:
    """The issue's example: value criteria, a regulatory override, and three inverse criteria."""
    return (
        criterion("strategic_alignment", 25),
        criterion("business_value", 25),
        criterion("regulatory_obligation", 10, mandatory_when_at_least=8),
        criterion(
            "risk",
            15,
            scale=Scale(min=1, max=5),
            direction=Direction.INVERSE,
            dimension=Dimension.RISK,
        ),
        criterion("complexity", 10, direction=Direction.INVERSE, dimension=Dimension.EFFORT),
        criterion("cost", 15, direction=Direction.INVERSE, dimension=Dimension.EFFORT),
    )


def simple_criteria() -> tuple[Criterion, ...]:
    """Small enough to compute by hand: value 60 % (0–10), risk 40 % (1–5, inverse)."""
    return (
        criterion("value", 60),
        criterion(
            "risk",
            40,
            scale=Scale(min=1, max=5),
            direction=Direction.INVERSE,
            dimension=Dimension.RISK,
        ),
    )


def saved(model: ScoringModel) -> ScoringModel:
    """Pretend the store appended the pending events, so `pending` shows only what comes next."""
    model.mark_saved(model.version + len(model.pending), last_hash=None)
    return model


def created(
    criteria: tuple[Criterion, ...] | None = None, kind: ModelKind = ModelKind.WEIGHTED
) -> ScoringModel:
    """A stored scoring model with its first draft, never published."""
    model = ScoringModel.create(
        MODEL_ID, "Standard scoring", kind, criteria or standard_criteria(), ANALYST, NOW
    )
    return saved(model)


def published(
    criteria: tuple[Criterion, ...] | None = None, kind: ModelKind = ModelKind.WEIGHTED
) -> ScoringModel:
    """A stored scoring model whose version 1 is published."""
    model = created(criteria, kind)
    model.publish(ANALYST, NOW)
    return saved(model)


def version_of(criteria: tuple[Criterion, ...], version: int = 1) -> ScoringModelVersion:
    """A published version built directly, without the aggregate."""
    return ScoringModelVersion(
        model_id=MODEL_ID,
        version=version,
        name="Standard scoring",
        kind=ModelKind.WEIGHTED,
        criteria=criteria,
    )


STANDARD = version_of(standard_criteria())
SIMPLE = version_of(simple_criteria())


def justified(scores: dict[str, int]) -> dict[str, str]:
    return {key: f"Because {key} is {value}." for key, value in scores.items()}


def evaluation(
    model: ScoringModelVersion,
    evaluator: str,
    scores: dict[str, int],
    *,
    item_id: str = ITEM_ID,
    at: datetime = NOW,
) -> ItemScored:
    """A valid ItemScored, justified on every criterion."""
    return score_item(
        model,
        item_id=item_id,
        evaluator_id=evaluator,
        scores=scores,
        justifications=justified(scores),
        scored_at=at,
    )


def consolidated(
    item_id: str, score: str | int, *, mandatory: bool = False, version: int = 1
) -> Consolidated:
    """A consolidated score built by hand (ranking tests do not need the arithmetic)."""
    value = Decimal(score).quantize(Decimal("0.01"))
    return Consolidated(
        item_id=item_id,
        model_id=MODEL_ID,
        model_version=version,
        score=value,
        spread=Decimal("0.00"),
        evaluators=1,
        evaluator_scores={ALICE: value},
        per_criterion={},
        mandatory=mandatory,
        mandatory_by=("regulatory_obligation",) if mandatory else (),
    )


def candidate(
    item_id: str,
    score: str | int | None,
    *,
    mandatory: bool = False,
    cost: str | None = None,
    submitted: datetime = NOW,
    currency: str = "EUR",
) -> RankInput:
    return RankInput(
        item_id=item_id,
        title=f"Item {item_id}",
        consolidated=(None if score is None else consolidated(item_id, score, mandatory=mandatory)),
        estimated_cost=None if cost is None else Money.of(cost, currency),
        submitted_at=submitted,
    )


def recorded(event: DomainEvent, version: int, stream_id: str = MODEL_ID) -> RecordedEvent:
    """A stored event built by hand. The one place to adapt if RecordedEvent changes shape."""
    return RecordedEvent.of(
        event,
        EventMetadata(actor=Actor(id=ANALYST), occurred_at=NOW),
        stream_type=ScoringModel.stream_type,
        stream_id=stream_id,
        stream_version=version,
        global_position=version,
        tx_id=1,
        recorded_at=NOW,
        hash=f"hash-{version}",
    )


def history_of(model: ScoringModel) -> list[RecordedEvent]:
    """The pending events of a model built from scratch, numbered as the store would."""
    return [recorded(event, i) for i, event in enumerate(model.pending, start=1)]
