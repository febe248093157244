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

An item's scores (`scores_of`)
    Every evaluation in recorded order, with its total under the version it was given with and
    whether a later one by the same evaluator with that version superseded it; and, per model
    version used, the consolidation. An evaluation whose version is not known (or whose scores
    that version does not accept) has no total and adds no consolidation: it is shown, not
    refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pmo_kernel.errors import DomainError
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
    "ItemScores",
    "ScoredEvaluation",
    "consolidate",
    "item_score",
    "latest_by_evaluator",
    "score_item",
    "scores_of",
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


@dataclass(frozen=True)
class ScoredEvaluation:
    """One evaluation of an item, with its score under the version it was given with."""

    evaluation: ItemScored
    total: Decimal | None  # None when that version is unknown or refuses these scores
    superseded: bool  # a later evaluation by the same evaluator with the same version replaced it
    criteria: tuple[str, ...]  # its criterion keys, in the version's order (else alphabetical)


@dataclass(frozen=True)
class ItemScores:
    evaluations: tuple[ScoredEvaluation, ...]  # recorded order
    consolidated: tuple[Consolidated, ...]  # one per model version used, by model id and version


def scores_of(
    versions: Mapping[tuple[str, int], ScoringModelVersion], evaluations: Sequence[ItemScored]
) -> ItemScores:
    """An item's evaluations with their totals, and their consolidation per model version (see
    the module docstring). `versions` are the published versions at hand, by (model id, version
    number); `evaluations` the item's ItemScored events in recorded order."""
    latest: dict[tuple[str, int, str], int] = {}
    for index, evaluation in enumerate(evaluations):
        latest[(evaluation.model_id, evaluation.model_version, evaluation.evaluator_id)] = index
    scored = []
    for index, evaluation in enumerate(evaluations):
        key = (evaluation.model_id, evaluation.model_version)
        model = versions.get(key)
        scored.append(
            ScoredEvaluation(
                evaluation=evaluation,
                total=_total(model, evaluation.scores) if model is not None else None,
                superseded=latest[(*key, evaluation.evaluator_id)] != index,
                criteria=_in_order(model, evaluation.scores),
            )
        )
    consolidated = []
    for key in sorted({(e.model_id, e.model_version) for e in evaluations}):
        model = versions.get(key)
        if model is None:
            continue
        try:
            found = consolidate(model, evaluations)
        except DomainError:
            continue
        if found is not None:
            consolidated.append(found)
    return ItemScores(evaluations=tuple(scored), consolidated=tuple(consolidated))


def _total(model: ScoringModelVersion, scores: Mapping[str, int]) -> Decimal | None:
    try:
        return item_score(model, scores)
    except DomainError:
        return None


def _in_order(model: ScoringModelVersion | None, scores: Mapping[str, int]) -> tuple[str, ...]:
    known = [key for key in model.keys if key in scores] if model is not None else []
    return (*known, *sorted(set(scores) - set(known)))
