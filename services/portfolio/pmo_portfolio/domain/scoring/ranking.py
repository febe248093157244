"""Ranking the portfolio's items, and their place on the value / risk / cost trade-off chart: the
rules live in the shared kernel, pmo_kernel.scoring.ranking (the reporting service ranks and
charts with them too); re-exported here for the portfolio domain."""

from __future__ import annotations

from pmo_kernel.scoring.ranking import (
    RankedItem,
    RankInput,
    TradeoffPoint,
    portfolio_max_cost,
    rank,
    tradeoff_point,
)

__all__ = [
    "RankInput",
    "RankedItem",
    "TradeoffPoint",
    "portfolio_max_cost",
    "rank",
    "tradeoff_point",
]
