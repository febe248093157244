"""Between a scenario and the optimiser: its inputs as a selection problem, the optimiser's
answer as its result, candidates built from the portfolio, and the explanation shown with it.

Pure functions; the handlers run the CPU-bound ones in a worker thread.

A candidate built from the portfolio demands people (`demand_of`) when the scenario gives a
capacity for the delivery role (`DELIVERY_ROLE`, "delivery"): the portfolio knows no breakdown
of an item's effort by role, so all of it is delivery. Its business case's effort, in
person-days, is spread evenly over the quarters of its plan (to the cent of a day, the rounding
left on the last quarter, so the quarters add up to the effort); the capacity is read in
person-days per quarter, keyed like "2027-Q1". An item that is unplanned, or whose business case
gives no effort, demands nothing; an item planned in a quarter the delivery capacity does not
list is skipped, with the reason, as one costing money in a year without budget is. Without a
delivery capacity, no candidate demands anything and capacity does not limit the selection.

With the capacity service's picture instead (`by_role`), an item demands its effort by role and
quarter (`demand_by_role`, governance.effort: the roles the capacity service counts people in)
and the capacity is the picture's free person-days of those roles and quarters; an item needing
a role in a quarter the capacity does not list is skipped, with the reason, as above.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pmo_kernel.errors import DomainError
from pmo_portfolio.domain.governance import ItemState, validated
from pmo_portfolio.domain.governance.effort import effort_by_role_quarter, spread
from pmo_portfolio.domain.governance.item import PortfolioItem
from pmo_portfolio.domain.planning import ScenarioCandidate, ScenarioInputs, ScenarioResult
from pmo_portfolio.domain.scoring import ItemScored, consolidate
from pmo_portfolio.domain.scoring.model import ScoringModelVersion
from pmo_portfolio.optimization import (
    CutItem,
    FrontierPoint,
    SelectionProblem,
    SelectionResult,
    efficient_frontier,
)
from pmo_portfolio.optimization.explain import above_cut, below_cut

SOLVER = "milp-highs"
OPEN_STATES = frozenset({ItemState.CANDIDATE, ItemState.APPROVED})
DELIVERY_ROLE = "delivery"  # the one role a portfolio item's effort is demanded of


def problem_of(inputs: ScenarioInputs, context: str) -> SelectionProblem:
    """The optimiser's problem; what it refuses (a cost in a year with no budget...) is a 422."""
    return validated(
        SelectionProblem,
        context,
        currency=inputs.currency,
        candidates=[candidate.model_dump() for candidate in inputs.candidates],
        budgets=dict(inputs.budgets),
        capacity={role: dict(periods) for role, periods in inputs.capacity.items()},
        dependencies=inputs.dependencies,
        exclusions=inputs.exclusions,
    )


def result_of(selection: SelectionResult, solved_at: datetime) -> ScenarioResult:
    return ScenarioResult(
        selected=selection.selected,
        total_value=selection.total_value,
        budget_used={year: usage.used for year, usage in selection.budget.items()},
        capacity_used={
            role: {period: usage.used for period, usage in periods.items()}
            for role, periods in selection.capacity.items()
        },
        binding_constraints=selection.binding_constraints,
        optimal=selection.optimality_proven,
        solver=SOLVER,
        solved_at=solved_at,
    )


@dataclass(frozen=True)
class PortfolioCandidates:
    candidates: tuple[ScenarioCandidate, ...]
    skipped: dict[str, str]  # item id -> why it is not a candidate


def demand_of(item: PortfolioItem) -> dict[str, dict[str, Decimal]]:
    """The item's demand per role and quarter: its business case's effort in person-days, spread
    evenly over its planned quarters, all of it delivery (see the module docstring)."""
    quarters, effort = item.planned_quarters, item.effort_person_days
    if not quarters or not effort:
        return {}
    return {DELIVERY_ROLE: spread(effort, quarters)}


def demand_by_role(item: PortfolioItem) -> dict[str, dict[str, Decimal]]:
    """The item's demand as the capacity service's picture is read: person-days per role and
    planned quarter, from its latest business case (what `ItemPlanned` publishes)."""
    return effort_by_role_quarter(item.business_case, item.planned_quarters)


def roles_and_quarters(
    demands: Iterable[Mapping[str, Mapping[str, Decimal]]],
) -> tuple[set[str], set[str]]:
    """Every role and every period some demand names."""
    roles: set[str] = set()
    periods: set[str] = set()
    for demand in demands:
        roles.update(demand)
        periods.update(period for per_period in demand.values() for period in per_period)
    return roles, periods


def portfolio_candidates(
    items: Iterable[PortfolioItem],
    model: ScoringModelVersion,
    *,
    budgets: Mapping[int, Decimal],
    currency: str,
    capacity: Mapping[str, Mapping[str, Decimal]] | None = None,
    unscored: Iterable[str] = (),
    by_role: bool = False,
) -> PortfolioCandidates:
    """Each open candidate or approved item, valued at its consolidated score under `model`,
    costed by its plan (or, unplanned, its estimated cost in the first budget year) and, when
    `capacity` has the delivery role, demanding its effort over its planned quarters
    (`demand_of`); `by_role`, demanding its effort by role (`demand_by_role`) of `capacity`.
    An item that cannot be valued, costed within the budgets or staffed within the capacity's
    quarters is skipped, with the reason; so is each of `unscored` (items known never to have
    been scored with the model, left unread)."""
    first_year = min(budgets)
    delivery = (capacity or {}).get(DELIVERY_ROLE)
    candidates: list[ScenarioCandidate] = []
    skipped: dict[str, str] = {}
    for item in sorted(items, key=lambda one: one.id):
        if item.state not in OPEN_STATES:
            label = item.state.label if item.state is not None else "not registered"
            skipped[item.id] = f"it is {label}"
            continue
        scored = [e for e in item.evaluations if isinstance(e, ItemScored)]
        consolidated = consolidate(model, scored)
        if consolidated is None:
            skipped[item.id] = f"it has no score with scoring model {model.reference}"
            continue
        if item.start_quarter is not None:
            costs = dict(item.cost_per_year)
        elif item.estimated_cost is not None:
            costs = {first_year: item.estimated_cost}
        else:
            skipped[item.id] = "it has neither a plan nor an estimated cost"
            continue
        currencies = sorted({cost.currency for cost in costs.values()} - {currency})
        if currencies:
            skipped[item.id] = f"it costs in {', '.join(currencies)}, the scenario is in {currency}"
            continue
        unbudgeted = sorted(
            year for year, cost in costs.items() if year not in budgets and cost.amount
        )
        if unbudgeted:
            skipped[item.id] = (
                f"it costs money in {', '.join(map(str, unbudgeted))}, which has no budget"
            )
            continue
        if by_role:
            demand = demand_by_role(item)
        else:
            demand = demand_of(item) if delivery is not None else {}
        unstaffed = [
            f"{role} in {', '.join(missing)}"
            for role, quarters in demand.items()
            if (missing := [q for q in quarters if q not in (capacity or {}).get(role, {})])
        ]
        if unstaffed:
            skipped[item.id] = f"it needs {'; '.join(unstaffed)}, which has no capacity"
            continue
        candidates.append(
            ScenarioCandidate(
                id=item.id,
                title=item.title or item.id,
                score=consolidated.score,
                cost_by_year={year: cost.amount for year, cost in costs.items() if cost.amount},
                demand_by_role_period=demand,
                mandatory=consolidated.mandatory,
            )
        )
    for item_id in unscored:
        skipped[item_id] = f"it has no score with scoring model {model.reference}"
    skipped = dict(sorted(skipped.items()))
    if not candidates:
        reasons = "; ".join(f"{item_id}: {why}" for item_id, why in skipped.items())
        raise DomainError(
            "no portfolio item can be a candidate" + (f" ({reasons})" if reasons else ""),
            skipped=skipped,
        )
    return PortfolioCandidates(tuple(candidates), skipped)


@dataclass(frozen=True)
class Explanation:
    above_cut: tuple[CutItem, ...]  # selected, the first to go if the budgets shrank
    below_cut: tuple[CutItem, ...]  # left out, the first to come in, and what blocks each
    frontier: tuple[FrontierPoint, ...]


def explain(
    inputs: ScenarioInputs, selected: Sequence[str], *, levels: int, time_limit: float
) -> Explanation:
    """Why this selection: the items around the cut and the best value at each budget level."""
    problem = problem_of(inputs, "the scenario cannot be explained")
    frontier = efficient_frontier(problem, levels=levels, time_limit=time_limit) if levels else ()
    return Explanation(above_cut(problem, selected), below_cut(problem, selected), frontier)


__all__ = [
    "DELIVERY_ROLE",
    "OPEN_STATES",
    "SOLVER",
    "Explanation",
    "PortfolioCandidates",
    "demand_by_role",
    "demand_of",
    "explain",
    "portfolio_candidates",
    "problem_of",
    "result_of",
    "roles_and_quarters",
]
