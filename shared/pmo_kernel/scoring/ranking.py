"""Ranking the portfolio's items, and their place on the value / risk / cost trade-off chart.

Ranking order (documented, deterministic, independent of the order candidates are given in):
    1. mandatory items (a mandatory criterion's threshold reached), then other scored items,
       then unscored items last;
    2. within each group, higher consolidated score first;
    3. then lower estimated cost (an unknown cost after every known one);
    4. then earlier submission;
    5. then item id (alphabetical), so no two items ever tie.
Ranks are 1, 2, 3, ... with no shared ranks. Every scored candidate must have been consolidated
with the same model version (scores of different models are not comparable) and every known cost
must be in the same currency.

Trade-off point (a bubble chart: value across, risk up, cost as the bubble size), each 0–10:
    value = 10 × Σ wᵢ·normᵢ / Σ wᵢ over the criteria of dimension `value`
    risk  = 10 × Σ wᵢ·(1 − normᵢ) / Σ wᵢ over the criteria of dimension `risk`
    cost  = 10 × estimated cost / the portfolio's highest estimated cost
where normᵢ is the criterion's consolidated mean raw score normalised to 0..1 in its direction
(so 1 − normᵢ is how risky the item is on a risk criterion, whichever way its scale runs), and
the result is rounded half up to two decimals. An axis the data cannot give (no criterion of
that dimension, or no cost) is None.

Both kinds of model rank and chart the same way: a WSJF model's score is its WSJF (cost of delay /
job size), its three cost-of-delay components are value criteria and job size is effort. Items
are only ever ranked against items scored with the same model version.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from pydantic import AwareDatetime, BaseModel, ConfigDict

from pmo_kernel.errors import DomainError
from pmo_kernel.money import Money
from pmo_kernel.scoring.consolidation import Consolidated
from pmo_kernel.scoring.model import Dimension, ScoringModelVersion, quantise

TEN = Fraction(10)


class RankInput(BaseModel):
    """One candidate for the ranking: an item and, once scored, its consolidated score."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_id: str
    title: str
    consolidated: Consolidated | None = None
    estimated_cost: Money | None = None
    submitted_at: AwareDatetime


class RankedItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rank: int  # 1 is first
    item_id: str
    title: str
    score: Decimal | None  # None when not scored
    mandatory: bool
    reason: str  # why it stands there, in words


_GROUP_MANDATORY, _GROUP_SCORED, _GROUP_UNSCORED = 0, 1, 2


def _group(candidate: RankInput) -> int:
    if candidate.consolidated is None:
        return _GROUP_UNSCORED
    return _GROUP_MANDATORY if candidate.consolidated.mandatory else _GROUP_SCORED


def _score(candidate: RankInput) -> Decimal | None:
    return candidate.consolidated.score if candidate.consolidated is not None else None


def _cost_key(candidate: RankInput) -> tuple[int, Decimal]:
    cost = candidate.estimated_cost
    return (1, Decimal(0)) if cost is None else (0, cost.amount)


def _sort_key(candidate: RankInput) -> tuple[int, Decimal, tuple[int, Decimal], datetime, str]:
    score = _score(candidate)
    return (
        _group(candidate),
        -score if score is not None else Decimal(0),
        _cost_key(candidate),
        candidate.submitted_at,
        candidate.item_id,
    )


def _check_comparable(candidates: Sequence[RankInput]) -> None:
    ids = [c.item_id for c in candidates]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"items given more than once: {repeated}")
    for candidate in candidates:
        scored = candidate.consolidated
        if scored is not None and scored.item_id != candidate.item_id:
            raise ValueError(
                f"item {candidate.item_id} carries the consolidated score of {scored.item_id}"
            )
    versions = sorted(
        {
            (c.consolidated.model_id, c.consolidated.model_version)
            for c in candidates
            if c.consolidated
        }
    )
    if len(versions) > 1:
        named = ", ".join(f"{model} v{version}" for model, version in versions)
        raise DomainError(
            "items scored with different scoring model versions cannot be ranked together: "
            + named,
            rule="one_model_version",
            model_versions=[f"{model} v{version}" for model, version in versions],
        )
    currencies = sorted({c.estimated_cost.currency for c in candidates if c.estimated_cost})
    if len(currencies) > 1:
        raise DomainError(
            "estimated costs in different currencies cannot be compared: " + ", ".join(currencies),
            rule="one_currency",
            currencies=currencies,
        )


def _why_after(previous: RankInput, candidate: RankInput) -> str:
    if _cost_key(previous) != _cost_key(candidate):
        return "higher estimated cost" if candidate.estimated_cost else "no estimated cost"
    if previous.submitted_at != candidate.submitted_at:
        return "later submission"
    return "item id"


def _reason(candidate: RankInput, previous: RankInput | None) -> str:
    scored = candidate.consolidated
    if scored is None:
        reason = "not scored yet"
    elif scored.mandatory:
        reason = f"mandatory ({', '.join(scored.mandatory_by)}); score {scored.score}"
    else:
        reason = f"score {scored.score}"
    if (
        previous is not None
        and _group(previous) == _group(candidate)
        and _score(previous) == _score(candidate)
    ):
        same = "also not scored" if scored is None else "same score"
        reason += f"; {same} as {previous.item_id}, after it by {_why_after(previous, candidate)}"
    return reason


def rank(candidates: Sequence[RankInput]) -> list[RankedItem]:
    """Every candidate, once, in ranking order (see the module docstring)."""
    _check_comparable(candidates)
    ordered = sorted(candidates, key=_sort_key)
    ranked: list[RankedItem] = []
    previous: RankInput | None = None
    for position, candidate in enumerate(ordered, start=1):
        scored = candidate.consolidated
        ranked.append(
            RankedItem(
                rank=position,
                item_id=candidate.item_id,
                title=candidate.title,
                score=scored.score if scored is not None else None,
                mandatory=scored is not None and scored.mandatory,
                reason=_reason(candidate, previous),
            )
        )
        previous = candidate
    return ranked


class TradeoffPoint(BaseModel):
    """An item on the trade-off chart; each axis 0–10, None when the data cannot give it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_id: str
    value: Decimal | None
    risk: Decimal | None
    cost: Decimal | None


def _weighted_mean(pairs: list[tuple[Fraction, Fraction]]) -> Decimal | None:
    total = sum((weight for weight, _ in pairs), Fraction(0))
    if not pairs or total == 0:
        return None
    return quantise(TEN * sum((w * x for w, x in pairs), Fraction(0)) / total)


def _cost_axis(cost: Money | None, max_cost: Money | None) -> Decimal | None:
    if cost is None or max_cost is None:
        return None
    if cost.currency != max_cost.currency:
        raise DomainError(
            f"cannot place a cost in {cost.currency} against a maximum in {max_cost.currency}",
            rule="one_currency",
            currencies=sorted({cost.currency, max_cost.currency}),
        )
    if cost.amount < 0 or cost.exceeds(max_cost):
        raise ValueError(f"cost {cost} must lie between zero and the portfolio maximum {max_cost}")
    if max_cost.amount == 0:
        return quantise(0)
    return quantise(TEN * Fraction(cost.amount) / Fraction(max_cost.amount))


def tradeoff_point(
    model: ScoringModelVersion,
    consolidated: Consolidated,
    cost: Money | None,
    max_cost: Money | None,
) -> TradeoffPoint:
    """Value, risk and cost of one item, each 0–10 (formulas in the module docstring).

    `max_cost` is the highest estimated cost in the portfolio being charted (pass it in: this
    function sees one item).
    """
    if (consolidated.model_id, consolidated.model_version) != (model.model_id, model.version):
        raise ValueError(
            f"item {consolidated.item_id} was consolidated with {consolidated.model_id} "
            f"v{consolidated.model_version}, not {model.reference}"
        )
    value: list[tuple[Fraction, Fraction]] = []
    risk: list[tuple[Fraction, Fraction]] = []
    for criterion in model.criteria:
        mean = Fraction(consolidated.per_criterion[criterion.key])
        norm = criterion.normalised(mean)
        weight = Fraction(criterion.weight)
        if criterion.dimension is Dimension.VALUE:
            value.append((weight, norm))
        elif criterion.dimension is Dimension.RISK:
            risk.append((weight, 1 - norm))
    return TradeoffPoint(
        item_id=consolidated.item_id,
        value=_weighted_mean(value),
        risk=_weighted_mean(risk),
        cost=_cost_axis(cost, max_cost),
    )


def portfolio_max_cost(costs: Sequence[Money | None]) -> Money | None:
    """The highest known cost (the `max_cost` of `tradeoff_point`); None when none is known.
    Refused (DomainError, rule one_currency) when the known costs are in different currencies."""
    known = [c for c in costs if c is not None]
    if not known:
        return None
    currencies = sorted({c.currency for c in known})
    if len(currencies) > 1:
        raise DomainError(
            "estimated costs in different currencies cannot be compared: " + ", ".join(currencies),
            rule="one_currency",
            currencies=currencies,
        )
    highest = known[0]
    for cost in known[1:]:
        if cost.exceeds(highest):
            highest = cost
    return highest
