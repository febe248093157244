"""Scores on the read side, computed by the very rules the portfolio service decides with.

Reporting does not import the portfolio service; both import the shared kernel's scoring rules,
pmo_kernel.scoring (the score of an evaluation, weighted or WSJF; the consolidation of the
evaluators; the ranking; the trade-off chart: formulas in its modules' docstrings). This module
only reads the read models' plain data into the kernel's value objects:

- a published version of a `scoring_models` row (kind, criteria as published) becomes a
  `ScoringModelVersion`. A criterion published without a `dimension` feeds the value axis when
  higher_is_better, the risk axis when its key or label says "risk", and neither otherwise;
- each evaluator's latest evaluation (the non-superseded score row) is consolidated;
- an open item becomes a `RankInput` (its estimated cost as Money, its registration as its
  submission).

Scores the read model holds but the version does not accept (a criterion missing, a value off
its scale) have no total here, rather than failing the query: the read side shows, it does not
refuse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from pmo_kernel.errors import DomainError
from pmo_kernel.money import Money
from pmo_kernel.scoring import (
    Consolidated,
    RankInput,
    ScoringModelVersion,
    TradeoffPoint,
    consolidate_scores,
    item_score,
)
from pmo_kernel.scoring import tradeoff_point as kernel_tradeoff_point

Criterion = Mapping[str, Any]
# A version given without its identity (a bare {kind, criteria}, looked at on its own) is read as
# version 1 of a model of this id; `model_version` always gives the identity.
UNNAMED = "unnamed"


def model_version(model: Mapping[str, Any] | None, version: int) -> Mapping[str, Any] | None:
    """The published version `version` of a `scoring_models` row (kind, criteria), with the
    model's id, if any."""
    if model is None:
        return None
    for published in model.get("versions") or []:
        if int(published["version"]) == version:
            return {**published, "model_id": model["id"]}
    return None


def axis_of(criterion: Criterion) -> str | None:
    """ "value", "risk", or None (effort: counted in the score, on neither axis)."""
    dimension = criterion.get("dimension")
    if dimension is not None:
        return str(dimension) if dimension in ("value", "risk") else None
    words = f"{criterion['key']} {criterion.get('label', '')}".lower()
    if "risk" in words:
        return "risk"
    return "value" if criterion.get("direction", "higher_is_better") == "higher_is_better" else None


def _criterion(criterion: Criterion) -> dict[str, Any]:
    return {
        **criterion,
        "label": criterion.get("label") or criterion["key"],
        "dimension": criterion.get("dimension") or axis_of(criterion) or "effort",
    }


def published(version: Mapping[str, Any]) -> ScoringModelVersion | None:
    """A read model's published version as the kernel's value object; None when its data is not
    a well-formed version."""
    model_id = str(version.get("model_id") or UNNAMED)
    try:
        return ScoringModelVersion(
            model_id=model_id,
            version=int(version.get("version", 1)),
            name=str(version.get("name") or model_id),
            kind=version.get("kind", "weighted"),
            criteria=tuple(_criterion(c) for c in version["criteria"]),
        )
    except ValidationError:
        return None


def evaluation_total(version: Mapping[str, Any], scores: Mapping[str, int]) -> Decimal | None:
    """One evaluation's score on a model version: weighted (0–100) or WSJF, by the version's
    kind; None when the version does not accept these scores."""
    model = published(version)
    if model is None:
        return None
    try:
        return item_score(model, scores)
    except DomainError:
        return None


def consolidate(
    version: Mapping[str, Any], latest: Sequence[Mapping[str, int]], item_id: str = ""
) -> Consolidated | None:
    """All evaluators' latest scores on one model version, taken together; None without any,
    or when the version does not accept them."""
    model = published(version)
    if model is None or not latest:
        return None
    try:
        return consolidate_scores(
            model, item_id, {f"evaluator {n}": scores for n, scores in enumerate(latest, 1)}
        )
    except DomainError:
        return None


def rank_input(
    row: Mapping[str, Any], consolidated: Consolidated | None, cost: Money | None
) -> RankInput:
    """An open item of the `portfolio_items` read model, a candidate for the ranking."""
    registered_at: datetime = row["registered_at"]
    return RankInput(
        item_id=row["id"],
        title=row["title"],
        consolidated=consolidated,
        estimated_cost=cost,
        submitted_at=registered_at,
    )


def estimated_cost(row: Mapping[str, Any]) -> Money | None:
    """The estimated cost of a `portfolio_items` row, if it has one."""
    amount, currency = row.get("estimated_cost"), row.get("estimated_cost_currency")
    if amount is None or currency is None:
        return None
    return Money(amount=Decimal(str(amount)), currency=str(currency))


def tradeoff_point(
    version: Mapping[str, Any],
    consolidated: Consolidated,
    cost: Money | None,
    max_cost: Money | None,
) -> TradeoffPoint:
    """The kernel's trade-off point of one item, on a read model's published version."""
    model = published(version)
    if model is None:
        raise ValueError("the version's data is not a well-formed scoring model version")
    return kernel_tradeoff_point(model, consolidated, cost, max_cost)
