"""The 5×5 risk matrix: a rating's score and band, pure functions on plain numbers.

Score = probability × impact, each on 1–5. The rule is the kernel's (pmo_kernel.risk), which
reporting counts with too. Bands (DOMAIN.md): 20–25 critical, 12–19 high, 6–11
medium, 2–5 low, 1 minimal. A rating off the scales is refused in words (a DomainError, 422),
never clamped: a probability of 6 or 0 is a mistake to show, not a 5 or a 1 to guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmo_kernel.errors import DomainError
from pmo_kernel.risk import SCALE, band_name
from pmo_portfolio.domain.delivery.registers.values import Band


@dataclass(frozen=True, order=True)
class Rating:
    """A probability and an impact, both on the 1–5 scales."""

    probability: int
    impact: int

    def __post_init__(self) -> None:
        for name, value in (("probability", self.probability), ("impact", self.impact)):
            if isinstance(value, bool) or not isinstance(value, int) or value not in SCALE:
                raise DomainError(
                    f"{name} must be a whole number from 1 to 5, got {value!r}",
                    field=name,
                    value=value,
                )

    @property
    def score(self) -> int:
        return self.probability * self.impact

    @property
    def band(self) -> Band:
        return band_of(self.score)


def band_of(score: int) -> Band:
    """The band of a probability × impact score (1–25)."""
    if not 1 <= score <= 25:
        raise DomainError(f"a risk score is from 1 to 25, got {score}", score=score)
    return Band(band_name(score))


def band(probability: int, impact: int) -> Band:
    """The band of a rating: `band(4, 5)` is critical, `band(1, 1)` minimal."""
    return Rating(probability, impact).band


__all__ = ["SCALE", "Rating", "band", "band_of"]
