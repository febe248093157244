"""`python -m bench.staffing`: the capacity service's staffing optimiser (MILP, HiGHS) against
its greedy baseline.

A seeded, realistic instance per size (people x needs, over the 52 weeks of 2027): 7 roles
(developers, support and testers the most numerous), 20 skills in role pools (a person holds
3-7, mostly from their role's pool, levels 1-5 weighted to the middle), one role or two (one
in five), 40 h a week or 32 part-time, 0-3 weeks of leave (16-40 h each), and 0-2
allocations already held (4-30 weeks at 8-24 h, each on one of the projects, which also makes
them "already on" it); 1 project per 3 needs, each need of one role with 0-3 skills of its
pool at minimum level 2-4, 4-26 weeks at 8-40 h a week.

Measured: the MILP solve to proven optimality (or its time limit: the table says which), the
greedy baseline, the value gap (MILP - greedy) / MILP, the filled effort of each, and the
explanation time. Figures only: nothing is asserted on time.

Options: --sizes 100x40,300x120 --seed 2027 --time-limit 60.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from bench.optimizer import solver_chatter_to_stderr
from pmo_capacity.domain.model import PersonRole
from pmo_capacity.staffing import (
    Candidate,
    Need,
    StaffingProblem,
    solve_greedy,
    solve_optimal,
    violations,
)
from pmo_capacity.staffing.milp import build

if TYPE_CHECKING:
    from bench.harness import CaseResult, Context

WEEKS = tuple(f"2027-W{w:02d}" for w in range(1, 53))
ROLE_ODDS = {  # share of people holding the role first; needs follow the same mix
    PersonRole.DEVELOPER: 0.30,
    PersonRole.SUPPORT: 0.16,
    PersonRole.TESTER: 0.15,
    PersonRole.BUSINESS_ANALYST: 0.12,
    PersonRole.PROJECT_MANAGER: 0.12,
    PersonRole.ARCHITECT: 0.10,
    PersonRole.PROGRAMME_MANAGER: 0.05,
}
POOLS = {
    PersonRole.DEVELOPER: ("python", "java", "typescript", "react", "sql", "kubernetes", "aws"),
    PersonRole.SUPPORT: ("itil", "networking", "sql", "azure", "security", "sap"),
    PersonRole.TESTER: ("test automation", "python", "java", "security", "sql"),
    PersonRole.BUSINESS_ANALYST: ("data modelling", "sql", "power bi", "sap", "salesforce", "ux"),
    PersonRole.PROJECT_MANAGER: ("prince2", "agile", "sap", "salesforce"),
    PersonRole.ARCHITECT: ("aws", "azure", "kubernetes", "security", "data modelling", "spark"),
    PersonRole.PROGRAMME_MANAGER: ("prince2", "agile", "msp"),
}
SKILLS = sorted({s for pool in POOLS.values() for s in pool})  # 20
LEVELS = (1, 2, 2, 3, 3, 3, 4, 4, 5)
HOURS = (8, 12, 16, 20, 24, 32, 40)
SIZES = ((100, 40), (300, 120))
SEED = 2027
TIME_LIMIT = 60.0


def generate(people: int, needs: int, seed: int = SEED) -> StaffingProblem:
    """The benchmark instance: same sizes and seed, same problem."""
    rng = random.Random(seed * 1_000_003 + people * 1_009 + needs)
    roles = list(ROLE_ODDS)
    odds = list(ROLE_ODDS.values())
    projects = [f"P{k:03d}" for k in range(max(1, needs // 3))]
    candidates = []
    for k in range(people):
        held = {rng.choices(roles, odds)[0]}
        if rng.random() < 0.2:
            held.add(rng.choices(roles, odds)[0])
        pool = [s for r in sorted(held) for s in POOLS[r]]
        names = set(rng.sample(sorted(set(pool)), min(len(set(pool)), rng.randint(2, 5))))
        names |= set(rng.sample(SKILLS, rng.randint(1, 2)))
        skills = {name: rng.choice(LEVELS) for name in sorted(names)}
        weekly = Decimal(40 if rng.random() < 0.8 else 32)
        spare = dict.fromkeys(WEEKS, weekly)
        for week in rng.sample(WEEKS, rng.randint(0, 3)):  # leave: part of a week or all
            spare[week] -= min(weekly, Decimal(8 * rng.randint(2, 5)))
        on: set[str] = set()
        for _ in range(rng.randint(0, 2)):
            length = rng.randint(4, 30)
            start = rng.randrange(len(WEEKS) - length + 1)
            hours = Decimal(rng.choice((8, 12, 16, 20, 24)))
            for week in WEEKS[start : start + length]:
                spare[week] = max(spare[week] - hours, Decimal(0))
            on.add(rng.choice(projects))
        candidates.append(
            Candidate(
                person_id=f"U{k:04d}",
                name=f"Person {k}",
                roles=frozenset(held),
                skills=skills,
                spare_hours={w: h for w, h in spare.items() if h > 0},
                projects=frozenset(on),
            )
        )
    requests = []
    for k in range(needs):
        role = rng.choices(roles, odds)[0]
        wanted = rng.sample(POOLS[role], rng.choice((0, 1, 1, 2, 2, 3)))
        length = rng.randint(4, 26)
        start = rng.randrange(len(WEEKS) - length + 1)
        requests.append(
            Need(
                request_id=f"R{k:04d}",
                project_id=rng.choice(projects),
                role=role,
                skills={s: rng.randint(2, 4) for s in wanted},
                weeks=WEEKS[start : start + length],
                hours_per_week=Decimal(rng.choice(HOURS)),
            )
        )
    return StaffingProblem(candidates=tuple(candidates), needs=tuple(requests))


@dataclass(frozen=True)
class Row:
    people: int
    needs: int
    pairs: int
    person_weeks: int  # capacity rows before aggregation
    rows: int  # capacity rows after aggregation
    milp_value: Decimal
    milp_seconds: float
    proven: bool
    milp_filled: int
    milp_hours: Decimal
    greedy_value: Decimal
    greedy_seconds: float
    greedy_filled: int
    greedy_hours: Decimal
    explain_seconds: float

    @property
    def gap(self) -> float:
        return (
            float((self.milp_value - self.greedy_value) / self.milp_value)
            if self.milp_value
            else 0.0
        )


def measure(people: int, needs: int, seed: int = SEED, time_limit: float = TIME_LIMIT) -> Row:
    problem = generate(people, needs, seed)
    model, _ = build(problem)
    started = time.perf_counter()
    optimal = solve_optimal(problem, time_limit=time_limit)
    total = time.perf_counter() - started
    greedy = solve_greedy(problem)
    for plan in (optimal, greedy):
        if violations(problem, plan.assignments):  # never expected: the solvers check this
            raise AssertionError(
                f"{plan.solver} plan violates: {violations(problem, plan.assignments)}"
            )
    return Row(
        people=people,
        needs=needs,
        pairs=len(model.pairs),
        person_weeks=len({(c.person_id, w) for n, c in model.pairs for w in n.weeks}),
        rows=model.capacity_rows,
        milp_value=optimal.value,
        milp_seconds=optimal.seconds,
        proven=optimal.optimal,
        milp_filled=len(optimal.assignments),
        milp_hours=optimal.filled_hours,
        greedy_value=greedy.value,
        greedy_seconds=greedy.seconds,
        greedy_filled=len(greedy.assignments),
        greedy_hours=greedy.filled_hours,
        explain_seconds=total - optimal.seconds,
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| people × needs | pairs | capacity rows (of person-weeks) | MILP time | proven optimal "
        "| MILP value (filled, hours) | greedy time | greedy value (filled, hours) | value gap "
        "| explanations |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.people} × {r.needs} | {r.pairs} | {r.rows} ({r.person_weeks}) "
            f"| {r.milp_seconds:.2f} s "
            f"| {'yes' if r.proven else 'no (time limit)'} "
            f"| {r.milp_value} ({r.milp_filled}, {r.milp_hours} h) "
            f"| {r.greedy_seconds * 1000:.1f} ms | {r.greedy_value} ({r.greedy_filled}, "
            f"{r.greedy_hours} h) | {r.gap:.2%} | {r.explain_seconds:.2f} s |"
        )
    return "\n".join(lines)


async def case(ctx: Context) -> CaseResult:
    """300 people x 120 needs (100 x 40 with --quick), after a 100 x 40 run for context."""
    from bench.harness import CaseResult, progress

    sizes = [(100, 40)] if ctx.quick else list(SIZES)
    rows = []
    for people, needs in sizes:
        with solver_chatter_to_stderr():
            rows.append(measure(people, needs))
        progress(table(rows[-1:]).splitlines()[-1])
    row = rows[-1]
    return CaseResult(
        name="staffing",
        title=f"staffing, {row.people} people × {row.needs} needs × 52 weeks",
        ours=f"{row.milp_seconds:.2f} s, value {row.milp_value}",
        raw=f"greedy {row.greedy_seconds * 1000:.1f} ms, value {row.greedy_value}",
        ratio=f"+{row.gap:.2%} value",
        target="proven optimal",
        passed=row.proven,
        notes=[
            f"{r.people} × {r.needs}: MILP {r.milp_seconds:.2f} s "
            f"({'proven' if r.proven else 'not proven'}), {r.milp_filled} filled / "
            f"{r.milp_hours} h; greedy {r.greedy_seconds * 1000:.1f} ms, {r.greedy_filled} "
            f"filled / {r.greedy_hours} h; gap {r.gap:.2%}"
            for r in rows
        ],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.staffing", description=__doc__)
    parser.add_argument("--sizes", default=",".join(f"{p}x{n}" for p, n in SIZES))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT)
    args = parser.parse_args(argv)
    rows = []
    for size in args.sizes.split(","):
        people, needs = (int(v) for v in size.split("x"))
        print(f"== {people} people × {needs} needs", file=sys.stderr, flush=True)
        with solver_chatter_to_stderr():
            rows.append(measure(people, needs, args.seed, args.time_limit))
        print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print()
    print(f"## staffing optimiser (seed {args.seed}, time limit {args.time_limit:.0f} s)")
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
