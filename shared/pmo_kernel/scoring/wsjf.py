"""WSJF, weighted shortest job first, the built-in alternative to a weighted model.

    WSJF = (business value + time criticality + risk reduction / opportunity enablement) / job size

Each component is scored on the modified Fibonacci scale 1, 2, 3, 5, 8, 13, 20; any other value
is refused. The result is rounded half up to two decimals: from 0.15 (3 / 20) to 60.00 (60 / 1).

A WSJF model is a scoring model of kind `wsjf` with exactly these four criteria. Their weights
(25 % each in the built-in definition) still add up to 100 % so that every model passes the same
checks, but the WSJF formula does not use them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from pmo_kernel.errors import DomainError
from pmo_kernel.scoring.model import (
    Criterion,
    Dimension,
    Direction,
    ModelKind,
    Scale,
    ScoringModelVersion,
    quantise,
)

FIBONACCI: tuple[int, ...] = (1, 2, 3, 5, 8, 13, 20)
FIBONACCI_SCALE = Scale(min=1, max=20, values=FIBONACCI)

BUSINESS_VALUE = "business_value"
TIME_CRITICALITY = "time_criticality"
RISK_REDUCTION = "risk_reduction"  # risk reduction and/or opportunity enablement
JOB_SIZE = "job_size"
COST_OF_DELAY_KEYS: tuple[str, ...] = (BUSINESS_VALUE, TIME_CRITICALITY, RISK_REDUCTION)
WSJF_KEYS: tuple[str, ...] = (*COST_OF_DELAY_KEYS, JOB_SIZE)

# The direction each component must have: the formula divides by job size, so a bigger job is
# worse, and every cost-of-delay component is better when higher.
WSJF_DIRECTIONS: Mapping[str, Direction] = {
    BUSINESS_VALUE: Direction.HIGHER_IS_BETTER,
    TIME_CRITICALITY: Direction.HIGHER_IS_BETTER,
    RISK_REDUCTION: Direction.HIGHER_IS_BETTER,
    JOB_SIZE: Direction.INVERSE,
}


def wsjf_criteria() -> tuple[Criterion, ...]:
    """The four WSJF components, ready for `ScoringModel.create(..., kind=wsjf, criteria=...)`."""
    quarter = Decimal(25)
    return (
        Criterion(
            key=BUSINESS_VALUE, label="User / business value", weight=quarter, scale=FIBONACCI_SCALE
        ),
        Criterion(
            key=TIME_CRITICALITY, label="Time criticality", weight=quarter, scale=FIBONACCI_SCALE
        ),
        Criterion(
            key=RISK_REDUCTION,
            label="Risk reduction / opportunity enablement",
            weight=quarter,
            scale=FIBONACCI_SCALE,
        ),
        Criterion(
            key=JOB_SIZE,
            label="Job size",
            weight=quarter,
            scale=FIBONACCI_SCALE,
            direction=Direction.INVERSE,
            dimension=Dimension.EFFORT,
        ),
    )


def wsjf_model(model_id: str = "wsjf", version: int = 1, name: str = "WSJF") -> ScoringModelVersion:
    """The built-in WSJF model definition as a published version."""
    return ScoringModelVersion(
        model_id=model_id, version=version, name=name, kind=ModelKind.WSJF, criteria=wsjf_criteria()
    )


def wsjf_problems(criteria: Sequence[Criterion]) -> list[str]:
    """Why `criteria` are not a WSJF model (empty when they are)."""
    problems: list[str] = []
    keys = [c.key for c in criteria]
    if sorted(keys) != sorted(WSJF_KEYS):
        problems.append(
            "a WSJF model has exactly the criteria " + ", ".join(WSJF_KEYS) + f", not {keys}"
        )
        return problems
    for criterion in criteria:
        if criterion.scale != FIBONACCI_SCALE:
            problems.append(
                f"WSJF criterion {criterion.key} must use the modified Fibonacci scale "
                + ", ".join(str(v) for v in FIBONACCI)
            )
        expected = WSJF_DIRECTIONS[criterion.key]
        if criterion.direction is not expected:
            problems.append(f"WSJF criterion {criterion.key} must be {expected.value}")
    return problems


def _fibonacci(component: str, value: int) -> int:
    if value not in FIBONACCI:
        raise DomainError(
            f"WSJF {component} must be on the modified Fibonacci scale "
            + ", ".join(str(v) for v in FIBONACCI)
            + f"; got {value}",
            criterion=component,
            value=value,
            allowed=list(FIBONACCI),
        )
    return value


def wsjf_score(
    business_value: int, time_criticality: int, risk_reduction: int, job_size: int
) -> Decimal:
    """(business value + time criticality + risk reduction) / job size, two decimals, half up."""
    cost_of_delay = (
        _fibonacci(BUSINESS_VALUE, business_value)
        + _fibonacci(TIME_CRITICALITY, time_criticality)
        + _fibonacci(RISK_REDUCTION, risk_reduction)
    )
    return quantise(Fraction(cost_of_delay, _fibonacci(JOB_SIZE, job_size)))


def wsjf_score_of(scores: Mapping[str, int]) -> Decimal:
    """`wsjf_score` from raw scores keyed by the WSJF criterion keys."""
    missing = [key for key in WSJF_KEYS if key not in scores]
    if missing:
        raise DomainError(
            "WSJF needs a score for " + ", ".join(missing),
            criteria=missing,
            allowed=list(FIBONACCI),
        )
    return wsjf_score(
        scores[BUSINESS_VALUE], scores[TIME_CRITICALITY], scores[RISK_REDUCTION], scores[JOB_SIZE]
    )
