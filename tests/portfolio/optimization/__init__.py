"""Optimal portfolio selection tests. This package also holds the builders the modules share:
one budget year and two role-periods unless a test says otherwise."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from pmo_portfolio.optimization import Candidate, SelectionProblem

YEAR = 2027
Q1 = "2027-Q1"
Q2 = "2027-Q2"


def item(
    id: str,
    score: int | str,
    cost: int | str = 0,
    architect: int | str = 0,
    developer: int | str = 0,
    *,
    mandatory: bool = False,
) -> Candidate:
    """A candidate costing `cost` in 2027, needing architect hours in Q1 and developer hours
    in Q2."""
    demand: dict[str, dict[str, Decimal]] = {}
    if Decimal(architect):
        demand["architect"] = {Q1: Decimal(architect)}
    if Decimal(developer):
        demand["developer"] = {Q2: Decimal(developer)}
    return Candidate(
        id=id,
        title=f"Item {id}",
        score=Decimal(score),
        cost_by_year={YEAR: Decimal(cost)},
        demand_by_role_period=demand,
        mandatory=mandatory,
    )


def problem(
    *candidates: Candidate,
    budget: int | str = 100,
    architect: int | str = 10,
    developer: int | str = 20,
    dependencies: Iterable[tuple[str, str]] = (),
    exclusions: Iterable[tuple[str, str]] = (),
) -> SelectionProblem:
    return SelectionProblem(
        currency="EUR",
        candidates=candidates,
        budgets={YEAR: Decimal(budget)},
        capacity={"architect": {Q1: Decimal(architect)}, "developer": {Q2: Decimal(developer)}},
        dependencies=tuple(dependencies),
        exclusions=tuple(exclusions),
    )


def value(p: SelectionProblem, selected: Iterable[str]) -> Decimal:
    return sum((p.by_id[i].score for i in selected), Decimal(0))
