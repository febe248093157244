"""WSJF, weighted shortest job first: the formula and the built-in model live in the shared
kernel, pmo_kernel.scoring.wsjf (reporting computes WSJF scores with it too); re-exported here."""

from __future__ import annotations

from pmo_kernel.scoring.wsjf import (
    BUSINESS_VALUE,
    COST_OF_DELAY_KEYS,
    FIBONACCI,
    FIBONACCI_SCALE,
    JOB_SIZE,
    RISK_REDUCTION,
    TIME_CRITICALITY,
    WSJF_DIRECTIONS,
    WSJF_KEYS,
    wsjf_criteria,
    wsjf_model,
    wsjf_problems,
    wsjf_score,
    wsjf_score_of,
)

__all__ = [
    "BUSINESS_VALUE",
    "COST_OF_DELAY_KEYS",
    "FIBONACCI",
    "FIBONACCI_SCALE",
    "JOB_SIZE",
    "RISK_REDUCTION",
    "TIME_CRITICALITY",
    "WSJF_DIRECTIONS",
    "WSJF_KEYS",
    "wsjf_criteria",
    "wsjf_model",
    "wsjf_problems",
    "wsjf_score",
    "wsjf_score_of",
]
