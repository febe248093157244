"""On small random problems the MILP finds what trying every subset finds; greedy never beats
it; the frontier never goes down. The brute force below is written from the definitions, with
plain integers, independently of the code under test."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_portfolio.optimization import (
    Candidate,
    InfeasibleSelection,
    SelectionProblem,
    efficient_frontier,
    greedy_selection,
    solve_exact,
)

YEARS = (2027, 2028)
SLOTS = (("architect", "2027-Q1"), ("architect", "2027-Q2"), ("tester", "2027-Q2"))


@dataclass(frozen=True)
class Instance:
    """A small problem as plain integers (score in halves), and the same as a model."""

    scores: tuple[int, ...]
    costs: tuple[tuple[int, ...], ...]  # per candidate, per year
    demands: tuple[tuple[int, ...], ...]  # per candidate, per slot
    budgets: tuple[int, ...]
    capacity: tuple[int, ...]
    mandatory: frozenset[int]
    dependencies: frozenset[tuple[int, int]]  # (item, requires), requires < item: no cycles
    exclusions: frozenset[tuple[int, int]]

    @property
    def size(self) -> int:
        return len(self.scores)

    def feasible(self, chosen: frozenset[int]) -> bool:
        return (
            self.mandatory <= chosen
            and all(b in chosen for a, b in self.dependencies if a in chosen)
            and not any(a in chosen and b in chosen for a, b in self.exclusions)
            and all(
                sum(self.costs[i][y] for i in chosen) <= self.budgets[y] for y in range(len(YEARS))
            )
            and all(
                sum(self.demands[i][s] for i in chosen) <= self.capacity[s]
                for s in range(len(SLOTS))
            )
        )

    def value(self, chosen: frozenset[int]) -> int:
        return sum(self.scores[i] for i in chosen)

    def brute_force(self) -> int | None:
        """The best value over all 2^n subsets; None when none is feasible."""
        best: int | None = None
        for mask in range(1 << self.size):
            chosen = frozenset(i for i in range(self.size) if mask >> i & 1)
            if self.feasible(chosen) and (best is None or self.value(chosen) > best):
                best = self.value(chosen)
        return best

    def model(self) -> SelectionProblem:
        return SelectionProblem(
            currency="EUR",
            candidates=tuple(
                Candidate(
                    id=f"c{i}",
                    title=f"Candidate {i}",
                    score=Decimal(self.scores[i]) / 2,
                    cost_by_year={y: Decimal(self.costs[i][k]) for k, y in enumerate(YEARS)},
                    demand_by_role_period=self.demand_of(i),
                    mandatory=i in self.mandatory,
                )
                for i in range(self.size)
            ),
            budgets={y: Decimal(self.budgets[k]) for k, y in enumerate(YEARS)},
            capacity={
                role: {p: Decimal(self.capacity[s]) for s, (r, p) in enumerate(SLOTS) if r == role}
                for role, _ in SLOTS
            },
            dependencies=tuple((f"c{a}", f"c{b}") for a, b in sorted(self.dependencies)),
            exclusions=tuple((f"c{a}", f"c{b}") for a, b in sorted(self.exclusions)),
        )

    def demand_of(self, i: int) -> dict[str, dict[str, Decimal]]:
        demand: dict[str, dict[str, Decimal]] = {}
        for s, (role, period) in enumerate(SLOTS):
            if self.demands[i][s]:
                demand.setdefault(role, {})[period] = Decimal(self.demands[i][s])
        return demand

    def indices(self, ids: frozenset[str]) -> frozenset[int]:
        return frozenset(int(i[1:]) for i in ids)


@st.composite
def instances(draw: st.DrawFn, max_size: int = 10) -> Instance:
    n = draw(st.integers(1, max_size))
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    hours = st.sampled_from([0, 0, 0, 1, 2, 3, 5, 8])
    money = st.sampled_from([0, 10, 20, 30, 40, 50, 60, 80])
    capacity = st.sampled_from([0, 2, 4, 6, 8, 10, 12, 16])
    return Instance(
        scores=tuple(draw(st.lists(st.integers(0, 40), min_size=n, max_size=n))),
        costs=tuple(
            draw(
                st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=n, max_size=n)
            )
        ),
        demands=tuple(
            draw(
                st.lists(
                    st.tuples(hours, hours, hours),
                    min_size=n,
                    max_size=n,
                )
            )
        ),
        budgets=draw(st.tuples(money, money)),
        capacity=draw(st.tuples(capacity, capacity, capacity)),
        mandatory=frozenset(
            draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=2))
            if draw(st.booleans())
            else ()
        ),
        dependencies=frozenset((a, b) for a, b in draw(st.lists(pair, max_size=n)) if b < a),
        exclusions=frozenset(
            (min(a, b), max(a, b)) for a, b in draw(st.lists(pair, max_size=n // 2 + 1)) if a != b
        ),
    )


@settings(max_examples=100, deadline=None)
@given(instances())
def test_the_milp_finds_the_brute_force_optimum_and_greedy_never_beats_it(
    instance: Instance,
) -> None:
    best = instance.brute_force()
    problem = instance.model()
    if best is None:
        # Nothing is feasible exactly when the mandatory items (with what they need) are not.
        try:
            solve_exact(problem)
        except InfeasibleSelection:
            return
        raise AssertionError("a problem with no feasible selection was solved")
    solution = solve_exact(problem)
    chosen = instance.indices(solution.selected)
    assert instance.feasible(chosen)
    assert instance.value(chosen) == best  # the selection may differ from another optimum
    assert solution.optimality_proven
    assert not problem.violations(solution.selected)

    greedy = instance.indices(greedy_selection(problem))
    assert instance.feasible(greedy)
    assert instance.value(greedy) <= best


@settings(max_examples=25, deadline=None)
@given(instances(max_size=7))
def test_frontier_values_never_decrease_with_the_budget(instance: Instance) -> None:
    problem = instance.model()
    try:
        problem.check_mandatory()
    except InfeasibleSelection:
        return
    points = efficient_frontier(problem, levels=5)
    assert [p.budget_fraction for p in points] == [Decimal(k) / 5 for k in range(1, 6)]
    feasible = [p.feasible for p in points]
    assert feasible == sorted(feasible)  # infeasible levels only at the bottom
    values = [p.value for p in points if p.value is not None]
    assert values == sorted(values)
    assert points[-1].value == Decimal(instance.brute_force() or 0) / 2
