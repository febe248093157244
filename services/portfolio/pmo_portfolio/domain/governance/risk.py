"""An item's risk level, read from the risks its business case lists.

The demand's business case lists its risks as sentences. A requester rates one by writing its
probability and impact on the 1–5 scales of the risk register in it, as "P4 I3", "P4xI3" or
"probability 4, impact 3". The item's risk level is that of its worst rated risk on the 5×5
matrix (probability × impact): 20–25 critical, 12–19 high, 6–11 medium, 1–5 low (the matrix's
"minimal", 1, counts as low: routing rules know four levels). Unrated risks say nothing, and a
business case without a rated risk leaves the level unknown, so a rule on it stays undetermined.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pmo_portfolio.domain.governance.vocabulary import RiskLevel

_SHORT = re.compile(r"\bP\s*([1-5])\s*[x×*,/]?\s*I\s*([1-5])\b", re.IGNORECASE)
_LONG = re.compile(r"\bprobability\W*([1-5])\b.*?\bimpact\W*([1-5])\b", re.IGNORECASE)
_BANDS: tuple[tuple[int, RiskLevel], ...] = (
    (20, RiskLevel.CRITICAL),
    (12, RiskLevel.HIGH),
    (6, RiskLevel.MEDIUM),
    (1, RiskLevel.LOW),
)


def risk_score(risk: str) -> int | None:
    """Probability × impact of one risk sentence, or None when it is not rated."""
    match = _SHORT.search(risk) or _LONG.search(risk)
    if match is None:
        return None
    return int(match.group(1)) * int(match.group(2))


def level_of_score(score: int) -> RiskLevel:
    """Where a probability × impact score (1–25) falls on the risk matrix."""
    return next(level for floor, level in _BANDS if score >= floor)


def risk_level_of(risks: Iterable[str]) -> RiskLevel | None:
    """The level of the worst rated risk; None when none is rated."""
    scores = [score for score in map(risk_score, risks) if score is not None]
    return level_of_score(max(scores)) if scores else None


def business_case_risk_level(business_case: Mapping[str, Any] | None) -> RiskLevel | None:
    """The risk level a business case snapshot gives, from its `risks` list."""
    risks = (business_case or {}).get("risks") or []
    return risk_level_of(risk for risk in risks if isinstance(risk, str))


__all__ = ["business_case_risk_level", "level_of_score", "risk_level_of", "risk_score"]
