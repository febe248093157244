"""The 5×5 risk matrix rule, I/O-free, shared by the portfolio (which rates risks) and reporting
(which counts them): score = probability × impact, each on 1–5, and the band of a score
(DOMAIN.md): 20–25 critical, 12–19 high, 6–11 medium, 2–5 low, 1 minimal.
"""

from __future__ import annotations

SCALE = range(1, 6)
BANDS = ("critical", "high", "medium", "low", "minimal")  # worst first
_FLOORS = ((20, "critical"), (12, "high"), (6, "medium"), (2, "low"), (1, "minimal"))


def band_name(score: int) -> str:
    """The band of a probability × impact score (1–25); ValueError off the scale."""
    if not 1 <= score <= 25:
        raise ValueError(f"a risk score is from 1 to 25, got {score}")
    return next(band for floor, band in _FLOORS if score >= floor)


__all__ = ["BANDS", "SCALE", "band_name"]
