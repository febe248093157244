"""Scores: checking an evaluator's scores, the score of one evaluation, and the consolidation of
all evaluators of one item on one model version. Pure functions on the value objects of
pmo_kernel.scoring.model, shared by the portfolio service (which records the evaluations) and the
reporting service (which shows them).

Score of one evaluation
    weighted model: Σ weightᵢ × normalisedᵢ, on a 0–100 scale (weights are percentages adding up
    to 100 and each normalised score lies in 0..1; see `Criterion.normalised` for the direction).
    WSJF model: the WSJF formula, cost of delay / job size (see `wsjf.wsjf_score`).
    Computed exactly, then rounded half up to two decimals.

Consolidation (one item, one model version)
    Each evaluator counts once, with their latest evaluation (which one is latest is the caller's
    to say: the portfolio domain takes the last in recorded order). The consolidated score is the
    mean of the evaluators' scores (as shown, two decimals), rounded half up to two decimals;
    the spread is the highest minus the lowest of them. Per criterion, the mean raw score. The item
    is mandatory when the mean raw score on a criterion with a `mandatory_when_at_least`
    threshold is at or above that threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict

from pmo_kernel.errors import DomainError
from pmo_kernel.scoring.model import ModelKind, ScoringModelVersion, quantise
from pmo_kernel.scoring.wsjf import wsjf_score_of


class Consolidated(BaseModel):
    """Where an item stands on one model version, all its evaluators taken together."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_id: str
    model_id: str
    model_version: int
    score: Decimal  # mean of the evaluators' latest scores: 0–100 (weighted) or WSJF
    spread: Decimal  # highest minus lowest evaluator score: how much the evaluators disagree
    evaluators: int
    evaluator_scores: dict[str, Decimal]  # evaluator id -> score of their latest evaluation
    per_criterion: dict[str, Decimal]  # criterion key -> mean raw score, two decimals
    mandatory: bool
    mandatory_by: tuple[str, ...] = ()  # the criteria whose threshold the item reaches


def _score_problems(model: ScoringModelVersion, scores: Mapping[str, Any]) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    known = set(model.keys)
    for key in sorted(set(scores) - known):
        problems.append(
            {
                "criterion": key,
                "problem": f"{key!r} is not a criterion of scoring model {model.reference}",
                "allowed": list(model.keys),
            }
        )
    for criterion in model.criteria:
        allowed = criterion.scale.describe()
        raw = scores.get(criterion.key)
        if raw is None:
            problems.append(
                {
                    "criterion": criterion.key,
                    "problem": f"criterion {criterion.key} ({criterion.label}) has no score; "
                    f"give {allowed}",
                    "allowed": allowed,
                }
            )
        elif isinstance(raw, bool) or not isinstance(raw, int) or not criterion.scale.allows(raw):
            problems.append(
                {
                    "criterion": criterion.key,
                    "problem": f"score {raw!r} for criterion {criterion.key} ({criterion.label}) "
                    f"is outside its scale: give {allowed}",
                    "allowed": allowed,
                }
            )
    return problems


def _refuse(model: ScoringModelVersion, problems: list[dict[str, Any]]) -> None:
    if problems:
        raise DomainError(
            "; ".join(p["problem"] for p in problems),
            criterion=problems[0]["criterion"],
            problems=problems,
            model_id=model.model_id,
            model_version=model.version,
        )


def validate_scores(
    model: ScoringModelVersion, scores: Mapping[str, int], justifications: Mapping[str, str]
) -> None:
    """Refuse (DomainError naming each criterion and its allowed scale) unless every criterion of
    `model` has a score on its scale and a non-blank justification, and nothing else is given."""
    problems = _score_problems(model, scores)
    known = set(model.keys)
    for key in sorted(set(justifications) - known - set(scores)):
        problems.append(
            {
                "criterion": key,
                "problem": f"{key!r} is not a criterion of scoring model {model.reference}",
                "allowed": list(model.keys),
            }
        )
    for criterion in model.criteria:
        text = justifications.get(criterion.key)
        if not isinstance(text, str) or not text.strip():
            problems.append(
                {
                    "criterion": criterion.key,
                    "problem": f"criterion {criterion.key} ({criterion.label}) needs a "
                    "justification",
                    "allowed": criterion.scale.describe(),
                }
            )
    _refuse(model, problems)


def _exact_weighted(model: ScoringModelVersion, scores: Mapping[str, int]) -> Fraction:
    return sum(
        (Fraction(c.weight) * c.normalised(scores[c.key]) for c in model.criteria), Fraction(0)
    )


def weighted_score(model: ScoringModelVersion, scores: Mapping[str, int]) -> Decimal:
    """Σ weightᵢ × normalisedᵢ: 0 (worst on every criterion) to 100 (best on every criterion),
    two decimals, half up. Refuses scores that are missing or off their scale."""
    _refuse(model, _score_problems(model, scores))
    return quantise(_exact_weighted(model, scores))


def item_score(model: ScoringModelVersion, scores: Mapping[str, int]) -> Decimal:
    """The score of one evaluation under `model`: weighted (0–100) or WSJF, by the model's kind."""
    _refuse(model, _score_problems(model, scores))
    if model.kind is ModelKind.WSJF:
        return wsjf_score_of(scores)
    return quantise(_exact_weighted(model, scores))


def consolidate_scores(
    model: ScoringModelVersion, item_id: str, latest: Mapping[str, Mapping[str, int]]
) -> Consolidated | None:
    """All evaluators of one item on one model version, taken together (module docstring).

    `latest` is each evaluator's latest raw scores with `model`, by evaluator id. None when it is
    empty; refused (DomainError naming the criterion) when a score is missing or off its scale.
    """
    if not latest:
        return None
    scores = {evaluator: item_score(model, latest[evaluator]) for evaluator in sorted(latest)}
    count = len(scores)
    mean = quantise(sum((Fraction(s) for s in scores.values()), Fraction(0)) / count)
    raw_means = {
        c.key: Fraction(sum(raw[c.key] for raw in latest.values()), count) for c in model.criteria
    }
    mandatory_by = tuple(c.key for c in model.criteria if c.is_mandatory_at(raw_means[c.key]))
    return Consolidated(
        item_id=item_id,
        model_id=model.model_id,
        model_version=model.version,
        score=mean,
        spread=max(scores.values()) - min(scores.values()),
        evaluators=count,
        evaluator_scores=scores,
        per_criterion={key: quantise(value) for key, value in raw_means.items()},
        mandatory=bool(mandatory_by),
        mandatory_by=mandatory_by,
    )
