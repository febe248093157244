"""Evaluations: checking an evaluator's scores, computing a score, consolidating evaluators.

Pure functions. The portfolio item aggregate records `ItemScored` events built by `score_item`
and calls `consolidate` over its history.

The formulas (score of one evaluation, weighted or WSJF; consolidation of the evaluators) live in
the shared kernel, pmo_kernel.scoring.consolidation, which the reporting service uses too; this
module adds what is the portfolio domain's own: the ItemScored event, and which evaluation is an
evaluator's latest.

Consolidation (one item, one model version)
    Each evaluator counts once, with their latest evaluation: the last one in recorded (stream)
    order, so a re-score replaces only that evaluator's contribution. The consolidated score is the
    mean of the evaluators' scores (as shown, two decimals), rounded half up to two decimals;
    the spread is the highest minus the lowest of them. Per criterion, the mean raw score. The item
    is mandatory when the mean raw score on a criterion with a `mandatory_when_at_least`
    threshold is at or above that threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pmo_kernel.events import utcnow
from pmo_kernel.scoring.consolidation import (
    Consolidated,
    consolidate_scores,
    item_score,
    validate_scores,
    weighted_score,
)
from pmo_portfolio.domain.scoring.events import ItemScored
from pmo_portfolio.domain.scoring.model import ScoringModelVersion

__all__ = [
    "Consolidated",
    "consolidate",
    "item_score",
    "latest_by_evaluator",
    "score_item",
    "validate_scores",
    "weighted_score",
]


def score_item(
    model: ScoringModelVersion,
    *,
    item_id: str,
    evaluator_id: str,
    scores: Mapping[str, int],
    justifications: Mapping[str, str],
    scored_at: datetime | None = None,
) -> ItemScored:
    """The ItemScored event for an evaluation, once its scores and justifications are valid."""
    validate_scores(model, scores, justifications)
    return ItemScored(
        item_id=item_id,
        evaluator_id=evaluator_id,
        model_id=model.model_id,
        model_version=model.version,
        scores={key: scores[key] for key in model.keys},
        justifications={key: justifications[key] for key in model.keys},
        scored_at=scored_at or utcnow(),
    )


def latest_by_evaluator(
    model: ScoringModelVersion, evaluations: Sequence[ItemScored]
) -> dict[str, ItemScored]:
    """Each evaluator's latest evaluation with `model` (recorded order: the last one wins)."""
    latest: dict[str, ItemScored] = {}
    for evaluation in evaluations:
        if evaluation.model_id == model.model_id and evaluation.model_version == model.version:
            latest[evaluation.evaluator_id] = evaluation
    return latest


def consolidate(
    model: ScoringModelVersion, evaluations: Sequence[ItemScored]
) -> Consolidated | None:
    """All evaluators of one item on one model version, taken together (see the module docstring).

    `evaluations` are the item's ItemScored events in recorded order; those given with another
    model or version are left out (they are consolidated with their own version). None when no
    evaluation used this version.
    """
    latest = latest_by_evaluator(model, evaluations)
    if not latest:
        return None
    items = sorted({e.item_id for e in latest.values()})
    if len(items) != 1:
        raise ValueError(f"consolidate takes the evaluations of one item, got {items}")
    return consolidate_scores(
        model, items[0], {evaluator: e.scores for evaluator, e in latest.items()}
    )
