"""Why this selection: envelope usage, binding constraints, and the items around the cut.

Binding constraints (slack zero, within a relative tolerance of 1e-9 of the envelope):

- a budget year or a capacity role-period whose slack is (about) zero, among those some
  candidate actually uses (an envelope nobody draws on constrains nothing);
- a dependency "A needs B" when A is selected (x_A − x_B ≤ 0 holds with equality: B is in
  at least partly because A needs it);
- an exclusion A/B when one of the two is selected (x_A + x_B ≤ 1 holds with equality: the
  other is kept out).

Around the cut, by value density (score per unit of total cost; free items are densest):

- above: the `k` least dense selected items that are discretionary (neither mandatory nor
  required by a mandatory item), least dense first: the first to go if the envelopes shrank;
- below: the `k` densest items left out, densest first, each with what adding it would bring
  along (its unselected requirements) and every constraint that would then break.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Literal

from pmo_portfolio.optimization.model import (
    Candidate,
    CutItem,
    EnvelopeUsage,
    FrontierPoint,
    SelectionProblem,
    SelectionResult,
    SolverStatus,
    budget_name,
    capacity_name,
    density_key,
    dependency_name,
    exclusion_name,
    score_order,
)

BINDING_TOLERANCE = Decimal("1e-9")  # relative to the envelope (at least 1 unit)
CUT_SIZE = 3


def envelope_usage(
    problem: SelectionProblem,
    selected: Iterable[str],
    budgets: Mapping[int, Decimal] | None = None,
) -> tuple[dict[int, EnvelopeUsage], dict[str, dict[str, EnvelopeUsage]]]:
    envelopes = problem.budgets if budgets is None else budgets
    money, demand = problem.usage(selected)
    budget = {year: _usage(money[year], envelopes[year]) for year in sorted(money)}
    capacity = {
        role: {
            period: _usage(demand[role][period], problem.capacity[role][period])
            for period in sorted(demand[role])
        }
        for role in sorted(demand)
    }
    return budget, capacity


def _usage(used: Decimal, available: Decimal) -> EnvelopeUsage:
    return EnvelopeUsage(used=used, available=available, slack=available - used)


def _tight(usage: EnvelopeUsage) -> bool:
    return usage.slack <= BINDING_TOLERANCE * max(usage.available, Decimal(1))


def binding_constraints(
    problem: SelectionProblem,
    selected: Iterable[str],
    budgets: Mapping[int, Decimal] | None = None,
) -> tuple[str, ...]:
    """The constraints holding with equality, named, in a fixed order (see the module doc)."""
    chosen = set(selected)
    budget, capacity = envelope_usage(problem, chosen, budgets)
    years_used = {y for c in problem.candidates for y, v in c.cost_by_year.items() if v > 0}
    demanded = {
        (role, period)
        for c in problem.candidates
        for role, periods in c.demand_by_role_period.items()
        for period, hours in periods.items()
        if hours > 0
    }
    names = [budget_name(y) for y, u in budget.items() if y in years_used and _tight(u)]
    names += [
        capacity_name(role, period)
        for role, periods in capacity.items()
        for period, u in periods.items()
        if (role, period) in demanded and _tight(u)
    ]
    names += [dependency_name(a, b) for a, b in problem.dependency_pairs if a in chosen]
    names += [
        exclusion_name(a, b) for a, b in problem.exclusion_pairs if (a in chosen) != (b in chosen)
    ]
    return tuple(names)


def _cut_item(
    candidate: Candidate, requires: Sequence[str] = (), blocked_by: Sequence[str] = ()
) -> CutItem:
    return CutItem(
        id=candidate.id,
        title=candidate.title,
        score=candidate.score,
        total_cost=candidate.total_cost,
        value_density=candidate.value_density,
        requires=tuple(requires),
        blocked_by=tuple(blocked_by),
    )


def _least_dense_first(candidate: Candidate) -> tuple[int, Decimal, Decimal, str]:
    density = candidate.value_density
    if density is None:
        return (1, Decimal(0), candidate.score, candidate.id)
    return (0, density, candidate.score, candidate.id)


def above_cut(
    problem: SelectionProblem, selected: Iterable[str], k: int = CUT_SIZE
) -> tuple[CutItem, ...]:
    """The `k` least dense discretionary selected items, least dense first."""
    chosen = [problem.by_id[i] for i in selected if i not in problem.forced]
    chosen.sort(key=_least_dense_first)
    return tuple(_cut_item(c) for c in chosen[:k])


def below_cut(
    problem: SelectionProblem,
    selected: Iterable[str],
    budgets: Mapping[int, Decimal] | None = None,
    k: int = CUT_SIZE,
) -> tuple[CutItem, ...]:
    """The `k` densest items left out, densest first, with what blocks each (module doc)."""
    chosen = set(selected)
    left_out = sorted((c for c in problem.candidates if c.id not in chosen), key=density_key)
    items: list[CutItem] = []
    for candidate in left_out[:k]:
        bundle = problem.closure([candidate.id]) - chosen
        broken = problem.violations(chosen | bundle, budgets)
        requires = sorted(bundle - {candidate.id})
        items.append(_cut_item(candidate, requires, [v.constraint for v in broken]))
    return tuple(items)


def assemble(
    problem: SelectionProblem,
    selected: Iterable[str],
    *,
    method: Literal["milp", "greedy"],
    status: SolverStatus,
    optimality_proven: bool,
    mip_gap: float | None,
    solve_seconds: float,
    frontier: Sequence[FrontierPoint] = (),
    cut_size: int = CUT_SIZE,
) -> SelectionResult:
    """A `SelectionResult` for a feasible selection under the problem's own budgets."""
    chosen = frozenset(selected)
    budget, capacity = envelope_usage(problem, chosen)
    return SelectionResult(
        method=method,
        currency=problem.currency,
        selected=score_order(chosen, problem),
        total_value=sum((problem.by_id[i].score for i in chosen), Decimal(0)),
        total_cost=sum((problem.by_id[i].total_cost for i in chosen), Decimal(0)),
        budget=budget,
        capacity=capacity,
        binding_constraints=binding_constraints(problem, chosen),
        above_cut=above_cut(problem, chosen, cut_size),
        below_cut=below_cut(problem, chosen, k=cut_size),
        status=status,
        optimality_proven=optimality_proven,
        mip_gap=mip_gap,
        solve_seconds=solve_seconds,
        frontier=tuple(frontier),
    )
