"""Value objects of scoring (criteria, scales, published versions): they live in the shared
kernel, pmo_kernel.scoring.model, so that the reporting service computes with the very same ones;
re-exported here for the portfolio domain. Only the model's lifecycle status is the domain's own.
"""

from __future__ import annotations

from enum import StrEnum

from pmo_kernel.scoring.model import (
    CRITERION_KEY_PATTERN,
    HUNDRED,
    ActorId,
    Criterion,
    CriterionKey,
    Dimension,
    Direction,
    ItemId,
    Label,
    ModelId,
    ModelKind,
    ModelName,
    ModelVersionNumber,
    Scale,
    ScalePoint,
    ScoringModelVersion,
    Weight,
    quantise,
)

__all__ = [
    "CRITERION_KEY_PATTERN",
    "HUNDRED",
    "ActorId",
    "Criterion",
    "CriterionKey",
    "Dimension",
    "Direction",
    "ItemId",
    "Label",
    "ModelId",
    "ModelKind",
    "ModelName",
    "ModelStatus",
    "ModelVersionNumber",
    "Scale",
    "ScalePoint",
    "ScoringModelVersion",
    "Weight",
    "quantise",
]


class ModelStatus(StrEnum):
    DRAFT = "draft"  # created, never published: nothing can be scored with it yet
    PUBLISHED = "published"  # at least one published version (a new draft may be open)
    RETIRED = "retired"  # no new scores; old scores keep their version
