"""`python -m bench.optimizer`: the portfolio optimiser (MILP, HiGHS) against its greedy baseline.

A seeded, realistic instance per size: candidates scoring 0-100 and costing 20K-2M (log-uniform:
many small items, a few large ones) over 2 budget years, running 1-8 of the 8 quarters, with
demand for 6 roles in hours (40-90% of the cost is labour, at a rate per role, spread unevenly
over the quarters); budgets at 35% of the total cost of each year, capacity at 40% of the total
demand of each role and quarter; and, per 500 candidates, 30 dependencies, 15 exclusions and 20
mandatory items (fewer at smaller sizes, in proportion).

Measured: the MILP solve to proven optimality (or its time limit: the table says which), the
greedy baseline, the value gap (MILP - greedy) / MILP, the time ratio MILP / greedy, and the
frontier (the 9 levels below 100%, each a solve). Figures only: nothing is asserted on time.

Options: --sizes 100,250,500 --seed 2027 --time-limit 120.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from pmo_portfolio.optimization import (
    Candidate,
    SelectionProblem,
    efficient_frontier,
    greedy_selection,
    solve_exact,
)

if TYPE_CHECKING:
    from bench.harness import CaseResult, Context

ROLES = (
    "project manager",
    "business analyst",
    "architect",
    "developer",
    "tester",
    "change manager",
)
ROLE_ODDS = (1.0, 0.7, 0.5, 0.9, 0.8, 0.4)  # chance a candidate needs the role
RATES = (110, 90, 140, 85, 70, 95)  # money per hour
YEARS = (2027, 2028)
QUARTERS = tuple(f"{year}-Q{q}" for year in YEARS for q in range(1, 5))
SIZES = (100, 250, 500)
SEED = 2027
TIME_LIMIT = 120.0


def generate(candidates: int, seed: int = SEED) -> SelectionProblem:
    """The benchmark instance: same size and seed, same problem."""
    rng = random.Random(seed * 1_000_003 + candidates)
    items: list[Candidate] = []
    cost_by_year_total = dict.fromkeys(YEARS, Decimal(0))
    demand_total = {(r, q): Decimal(0) for r in ROLES for q in QUARTERS}
    for k in range(candidates):
        total = math.exp(rng.uniform(math.log(20_000), math.log(2_000_000)))
        start = rng.randrange(len(QUARTERS))
        quarters = QUARTERS[start : start + rng.randint(1, 8)]
        weights = [rng.uniform(0.5, 1.5) for _ in quarters]
        spread = [w / sum(weights) for w in weights]
        cost: dict[int, Decimal] = {}
        for quarter, share in zip(quarters, spread, strict=True):
            year = int(quarter[:4])
            cost[year] = cost.get(year, Decimal(0)) + Decimal(round(total * share))
        needs = [r for r, odds in zip(ROLES, ROLE_ODDS, strict=True) if rng.random() < odds]
        mix = {r: rng.random() for r in needs or [ROLES[0]]}
        labour = total * rng.uniform(0.4, 0.9)
        demand: dict[str, dict[str, Decimal]] = {}
        for role, weight in mix.items():
            hours = labour * weight / sum(mix.values()) / RATES[ROLES.index(role)]
            demand[role] = {
                q: Decimal(round(hours * share)) for q, share in zip(quarters, spread, strict=True)
            }
        score = min(max(15 * math.log10(total / 20_000) + rng.gauss(40, 20), 0), 100)
        items.append(
            Candidate(
                id=f"C{k:04d}",
                title=f"Candidate {k}",
                score=Decimal(round(score)),
                cost_by_year=cost,
                demand_by_role_period=demand,
            )
        )
        for year, amount in cost.items():
            cost_by_year_total[year] += amount
        for role, periods in demand.items():
            for quarter, need in periods.items():
                demand_total[role, quarter] += need

    budgets = {y: (a * Decimal("0.35")).quantize(Decimal(1)) for y, a in cost_by_year_total.items()}
    capacity = {
        r: {q: (demand_total[r, q] * Decimal("0.4")).quantize(Decimal(1)) for q in QUARTERS}
        for r in ROLES
    }
    ids = [item.id for item in items]

    # Dependencies point to an earlier candidate (no cycles); exclusions avoid related pairs.
    dependencies: set[tuple[str, str]] = set()
    while len(dependencies) < round(30 * candidates / 500):
        first, later = sorted(rng.sample(range(candidates), 2))
        dependencies.add((ids[later], ids[first]))
    needs_of: dict[str, set[str]] = {i: set() for i in ids}
    for item, requires in dependencies:
        needs_of[item].add(requires)

    def closure(start: str) -> set[str]:
        seen, queue = {start}, [start]
        while queue:
            for nxt in needs_of[queue.pop()] - seen:
                seen.add(nxt)
                queue.append(nxt)
        return seen

    exclusions: set[tuple[str, str]] = set()
    while len(exclusions) < round(15 * candidates / 500):
        a, b = rng.sample(ids, 2)
        if b not in closure(a) and a not in closure(b) and (b, a) not in exclusions:
            exclusions.add((a, b))

    # Mandatory: random items, as long as the forced ones fit in half the budgets, no exclusion.
    mandatory: set[str] = set()
    forced: set[str] = set()
    by_id = {item.id: item for item in items}
    excluded = {frozenset(pair) for pair in exclusions}
    for candidate_id in rng.sample(ids, candidates):
        if len(mandatory) >= round(20 * candidates / 500):
            break
        bundle = forced | closure(candidate_id)
        if any(frozenset((a, b)) in excluded for a in bundle for b in bundle if a < b):
            continue
        spend = dict.fromkeys(YEARS, Decimal(0))
        for member in bundle:
            for year, amount in by_id[member].cost_by_year.items():
                spend[year] += amount
        if all(spend[y] <= budgets[y] / 2 for y in YEARS):
            mandatory.add(candidate_id)
            forced = bundle

    return SelectionProblem(
        currency="EUR",
        candidates=tuple(
            item.model_copy(update={"mandatory": True}) if item.id in mandatory else item
            for item in items
        ),
        budgets=budgets,
        capacity=capacity,
        dependencies=tuple(sorted(dependencies)),
        exclusions=tuple(sorted(exclusions)),
    )


@dataclass(frozen=True)
class Row:
    candidates: int
    milp_value: Decimal
    milp_seconds: float
    proven: bool
    status: str
    nodes: int | None
    greedy_value: Decimal
    greedy_seconds: float
    frontier_seconds: float
    frontier_proven: int
    frontier_levels: int

    @property
    def gap(self) -> float:
        return (
            float((self.milp_value - self.greedy_value) / self.milp_value)
            if self.milp_value
            else 0.0
        )

    @property
    def time_ratio(self) -> float:
        return self.milp_seconds / self.greedy_seconds if self.greedy_seconds else math.inf


@contextlib.contextmanager
def solver_chatter_to_stderr() -> Iterator[None]:
    """HiGHS writes the odd debug line straight to file descriptor 1: send it to stderr, with
    the progress lines, so that stdout holds only the table."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def measure(candidates: int, seed: int = SEED, time_limit: float = TIME_LIMIT) -> Row:
    problem = generate(candidates, seed)
    started = time.perf_counter()
    greedy = greedy_selection(problem)
    greedy_seconds = time.perf_counter() - started
    solution = solve_exact(problem, time_limit=time_limit)
    started = time.perf_counter()
    frontier = efficient_frontier(problem, time_limit=time_limit, full=solution)
    frontier_seconds = time.perf_counter() - started
    value = sum((problem.by_id[i].score for i in solution.selected), Decimal(0))
    return Row(
        candidates=candidates,
        milp_value=value,
        milp_seconds=solution.seconds,
        proven=solution.optimality_proven,
        status=solution.status,
        nodes=solution.nodes,
        greedy_value=sum((problem.by_id[i].score for i in greedy), Decimal(0)),
        greedy_seconds=greedy_seconds,
        frontier_seconds=frontier_seconds,
        frontier_proven=sum(1 for p in frontier[:-1] if p.optimality_proven or not p.feasible),
        frontier_levels=len(frontier) - 1,
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| candidates | MILP value | MILP time | proven optimal | greedy value | greedy time "
        "| value gap | time MILP / greedy | frontier (9 levels) | levels proven |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        proven = "yes" if r.proven else f"no ({r.status})"
        lines.append(
            f"| {r.candidates} | {r.milp_value} | {r.milp_seconds:.2f} s | {proven} "
            f"| {r.greedy_value} | {r.greedy_seconds * 1000:.1f} ms | {r.gap:.2%} "
            f"| {r.time_ratio:,.0f}× | {r.frontier_seconds:.1f} s "
            f"| {r.frontier_proven}/{r.frontier_levels} |"
        )
    return "\n".join(lines)


async def case(ctx: Context) -> CaseResult:
    """The 500-candidate run (100 with --quick) as a `python -m bench` case."""
    from bench.harness import CaseResult

    with solver_chatter_to_stderr():
        row = measure(ctx.size(500, 100))
    return CaseResult(
        name="optimizer",
        title=f"portfolio selection, {row.candidates} candidates",
        ours=f"{row.milp_seconds:.2f} s, value {row.milp_value}",
        raw=f"greedy {row.greedy_seconds * 1000:.1f} ms, value {row.greedy_value}",
        ratio=f"+{row.gap:.2%} value",
        target="proven optimal",
        passed=row.proven,
        notes=[f"frontier: {row.frontier_seconds:.1f} s for {row.frontier_levels} levels"],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.optimizer", description=__doc__)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT)
    args = parser.parse_args(argv)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"== {size} candidates", file=sys.stderr, flush=True)
        with solver_chatter_to_stderr():
            rows.append(measure(size, args.seed, args.time_limit))
        print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print()
    print(
        f"## portfolio optimiser (seed {args.seed}, time limit {args.time_limit:.0f} s per solve)"
    )
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
