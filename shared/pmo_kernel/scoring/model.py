"""Value objects of scoring: criteria, their scales, and a published version of a scoring model.

They are shared by commands and events of the portfolio service and by the reporting service's
read side, so their validation is the one place where "a well-formed criterion" is defined. Rules
about a set of criteria (weights adding up to 100 %, unique keys, the shape of a WSJF model) are
business rules checked by the portfolio service's ScoringModel aggregate, which refuses with a
DomainError naming the rule.

Arithmetic is exact: raw scores are integers, weights are Decimal percentages, and everything in
between is a Fraction, rounded once (half up) to two decimals when a number is shown or stored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from pmo_kernel.errors import DomainError

CRITERION_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,49}$"
CriterionKey = Annotated[str, StringConstraints(pattern=CRITERION_KEY_PATTERN)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ModelName = Label
ModelId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ItemId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ActorId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ModelVersionNumber = Annotated[int, Field(ge=1)]
# A weight is a percentage of the whole model: 0 < weight <= 100, at most four decimals.
Weight = Annotated[Decimal, Field(gt=0, le=100, max_digits=7, decimal_places=4)]
ScalePoint = Annotated[int, Field(ge=-1_000, le=1_000)]

HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


def quantise(value: Fraction | Decimal | int) -> Decimal:
    """Round to two decimals, half away from zero, exactly (no intermediate binary or 28-digit
    rounding): the single place where a score becomes a shown number."""
    exact = Fraction(value) * 100
    sign = -1 if exact < 0 else 1
    cents = math.floor(abs(exact) + Fraction(1, 2))
    return (Decimal(sign * cents) * _CENT).quantize(_CENT)


class ModelKind(StrEnum):
    WEIGHTED = "weighted"  # Σ weight × normalised score, 0–100
    WSJF = "wsjf"  # weighted shortest job first: cost of delay / job size


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"  # normalised (s − min) / (max − min)
    INVERSE = "inverse"  # risk, complexity, cost: normalised (max − s) / (max − min)


class Dimension(StrEnum):
    """Which axis of the trade-off chart a criterion feeds (see ranking.tradeoff_point)."""

    VALUE = "value"  # strategic alignment, business value, regulatory obligation, ...
    RISK = "risk"  # delivery risk
    EFFORT = "effort"  # complexity, cost: counted in the score, on neither value nor risk axis


class _ValueObject(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Scale(_ValueObject):
    """The integers an evaluator may give: `min`..`max`, or only `values` when it is given
    (the WSJF modified Fibonacci scale is 1..20 restricted to 1, 2, 3, 5, 8, 13, 20)."""

    min: ScalePoint
    max: ScalePoint
    # At least the minimum and the maximum, the points every restricted scale starts and ends at.
    values: tuple[ScalePoint, ...] | None = Field(default=None, min_length=2)

    @model_validator(mode="after")
    def _well_formed(self) -> Self:
        if self.min >= self.max:
            raise ValueError(f"scale minimum {self.min} must be below its maximum {self.max}")
        if self.values is not None:
            if list(self.values) != sorted(set(self.values)):
                raise ValueError("scale values must be strictly increasing")
            if self.values[0] != self.min or self.values[-1] != self.max:
                raise ValueError(
                    f"scale values must start at the minimum {self.min} and end at the maximum "
                    f"{self.max}"
                )
        return self

    def allows(self, raw: int) -> bool:
        if self.values is not None:
            return raw in self.values
        return self.min <= raw <= self.max

    def describe(self) -> str:
        if self.values is not None:
            return "one of " + ", ".join(str(v) for v in self.values)
        return f"an integer from {self.min} to {self.max}"


class Criterion(_ValueObject):
    """One thing items are scored on. `key` is stable across versions; the label may change.

    `mandatory_when_at_least`: an item whose consolidated (mean) raw score on this criterion is at
    or above the threshold is mandatory, and ranks before every non-mandatory item (e.g. a
    regulatory obligation). The threshold compares raw scores, whatever the direction.
    """

    key: CriterionKey
    label: Label
    weight: Weight
    scale: Scale
    direction: Direction = Direction.HIGHER_IS_BETTER
    dimension: Dimension = Dimension.VALUE
    mandatory_when_at_least: int | None = None

    @model_validator(mode="after")
    def _threshold_on_scale(self) -> Self:
        threshold = self.mandatory_when_at_least
        if threshold is not None and not self.scale.min <= threshold <= self.scale.max:
            raise ValueError(
                f"criterion {self.key}: mandatory threshold {threshold} is outside its scale "
                f"{self.scale.min}–{self.scale.max}"
            )
        return self

    def normalised(self, raw: int | Fraction) -> Fraction:
        """Where `raw` sits on the scale, 0 (worst) to 1 (best), taking the direction into account:
        (s − min) / (max − min), or (max − s) / (max − min) for an inverse criterion."""
        span = self.scale.max - self.scale.min
        if self.direction is Direction.INVERSE:
            return Fraction(self.scale.max - raw) / span
        return Fraction(raw - self.scale.min) / span

    def is_mandatory_at(self, raw: int | Fraction) -> bool:
        return self.mandatory_when_at_least is not None and raw >= self.mandatory_when_at_least


class ScoringModelVersion(_ValueObject):
    """A published, immutable version of a scoring model: what a score was computed with.

    Scores name their model id and version, so publishing version 2 never changes a score given
    with version 1: that score is still computed from this object.
    """

    model_id: ModelId
    version: ModelVersionNumber
    name: ModelName
    kind: ModelKind
    criteria: tuple[Criterion, ...] = Field(min_length=1)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.criteria)

    @property
    def reference(self) -> str:
        return f"{self.model_id} v{self.version}"

    def criterion(self, key: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.key == key:
                return criterion
        raise DomainError(
            f"scoring model {self.reference} has no criterion {key!r}",
            criterion=key,
            criteria=list(self.keys),
        )

    def by_key(self) -> Mapping[str, Criterion]:
        return {c.key: c for c in self.criteria}
