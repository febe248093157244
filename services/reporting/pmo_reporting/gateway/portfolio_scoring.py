"""Scores computed on the read side, mirroring the portfolio service's formulas.

Reporting does not import the portfolio service, so the formulas of
services/portfolio/pmo_portfolio/domain/scoring/{evaluation,ranking,model}.py are repeated here,
on the read models' plain data (a scoring model version's criteria as published):

Score of one evaluation (weighted model)
    Σ weightᵢ × normalisedᵢ, 0–100; normalised = (s − min) / (max − min) for higher_is_better,
    (max − s) / (max − min) for inverse. Exact (Fraction), rounded half up to two decimals.
Consolidation (one item, one model version)
    Each evaluator's latest evaluation (the non-superseded score row). Score: the mean of the
    evaluators' scores as shown (two decimals), rounded half up; spread: highest − lowest. The
    item is mandatory when the mean raw score of a criterion with `mandatory_when_at_least`
    reaches that threshold.
Ranking
    Mandatory items first, then other scored items, then unscored ones; within a group higher
    score first, then lower estimated cost (unknown last), then earlier registration, then id.
Trade-off point, each axis 0–10
    value = 10 × Σ wᵢ·normᵢ / Σ wᵢ over the value criteria, risk = 10 × Σ wᵢ·(1 − normᵢ) / Σ wᵢ
    over the risk criteria (normᵢ: the mean raw score normalised in its direction), cost =
    10 × cost / the highest cost charted. A criterion's axis is its `dimension`; criteria
    published without one count as value when higher_is_better, as risk when their key or label
    says "risk". An axis the data cannot give is null.

WSJF models are not mirrored (yet): their evaluations have no total here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

Criterion = Mapping[str, Any]
_CENT = Decimal("0.01")
TEN = Fraction(10)


def quantise(value: Fraction | Decimal | int) -> Decimal:
    """Two decimals, half away from zero, exactly."""
    exact = Fraction(value) * 100
    sign = -1 if exact < 0 else 1
    cents = math.floor(abs(exact) + Fraction(1, 2))
    return (Decimal(sign * cents) * _CENT).quantize(_CENT)


def model_version(model: Mapping[str, Any] | None, version: int) -> Mapping[str, Any] | None:
    """The published version `version` of a `scoring_models` row (kind, criteria), if any."""
    if model is None:
        return None
    for published in model.get("versions") or []:
        if int(published["version"]) == version:
            found: Mapping[str, Any] = published
            return found
    return None


def normalised(criterion: Criterion, raw: Fraction | int) -> Fraction:
    low, high = int(criterion["scale"]["min"]), int(criterion["scale"]["max"])
    if criterion.get("direction") == "inverse":
        return Fraction(high - raw) / (high - low)
    return Fraction(raw - low) / (high - low)


def evaluation_total(version: Mapping[str, Any], scores: Mapping[str, int]) -> Decimal | None:
    """One evaluation's score on a weighted model version; None for another kind of model or
    when a criterion of the version has no score."""
    exact = _exact_total(version, scores)
    return quantise(exact) if exact is not None else None


def _exact_total(version: Mapping[str, Any], scores: Mapping[str, int]) -> Fraction | None:
    if version.get("kind", "weighted") != "weighted":
        return None
    total = Fraction(0)
    for criterion in version["criteria"]:
        raw = scores.get(criterion["key"])
        if raw is None:
            return None
        total += Fraction(Decimal(str(criterion["weight"]))) * normalised(criterion, raw)
    return total


@dataclass(frozen=True)
class Consolidated:
    score: Decimal
    spread: Decimal
    evaluators: int
    mandatory: bool
    raw_means: Mapping[str, Fraction]  # criterion key → mean raw score


def consolidate(
    version: Mapping[str, Any], latest: Sequence[Mapping[str, int]]
) -> Consolidated | None:
    """All evaluators' latest scores on one model version, taken together; None without any
    (or for a model kind not mirrored here)."""
    totals = [evaluation_total(version, scores) for scores in latest]
    shown = [t for t in totals if t is not None]
    if not shown or len(shown) != len(totals):
        return None
    count = len(shown)
    raw_means = {
        c["key"]: Fraction(sum(scores[c["key"]] for scores in latest), count)
        for c in version["criteria"]
    }
    mandatory = any(
        c.get("mandatory_when_at_least") is not None
        and raw_means[c["key"]] >= int(c["mandatory_when_at_least"])
        for c in version["criteria"]
    )
    return Consolidated(
        score=quantise(sum((Fraction(t) for t in shown), Fraction(0)) / count),
        spread=max(shown) - min(shown),
        evaluators=count,
        mandatory=mandatory,
        raw_means=raw_means,
    )


# -- ranking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    item_id: str
    consolidated: Consolidated | None
    cost: Decimal | None
    registered_at: datetime


def rank(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates in ranking order (module docstring); rank = position + 1."""

    def key(c: Candidate) -> tuple[int, Decimal, tuple[int, Decimal], datetime, str]:
        group = 2 if c.consolidated is None else (0 if c.consolidated.mandatory else 1)
        score = c.consolidated.score if c.consolidated is not None else Decimal(0)
        cost = (1, Decimal(0)) if c.cost is None else (0, c.cost)
        return (group, -score, cost, c.registered_at, c.item_id)

    return sorted(candidates, key=key)


# -- the trade-off chart --------------------------------------------------------------------


def axis_of(criterion: Criterion) -> str | None:
    """ "value", "risk", or None (effort: counted in the score, on neither axis)."""
    dimension = criterion.get("dimension")
    if dimension is not None:
        return str(dimension) if dimension in ("value", "risk") else None
    words = f"{criterion['key']} {criterion.get('label', '')}".lower()
    if "risk" in words:
        return "risk"
    return "value" if criterion.get("direction", "higher_is_better") == "higher_is_better" else None


@dataclass(frozen=True)
class Point:
    value: Decimal | None
    risk: Decimal | None
    cost: Decimal | None


def tradeoff_point(
    version: Mapping[str, Any],
    consolidated: Consolidated,
    cost: Decimal | None,
    max_cost: Decimal | None,
) -> Point:
    value: list[tuple[Fraction, Fraction]] = []
    risk: list[tuple[Fraction, Fraction]] = []
    for criterion in version["criteria"]:
        weight = Fraction(Decimal(str(criterion["weight"])))
        norm = normalised(criterion, consolidated.raw_means[criterion["key"]])
        axis = axis_of(criterion)
        if axis == "value":
            value.append((weight, norm))
        elif axis == "risk":
            risk.append((weight, 1 - norm))
    return Point(value=_weighted(value), risk=_weighted(risk), cost=_cost_axis(cost, max_cost))


def _weighted(pairs: list[tuple[Fraction, Fraction]]) -> Decimal | None:
    total = sum((w for w, _ in pairs), Fraction(0))
    if not pairs or total == 0:
        return None
    return quantise(TEN * sum((w * n for w, n in pairs), Fraction(0)) / total)


def _cost_axis(cost: Decimal | None, max_cost: Decimal | None) -> Decimal | None:
    if cost is None or max_cost is None:
        return None
    if max_cost == 0:
        return quantise(0)
    return quantise(TEN * Fraction(cost) / Fraction(max_cost))
