"""The selection problem and its answer, and what each constraint means, measured exactly.

Money is `Decimal` in the problem's one currency; demand and capacity are `Decimal` in whatever
unit the caller uses for both (hours or FTE). Constraint names are stable strings, used in
results and errors alike:

- ``budget 2027``: the year's costs of the selected items stay within the year's envelope;
- ``capacity architect 2027-Q2``: the role's demand in the period stays within its capacity;
- ``dependency A needs B``: A is selected only if B is;
- ``exclusion A/B``: A and B are not both selected.

A selection is measured here with exact `Decimal` arithmetic; the MILP works in floats, and its
answers are checked against these definitions before they are returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from pmo_kernel.errors import DomainError
from pmo_kernel.money import ISO_4217

FROZEN = ConfigDict(frozen=True, extra="forbid")

Id = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Role = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Period = Annotated[str, StringConstraints(min_length=1, max_length=20)]  # e.g. "2027-Q1"
Year = Annotated[int, Field(ge=1900, le=2200)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2, allow_inf_nan=False)]
Quantity = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]  # hours or FTE
Score = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]

Usage = tuple[dict[int, Decimal], dict[str, dict[str, Decimal]]]


def budget_name(year: int) -> str:
    return f"budget {year}"


def capacity_name(role: str, period: str) -> str:
    return f"capacity {role} {period}"


def dependency_name(item: str, requires: str) -> str:
    return f"dependency {item} needs {requires}"


def exclusion_name(a: str, b: str) -> str:
    return f"exclusion {a}/{b}"


class Candidate(BaseModel):
    """An item that may be selected: its score, its cost per budget year, its demand per role
    and period, and whether it must be selected whatever the optimum says."""

    model_config = FROZEN

    id: Id
    title: str
    score: Score
    cost_by_year: dict[Year, Amount] = Field(default_factory=dict)
    demand_by_role_period: dict[Role, dict[Period, Quantity]] = Field(default_factory=dict)
    mandatory: bool = False

    def demand(self, role: str, period: str) -> Decimal:
        return self.demand_by_role_period.get(role, {}).get(period, Decimal(0))

    @cached_property
    def total_cost(self) -> Decimal:
        return sum(self.cost_by_year.values(), Decimal(0))

    @cached_property
    def value_density(self) -> Decimal | None:
        """Score per unit of total cost; None for an item that costs nothing (infinitely dense)."""
        if self.total_cost == 0:
            return None
        return self.score / self.total_cost


def density_key(candidate: Candidate) -> tuple[int, Decimal, Decimal, str]:
    """Sort key, densest first: free items, then score/cost descending, then score descending,
    then id (so the order is total and deterministic)."""
    density = candidate.value_density
    if density is None:
        return (0, Decimal(0), -candidate.score, candidate.id)
    return (1, -density, -candidate.score, candidate.id)


def score_order(ids: Iterable[str], problem: SelectionProblem) -> tuple[str, ...]:
    """Ids by score descending, then id ascending."""
    by_id = problem.by_id
    return tuple(sorted(ids, key=lambda i: (-by_id[i].score, i)))


class SelectionProblem(BaseModel):
    """Which candidates to select, maximising total score, within the budget envelopes per year
    and the capacity per role and period, honouring mandatory items, dependencies (``(item,
    requires)``: item needs requires) and exclusions (``(a, b)``: not both).

    Every year a candidate lists a cost for must have a budget, and every role and period it
    lists a demand for must have a capacity: a missing envelope is refused, naming it, rather
    than read as zero. The mandatory items are checked when solving (`check_mandatory`)."""

    model_config = FROZEN

    currency: str = Field(min_length=3, max_length=3)
    candidates: tuple[Candidate, ...] = Field(min_length=1)
    budgets: dict[Year, Amount]
    capacity: dict[Role, dict[Period, Quantity]] = Field(default_factory=dict)
    dependencies: tuple[tuple[Id, Id], ...] = ()
    exclusions: tuple[tuple[Id, Id], ...] = ()

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.upper()
        if code not in ISO_4217:
            raise ValueError(f"unknown currency code {value!r} (ISO 4217 expected)")
        return code

    @model_validator(mode="after")
    def _references(self) -> SelectionProblem:
        errors: list[str] = []
        seen: set[str] = set()
        repeated: set[str] = set()
        for c in self.candidates:
            (repeated if c.id in seen else seen).add(c.id)
        duplicates = sorted(repeated)
        if duplicates:
            errors.append(f"duplicate candidate ids: {', '.join(duplicates)}")
        for kind, pairs in (("dependency", self.dependencies), ("exclusion", self.exclusions)):
            for a, b in pairs:
                unknown = [i for i in (a, b) if i not in seen]
                if unknown:
                    errors.append(
                        f"{kind} ({a}, {b}) names unknown candidate(s) {', '.join(unknown)}"
                    )
                elif a == b:
                    errors.append(f"{kind} ({a}, {b}) relates a candidate to itself")
        for c in self.candidates:
            years = sorted(y for y in c.cost_by_year if y not in self.budgets)
            if years:
                listed = ", ".join(map(str, years))
                errors.append(f"candidate {c.id} costs money in year(s) {listed} with no budget")
            for role, periods in sorted(c.demand_by_role_period.items()):
                available = self.capacity.get(role)
                if available is None:
                    errors.append(f"candidate {c.id} demands role {role!r}, which has no capacity")
                    continue
                missing = sorted(p for p in periods if p not in available)
                if missing:
                    errors.append(
                        f"candidate {c.id} demands role {role!r} in period(s) "
                        f"{', '.join(missing)} with no capacity"
                    )
        if errors:
            raise ValueError("; ".join(errors))
        return self

    # Indexes, computed once per (immutable) problem.

    @cached_property
    def by_id(self) -> dict[str, Candidate]:
        return {c.id: c for c in self.candidates}

    @cached_property
    def requirements(self) -> dict[str, tuple[str, ...]]:
        """What each item directly needs, in id order."""
        needs: dict[str, set[str]] = {c.id: set() for c in self.candidates}
        for item, requires in self.dependencies:
            needs[item].add(requires)
        return {i: tuple(sorted(r)) for i, r in needs.items()}

    @cached_property
    def exclusion_pairs(self) -> tuple[tuple[str, str], ...]:
        """Distinct exclusions, each pair ordered, in order."""
        return tuple(sorted({(min(a, b), max(a, b)) for a, b in self.exclusions}))

    @cached_property
    def dependency_pairs(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(set(self.dependencies)))

    @cached_property
    def forced(self) -> dict[str, str | None]:
        """The items that must be selected: the mandatory ones (→ None) and, transitively, what
        they need (→ the item that first needed it, for explanations)."""
        reason: dict[str, str | None] = {
            c.id: None for c in sorted(self.candidates, key=lambda c: c.id) if c.mandatory
        }
        queue = list(reason)
        while queue:
            item = queue.pop(0)
            for needed in self.requirements[item]:
                if needed not in reason:
                    reason[needed] = item
                    queue.append(needed)
        return reason

    def closure(self, ids: Iterable[str]) -> set[str]:
        """The items together with everything they need, transitively."""
        result = set(ids)
        queue = list(result)
        while queue:
            for needed in self.requirements[queue.pop()]:
                if needed not in result:
                    result.add(needed)
                    queue.append(needed)
        return result

    def usage(self, selected: Iterable[str]) -> Usage:
        """Exact money per budget year and demand per capacity role and period of a selection
        (every envelope of the problem appears, zero when unused)."""
        money = {year: Decimal(0) for year in self.budgets}
        demand = {role: {p: Decimal(0) for p in periods} for role, periods in self.capacity.items()}
        for item in selected:
            candidate = self.by_id[item]
            for year, cost in candidate.cost_by_year.items():
                money[year] += cost
            for role, periods in candidate.demand_by_role_period.items():
                for period, hours in periods.items():
                    demand[role][period] += hours
        return money, demand

    def violations(
        self, selected: Iterable[str], budgets: Mapping[int, Decimal] | None = None
    ) -> list[Violation]:
        """Every constraint the selection breaks (empty: feasible), in a fixed order: budgets
        by year, capacities by role and period, dependencies, exclusions."""
        chosen = set(selected)
        envelopes = self.budgets if budgets is None else budgets
        money, demand = self.usage(chosen)
        found: list[Violation] = []
        for year in sorted(money):
            if money[year] > envelopes[year]:
                items = tuple(
                    sorted(i for i in chosen if self.by_id[i].cost_by_year.get(year, 0) > 0)
                )
                found.append(
                    Violation(
                        kind="budget",
                        constraint=budget_name(year),
                        used=money[year],
                        available=envelopes[year],
                        items=items,
                    )
                )
        for role in sorted(demand):
            for period in sorted(demand[role]):
                if demand[role][period] > self.capacity[role][period]:
                    items = tuple(
                        sorted(i for i in chosen if self.by_id[i].demand(role, period) > 0)
                    )
                    found.append(
                        Violation(
                            kind="capacity",
                            constraint=capacity_name(role, period),
                            used=demand[role][period],
                            available=self.capacity[role][period],
                            items=items,
                        )
                    )
        for item, requires in self.dependency_pairs:
            if item in chosen and requires not in chosen:
                found.append(
                    Violation(
                        kind="dependency",
                        constraint=dependency_name(item, requires),
                        items=(item, requires),
                    )
                )
        for a, b in self.exclusion_pairs:
            if a in chosen and b in chosen:
                found.append(
                    Violation(kind="exclusion", constraint=exclusion_name(a, b), items=(a, b))
                )
        return found

    def check_mandatory(self, budgets: Mapping[int, Decimal] | None = None) -> frozenset[str]:
        """The forced items (mandatory ones and what they need); raises `InfeasibleSelection`
        when they do not fit together. With non-negative costs and demands this is exact: the
        problem has a feasible selection iff the forced items alone are one."""
        forced = self.forced
        broken = self.violations(forced, budgets)
        if broken:
            raise InfeasibleSelection(broken, forced)
        return frozenset(forced)


ViolationKind = Literal["budget", "capacity", "dependency", "exclusion"]


class Violation(BaseModel):
    """One broken constraint: its name, usage against availability (budget and capacity), and
    the items involved (those using the resource, or the pair)."""

    model_config = FROZEN

    kind: ViolationKind
    constraint: str
    items: tuple[str, ...]
    used: Decimal | None = None
    available: Decimal | None = None

    def describe(self) -> str:
        if self.used is not None and self.available is not None:
            return (
                f"{self.constraint}: {self.used:,} needed, {self.available:,} available "
                f"(by {', '.join(self.items)})"
            )
        return self.constraint


class InfeasibleSelection(DomainError):
    """The mandatory items (with what they need) cannot all be selected: the message names each
    constraint they break and, for items pulled in by a dependency, which item needed them."""

    code = "infeasible_selection"
    title = "Mandatory items cannot all be selected"

    def __init__(self, violations: list[Violation], forced: Mapping[str, str | None]) -> None:
        self.violations = tuple(violations)
        pulled = sorted((item, by) for item, by in forced.items() if by is not None)
        detail = "mandatory items cannot all be selected: " + "; ".join(
            v.describe() for v in violations
        )
        if pulled:
            detail += (
                " (required along: "
                + ", ".join(f"{item} ({dependency_name(by, item)})" for item, by in pulled)
                + ")"
            )
        super().__init__(
            detail,
            constraints=[v.constraint for v in violations],
            mandatory=sorted(i for i, by in forced.items() if by is None),
        )


# Results.

SolverStatus = Literal["optimal", "time_limit", "solver_error", "heuristic"]


class EnvelopeUsage(BaseModel):
    """How much of one budget or capacity envelope the selection uses."""

    model_config = FROZEN

    used: Decimal
    available: Decimal
    slack: Decimal


class CutItem(BaseModel):
    """An item next to the cut. Above the cut (selected): the least dense discretionary picks.
    Below (not selected): the densest left out, with `requires` (what it would bring along,
    not selected yet) and `blocked_by` (every constraint that adding it with those would break;
    exactly one means relaxing that one constraint would let it in, all else kept)."""

    model_config = FROZEN

    id: str
    title: str
    score: Decimal
    total_cost: Decimal
    value_density: Decimal | None  # None: costs nothing
    requires: tuple[str, ...] = ()
    blocked_by: tuple[str, ...] = ()


class FrontierPoint(BaseModel):
    """The best value with every budget envelope scaled by `budget_fraction` (capacity kept)."""

    model_config = FROZEN

    budget_fraction: Decimal
    budgets: dict[int, Decimal]
    feasible: bool  # False: the mandatory items do not fit in the scaled budgets
    value: Decimal | None
    selected_count: int
    optimality_proven: bool


class SelectionResult(BaseModel):
    """A selection and why: usage per envelope, binding constraints, the items around the cut,
    how the solver ended, and (MILP) the efficient frontier."""

    model_config = FROZEN

    method: Literal["milp", "greedy"]
    currency: str
    selected: tuple[str, ...]  # by score descending, then id
    total_value: Decimal
    total_cost: Decimal
    budget: dict[int, EnvelopeUsage]
    capacity: dict[str, dict[str, EnvelopeUsage]]
    binding_constraints: tuple[str, ...]
    above_cut: tuple[CutItem, ...]
    below_cut: tuple[CutItem, ...]
    status: SolverStatus
    optimality_proven: bool
    mip_gap: float | None
    solve_seconds: float
    frontier: tuple[FrontierPoint, ...] = ()
