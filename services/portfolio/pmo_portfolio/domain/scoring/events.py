"""The facts of scoring, one event per fact, named in the past tense.

The ScoringModel events live on the "scoring-model" stream. `ItemScored` lives on the portfolio
item's stream: the item aggregate records it, after `evaluation.score_item` has checked it against
the model version it names. Every event carries full copies of values (the whole criteria list, all
raw scores), never deltas, so a read model projects it without loading anything else.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Self

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from pmo_kernel.events import DomainEvent
from pmo_portfolio.domain.registry import registry
from pmo_portfolio.domain.scoring.model import (
    ActorId,
    Criterion,
    CriterionKey,
    ItemId,
    ModelId,
    ModelKind,
    ModelName,
    ModelVersionNumber,
)

Timestamp = AwareDatetime
Justification = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4_000)
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]
Criteria = Annotated[tuple[Criterion, ...], Field(min_length=1)]


@registry.event
class ScoringModelCreated(DomainEvent):
    """A scoring model was created with its first draft of criteria; nothing is published yet."""

    event_type: ClassVar[str] = "ScoringModelCreated"

    model_id: ModelId
    name: ModelName
    kind: ModelKind
    criteria: Criteria
    created_by: ActorId
    created_at: Timestamp


@registry.event
class ScoringModelDraftRevised(DomainEvent):
    """The draft of the model's next version was replaced by these criteria (the whole list)."""

    event_type: ClassVar[str] = "ScoringModelDraftRevised"

    model_id: ModelId
    draft_version: ModelVersionNumber  # the version number the draft becomes when published
    criteria: Criteria
    revised_by: ActorId
    revised_at: Timestamp


@registry.event
class ScoringModelVersionPublished(DomainEvent):
    """The draft became version `version`, final: scores given with it keep it for ever."""

    event_type: ClassVar[str] = "ScoringModelVersionPublished"

    model_id: ModelId
    version: ModelVersionNumber
    name: ModelName
    kind: ModelKind
    criteria: Criteria
    published_by: ActorId
    published_at: Timestamp


@registry.event
class ScoringModelRetired(DomainEvent):
    """The model takes no new scores. Scores already given keep their model version."""

    event_type: ClassVar[str] = "ScoringModelRetired"

    model_id: ModelId
    last_version: ModelVersionNumber | None  # None when it was never published
    reason: Reason | None = None
    retired_by: ActorId
    retired_at: Timestamp


@registry.event
class ItemScored(DomainEvent):
    """An evaluator scored a portfolio item with one version of a scoring model.

    Raw integer scores and a justification for every criterion of that version. A re-score is a
    new ItemScored: the earlier one stays in the item's history; consolidation takes each
    evaluator's latest. Built by `evaluation.score_item`, which checks the scores against the model.
    """

    event_type: ClassVar[str] = "ItemScored"

    item_id: ItemId
    evaluator_id: ActorId
    model_id: ModelId
    model_version: ModelVersionNumber
    scores: dict[CriterionKey, int] = Field(min_length=1)
    justifications: dict[CriterionKey, Justification]
    scored_at: Timestamp

    @model_validator(mode="after")
    def _a_justification_per_score(self) -> Self:
        if set(self.scores) != set(self.justifications):
            raise ValueError(
                "every scored criterion needs a justification and every justification a score: "
                f"scores {sorted(self.scores)}, justifications {sorted(self.justifications)}"
            )
        return self


ScoringModelEvent = (
    ScoringModelCreated
    | ScoringModelDraftRevised
    | ScoringModelVersionPublished
    | ScoringModelRetired
)
