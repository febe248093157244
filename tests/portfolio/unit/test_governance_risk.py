"""An item's risk level comes from the rated risks of its business case, on the 5×5 matrix."""

from __future__ import annotations

import pytest

from pmo_portfolio.domain.governance import RiskLevel, business_case_risk_level
from pmo_portfolio.domain.governance.risk import level_of_score, risk_score


@pytest.mark.parametrize(
    ("risk", "score"),
    [
        ("Key users unavailable during rollout (P4 I3)", 12),
        ("Vendor lock-in, P2xI5", 10),
        ("Data migration slips: p5 × i5", 25),
        ("Regulator changes the rules (probability 3, impact 4)", 12),
        ("Scope creep", None),
    ],
)
def test_a_risk_is_rated_by_its_probability_times_its_impact(risk: str, score: int | None) -> None:
    assert risk_score(risk) == score


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (1, RiskLevel.LOW),
        (5, RiskLevel.LOW),
        (6, RiskLevel.MEDIUM),
        (11, RiskLevel.MEDIUM),
        (12, RiskLevel.HIGH),
        (19, RiskLevel.HIGH),
        (20, RiskLevel.CRITICAL),
        (25, RiskLevel.CRITICAL),
    ],
)
def test_a_score_falls_in_the_band_of_the_risk_matrix(score: int, level: RiskLevel) -> None:
    assert level_of_score(score) is level


def test_the_business_case_takes_the_level_of_its_worst_rated_risk() -> None:
    case = {"risks": ["Scope creep", "Vendor delay (P2 I2)", "Key users away (P4 I4)"]}

    assert business_case_risk_level(case) is RiskLevel.HIGH


@pytest.mark.parametrize("case", [None, {}, {"risks": []}, {"risks": ["Scope creep"]}])
def test_without_a_rated_risk_the_level_stays_unknown(case: dict[str, object] | None) -> None:
    assert business_case_risk_level(case) is None
