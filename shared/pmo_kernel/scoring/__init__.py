"""Scoring rules shared by the services: scoring model versions and their criteria, the score of
an evaluation (weighted, or WSJF = cost of delay / job size), the consolidation of evaluators, the
ranking, and the value / risk / cost trade-off chart.

Pure functions and frozen value types, no I/O: no database, no events, no web framework. The
portfolio service decides with them; the reporting service shows what they give on its read
models, so both always agree. (A service never imports another service; both import this.)
"""

from pmo_kernel.scoring.consolidation import (
    Consolidated,
    consolidate_scores,
    item_score,
    validate_scores,
    weighted_score,
)
from pmo_kernel.scoring.model import (
    Criterion,
    Dimension,
    Direction,
    ModelKind,
    Scale,
    ScoringModelVersion,
    quantise,
)
from pmo_kernel.scoring.ranking import (
    RankedItem,
    RankInput,
    TradeoffPoint,
    portfolio_max_cost,
    rank,
    tradeoff_point,
)
from pmo_kernel.scoring.wsjf import (
    BUSINESS_VALUE,
    FIBONACCI,
    FIBONACCI_SCALE,
    JOB_SIZE,
    RISK_REDUCTION,
    TIME_CRITICALITY,
    WSJF_KEYS,
    wsjf_criteria,
    wsjf_model,
    wsjf_score,
    wsjf_score_of,
)

__all__ = [
    "BUSINESS_VALUE",
    "FIBONACCI",
    "FIBONACCI_SCALE",
    "JOB_SIZE",
    "RISK_REDUCTION",
    "TIME_CRITICALITY",
    "WSJF_KEYS",
    "Consolidated",
    "Criterion",
    "Dimension",
    "Direction",
    "ModelKind",
    "RankInput",
    "RankedItem",
    "Scale",
    "ScoringModelVersion",
    "TradeoffPoint",
    "consolidate_scores",
    "item_score",
    "portfolio_max_cost",
    "quantise",
    "rank",
    "tradeoff_point",
    "validate_scores",
    "weighted_score",
    "wsjf_criteria",
    "wsjf_model",
    "wsjf_score",
    "wsjf_score_of",
]
