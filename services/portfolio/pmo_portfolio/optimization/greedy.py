"""The greedy baseline: what a spreadsheet ranking would pick, to measure the MILP against.

Take the mandatory items and what they need; then walk the other candidates by value density
(score per unit of total cost, free items first; ties by score, then id) and add each one,
with whatever it needs that is not selected yet, when the whole bundle fits in every remaining
budget and capacity envelope and breaks no exclusion. Items scoring zero are skipped (they
only use up envelopes). The density ranks the item alone, not its bundle. Exact `Decimal`
arithmetic throughout; the result is always feasible, so it cannot beat a proven MILP optimum.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal

from pmo_portfolio.optimization.explain import CUT_SIZE, assemble
from pmo_portfolio.optimization.model import SelectionProblem, SelectionResult, density_key


def greedy_selection(
    problem: SelectionProblem, budgets: Mapping[int, Decimal] | None = None
) -> frozenset[str]:
    """The greedy selection (module doc). Raises `InfeasibleSelection` like the MILP does."""
    envelopes = dict(problem.budgets if budgets is None else budgets)
    selected = set(problem.check_mandatory(envelopes))
    money, demand = problem.usage(selected)
    money_left = {year: envelopes[year] - used for year, used in money.items()}
    hours_left = {
        (role, period): problem.capacity[role][period] - used
        for role, periods in demand.items()
        for period, used in periods.items()
    }
    excluded: dict[str, set[str]] = {c.id: set() for c in problem.candidates}
    for a, b in problem.exclusion_pairs:
        excluded[a].add(b)
        excluded[b].add(a)

    for candidate in sorted(problem.candidates, key=density_key):
        if candidate.id in selected or candidate.score == 0:
            continue
        bundle = problem.closure([candidate.id]) - selected
        together = selected | bundle
        if any(excluded[item] & together for item in bundle):
            continue
        cost: dict[int, Decimal] = {}
        hours: dict[tuple[str, str], Decimal] = {}
        for item in bundle:
            member = problem.by_id[item]
            for year, amount in member.cost_by_year.items():
                cost[year] = cost.get(year, Decimal(0)) + amount
            for role, periods in member.demand_by_role_period.items():
                for period, need in periods.items():
                    hours[role, period] = hours.get((role, period), Decimal(0)) + need
        if all(amount <= money_left[y] for y, amount in cost.items()) and all(
            need <= hours_left[key] for key, need in hours.items()
        ):
            selected |= bundle
            for year, amount in cost.items():
                money_left[year] -= amount
            for key, need in hours.items():
                hours_left[key] -= need
    return frozenset(selected)


def greedy_select(problem: SelectionProblem, *, cut_size: int = CUT_SIZE) -> SelectionResult:
    """The greedy selection, explained like the MILP's (status "heuristic", never proven)."""
    started = time.perf_counter()
    selected = greedy_selection(problem)
    seconds = time.perf_counter() - started
    return assemble(
        problem,
        selected,
        method="greedy",
        status="heuristic",
        optimality_proven=False,
        mip_gap=None,
        solve_seconds=seconds,
        cut_size=cut_size,
    )
