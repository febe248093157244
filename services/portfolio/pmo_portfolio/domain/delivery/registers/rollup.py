"""The portfolio's view across every item's register, pure functions on risks and issues:

- `matrix_counts`: open risks per cell of the 5×5 matrix, inherent or residual (a risk without a
  planned response counts at its inherent rating in both); the cells add up to the open risks;
- `top_risks`: the open risks by residual score, then inherent score, then age (the oldest
  first), then item and risk id, so that the order is total and stable across calls;
- `open_issues_by_severity`: the open issues per severity, worst first, every severity listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pmo_portfolio.domain.delivery.registers.matrix import SCALE, Rating
from pmo_portfolio.domain.delivery.registers.risk_register import Issue, Risk
from pmo_portfolio.domain.delivery.registers.values import SEVERITIES, Band, Severity


@dataclass(frozen=True)
class MatrixCell:
    probability: int
    impact: int
    count: int

    @property
    def score(self) -> int:
        return self.probability * self.impact

    @property
    def band(self) -> Band:
        return Rating(self.probability, self.impact).band


def matrix_counts(risks: Iterable[Risk], *, residual: bool = False) -> list[MatrixCell]:
    """All 25 cells, probability then impact ascending, with the open risks rated in each."""
    counts = {(p, i): 0 for p in SCALE for i in SCALE}
    for risk in risks:
        if risk.open:
            rating = risk.residual if residual else risk.inherent
            counts[(rating.probability, rating.impact)] += 1
    return [MatrixCell(p, i, n) for (p, i), n in counts.items()]


def band_counts(cells: Iterable[MatrixCell]) -> dict[Band, int]:
    """The matrix's cells added up per band, every band listed (worst first)."""
    totals = dict.fromkeys(Band, 0)
    for cell in cells:
        totals[cell.band] += cell.count
    return totals


def rank_key(risk: Risk) -> tuple[int, int, object, str, str]:
    return (
        -risk.residual.score,
        -risk.inherent.score,
        risk.identified_at,
        risk.item_id,
        risk.risk_id,
    )


def top_risks(risks: Iterable[Risk], limit: int | None = None) -> list[Risk]:
    ranked = sorted((risk for risk in risks if risk.open), key=rank_key)
    return ranked if limit is None else ranked[:limit]


def open_issues_by_severity(issues: Iterable[Issue]) -> dict[Severity, list[Issue]]:
    """Open issues per severity (worst first), each list by due date then raise time."""
    grouped: dict[Severity, list[Issue]] = {severity: [] for severity in SEVERITIES}
    for issue in issues:
        if issue.open:
            grouped[issue.severity].append(issue)
    for listed in grouped.values():
        listed.sort(key=lambda i: (i.due_on, i.raised_at, i.item_id, i.issue_id))
    return grouped


__all__ = [
    "MatrixCell",
    "band_counts",
    "matrix_counts",
    "open_issues_by_severity",
    "rank_key",
    "top_risks",
]
