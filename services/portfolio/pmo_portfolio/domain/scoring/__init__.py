"""Scoring and ranking of portfolio items: scoring models, evaluations, WSJF, ranking.

Pure decisions and values, no I/O. The ScoringModel aggregate lives on its own stream; the
`ItemScored` event lives on the portfolio item's stream and is built by `score_item`.
"""

from pmo_portfolio.domain.registry import registry
from pmo_portfolio.domain.scoring.evaluation import (
    Consolidated,
    ItemScores,
    ScoredEvaluation,
    consolidate,
    item_score,
    latest_by_evaluator,
    score_item,
    scores_of,
    validate_scores,
    weighted_score,
)
from pmo_portfolio.domain.scoring.events import (
    ItemScored,
    ScoringModelCreated,
    ScoringModelDraftRevised,
    ScoringModelEvent,
    ScoringModelRetired,
    ScoringModelVersionPublished,
)
from pmo_portfolio.domain.scoring.model import (
    Criterion,
    Dimension,
    Direction,
    ModelKind,
    ModelStatus,
    Scale,
    ScoringModelVersion,
    quantise,
)
from pmo_portfolio.domain.scoring.ranking import (
    RankedItem,
    RankInput,
    TradeoffPoint,
    portfolio_max_cost,
    rank,
    tradeoff_point,
)
from pmo_portfolio.domain.scoring.scoring_model import ScoringModel, validate_criteria
from pmo_portfolio.domain.scoring.wsjf import (
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
    "ItemScored",
    "ItemScores",
    "ModelKind",
    "ModelStatus",
    "RankInput",
    "RankedItem",
    "Scale",
    "ScoredEvaluation",
    "ScoringModel",
    "ScoringModelCreated",
    "ScoringModelDraftRevised",
    "ScoringModelEvent",
    "ScoringModelRetired",
    "ScoringModelVersion",
    "ScoringModelVersionPublished",
    "TradeoffPoint",
    "consolidate",
    "item_score",
    "latest_by_evaluator",
    "portfolio_max_cost",
    "quantise",
    "rank",
    "registry",
    "score_item",
    "scores_of",
    "tradeoff_point",
    "validate_criteria",
    "validate_scores",
    "weighted_score",
    "wsjf_criteria",
    "wsjf_model",
    "wsjf_score",
    "wsjf_score_of",
]
