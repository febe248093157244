"""The capacity heatmap through GraphQL: 300 people x 52 weeks, at a steady 50 queries/s.

The capacity domain itself makes the events (pmo_capacity.domain: calendars, people, a year of
availability reports and allocations, some confirmed, some released, as its relay would
publish them); the reporting projection applies them to a fresh database; then the real
GraphQL gateway process serves `capacityHeatmap` for the whole year, in hours, to a resource
manager (who sees everyone), open loop: a new query every 1/50 s whatever the answers do. The
latency is the client's, from sending the request to having the whole answer (~600 KB of
JSON). The first query computes the heatmap, the others find it cached until the capacity read
models change: the notes give that first one's latency. The warm-up checks every answer holds
all 300 rows of 52 weeks. Absolute target, no raw baseline.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import random
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import httpx

from bench.harness import CaseResult, Context, progress
from bench.http import HttpError, JsonClient
from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.db import create_engine, raw_connection
from pmo_kernel.identity import issue_token
from pmo_kernel.infra.ports import free_port
from pmo_kernel.migrations import upgrade
from pmo_kernel.settings import Settings

PEOPLE = 300
WEEKS = 52
RATE_ENV = "BENCH_HEATMAP_RATE"  # queries/s other than the target's 50 (to show headroom)
RATE = int(os.environ.get(RATE_ENV, "50"))
P50_TARGET_MS = 100.0
P99_TARGET_MS = 250.0
SIGNING_KEY = "pmo-bench-signing-key-0123456789abcdef0123456789"
YEAR = 2027
BATCH = 500
VARIABLES = {"from": f"{YEAR}-W01", "to": f"{YEAR}-W{WEEKS:02d}"}
QUERY = """query ($from: String!, $to: String!) {
  capacityHeatmap(fromWeek: $from, toWeek: $to) {
    weeks
    rows { person { id name team } available allocated soft hard overAllocated }
    totals { week available allocated soft hard overAllocatedPeople }
  }
}"""


def capacity_events(people: int, seed: int = 7) -> Iterator[ReceivedEvent]:
    """Two calendars, then `people` people over six teams, each with ~15 availability reports
    and four allocations in the year (two confirmed, one of half their availability, one
    released), as published."""
    from pmo_capacity.domain import (
        DefineCalendar,
        Person,
        PersonRole,
        ProposeAllocation,
        RegisterPerson,
        ReleaseAllocation,
        ReportAvailability,
        Skill,
        WorkingCalendar,
    )
    from pmo_kernel.aggregate import Aggregate
    from pmo_kernel.capacity import week_of
    from pmo_kernel.money import Money

    rng = random.Random(seed)
    at = datetime(YEAR - 1, 12, 1, tzinfo=UTC)
    monday = date.fromisocalendar(YEAR, 1, 1)
    weeks = [week_of(monday + timedelta(weeks=n)) for n in range(WEEKS)]

    def published(aggregate: Aggregate, actor: str) -> list[ReceivedEvent]:
        events = [
            ReceivedEvent(
                event_id=uuid4(),
                source="/pmo/capacity",
                service="capacity",
                event_type=event.event_type,
                schema_version=1,
                subject=aggregate.id,
                stream_type=aggregate.stream_type,
                sequence=aggregate.version + n,
                position=None,
                time=at,
                actor_id=actor,
                actor_name=None,
                correlation_id=None,
                causation_id=None,
                traceparent=None,
                tracestate=None,
                data=event.model_dump(mode="json"),
            )
            for n, event in enumerate(aggregate.pending, start=1)
        ]
        aggregate.mark_saved(aggregate.version + len(events), None)
        return events

    calendars = {
        "BE": WorkingCalendar.define(
            DefineCalendar(
                calendar_id="BE", name="Belgium", hours_per_week=Decimal(38),
                public_holidays=[date(YEAR, 3, 29), date(YEAR, 5, 6), date(YEAR, 5, 17),
                                 date(YEAR, 7, 21), date(YEAR, 11, 1), date(YEAR, 11, 11)],
            ), "rita", at,
        ),
        "FR": WorkingCalendar.define(
            DefineCalendar(
                calendar_id="FR", name="France", hours_per_week=Decimal(35),
                public_holidays=[date(YEAR, 5, 1), date(YEAR, 5, 8), date(YEAR, 7, 14)],
            ), "rita", at,
        ),
    }  # fmt: skip
    for calendar in calendars.values():
        yield from published(calendar, "rita")
    for n in range(people):
        team = f"Team {n % 6}"
        manager = f"manager-{n % 6}"
        calendar = calendars["BE" if n % 3 else "FR"]
        person = Person.register(
            f"person-{n:04d}",
            RegisterPerson(
                name=f"Person {n:04d}", line_manager=manager, team=team,
                roles=[rng.choice([PersonRole.DEVELOPER, PersonRole.TESTER, PersonRole.ARCHITECT])],
                skills=[Skill(name="python", level=rng.randint(1, 5))],
                cost_rate_per_day=Money.of("600"), calendar_id=calendar.id,
                part_time_percent=Decimal(rng.choice([100, 100, 100, 80, 50])),
            ),
            "rita", at,
        )  # fmt: skip
        for week in sorted(rng.sample(weeks, 15)):
            report = (
                ReportAvailability(week=week, available_percent=Decimal(rng.choice([0, 50, 80])))
                if rng.random() < 0.5
                else ReportAvailability(week=week, absence_hours=Decimal(rng.randint(4, 40)))
            )
            person.report_availability(report, manager, at)
        for k in range(4):
            first = rng.randrange(WEEKS - 4)
            last = min(WEEKS - 1, first + rng.randint(2, 20))
            allocation_id = f"{person.id}-A{k}"
            command = ProposeAllocation(
                project_id=f"P-{rng.randrange(40)}", start_week=weeks[first],
                end_week=weeks[last],
                hours_per_week=None if k == 2 else Decimal(rng.choice([8, 16, 20, 24])),
                percent_of_availability=Decimal(50) if k == 2 else None,
                accept_over_allocation=True,
            )  # fmt: skip
            person.propose_allocation(allocation_id, command, calendar, "pam", at)
            if k < 2:
                person.confirm_allocation(allocation_id, manager, at)
            elif k == 3:
                person.release_allocation(allocation_id, ReleaseAllocation(), "pam", at)
        yield from published(person, manager)


@dataclass
class _Load:
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


async def _project(database_url: str, events: list[ReceivedEvent]) -> None:
    from pmo_reporting.projections.capacity import CapacityProjection

    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    projection = CapacityProjection("reporting")
    try:
        for start in range(0, len(events), BATCH):
            async with raw_connection(engine) as conn, conn.transaction():
                await projection.apply(conn, events[start : start + BATCH])
    finally:
        await engine.dispose()


async def _drive(client: JsonClient, seconds: float, check: bool) -> _Load:
    load = _Load()
    interval = 1.0 / RATE

    async def one() -> None:
        started = time.perf_counter()
        try:
            response = await client.post("/graphql", {"query": QUERY, "variables": VARIABLES})
        except (OSError, EOFError, HttpError, asyncio.LimitOverrunError) as exc:
            load.failures.append(repr(exc))
            return
        load.latencies_ms.append((time.perf_counter() - started) * 1000)
        if not response.is_success:
            load.failures.append(f"{response.status} {response.body[:200]!r}")
        elif check:
            _check(response.json())

    count = int(seconds * RATE)
    tasks: list[asyncio.Task[None]] = []
    start = time.perf_counter()
    for k in range(count):
        delay = start + k * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    load.seconds = time.perf_counter() - start
    return load


DEMAND_QUERY = """query ($from: String!, $to: String!, $by: CapacityGrouping!,
    $period: CapacityPeriod!) {
  capacityVsDemand(by: $by, period: $period, fromWeek: $from, toWeek: $to) {
    rows { key cells { period available allocated openDemand gap short } }
  }
}"""


async def _capacity_vs_demand(client: JsonClient, rounds: int) -> list[float]:
    """Latencies (ms) of `rounds` pairs of capacityVsDemand queries, one after the other: by
    role and quarter, then by skill and month, over the heatmap's year."""
    latencies = []
    for _ in range(rounds):
        for by, period in (("ROLE", "QUARTER"), ("SKILL", "MONTH")):
            variables = {**VARIABLES, "by": by, "period": period}
            started = time.perf_counter()
            response = await client.post(
                "/graphql", {"query": DEMAND_QUERY, "variables": variables}
            )
            latencies.append((time.perf_counter() - started) * 1000)
            body = response.json()
            if "errors" in body or not body["data"]["capacityVsDemand"]["rows"]:
                raise RuntimeError(f"capacityVsDemand failed: {str(body)[:300]}")
    return latencies


def _check(body: dict[str, object]) -> None:
    # Correctness, not speed: a fast answer that lacks people or weeks is void.
    data = body.get("data")
    if body.get("errors") or not isinstance(data, dict):
        raise RuntimeError(f"the heatmap query failed: {str(body)[:300]}")
    rows = data["capacityHeatmap"]["rows"]
    if len(rows) != PEOPLE or any(len(row["available"]) != WEEKS for row in rows):
        raise RuntimeError(f"{len(rows)} rows, expected {PEOPLE} of {WEEKS} weeks")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


async def _wait_http(url: str, process: asyncio.subprocess.Process, log: Path) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=2.0) as client:
        while True:
            if process.returncode is not None:
                tail = (await asyncio.to_thread(log.read_text, errors="replace"))[-800:]
                raise RuntimeError(f"the gateway exited: {tail}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within 60 s")
            await asyncio.sleep(0.1)


async def run(ctx: Context) -> CaseResult:
    from pmo_reporting.projector import MIGRATIONS, SCHEMA

    title = f"capacity heatmap, {PEOPLE} people x {WEEKS} weeks, {RATE} queries/s"
    database_url = await ctx.infra.fresh_database("heatmap")
    await upgrade(database_url, MIGRATIONS, SCHEMA)
    events = list(capacity_events(PEOPLE))
    started = time.perf_counter()
    await _project(database_url, events)
    projected_s = time.perf_counter() - started
    progress(f"    {len(events):,} capacity events projected in {projected_s:.1f} s")

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REPORTING_URL": f"http://127.0.0.1:{port}",
        "JWT_SIGNING_KEY": SIGNING_KEY,
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "WARNING",
        "OTEL_EXPORTER": "none",
        "COMMAND_RATE_PER_MINUTE": "0",
    }
    env.pop("REPORTING_DATABASE_URL", None)
    log = ctx.infra.scratch / "heatmap-gateway.log"
    with log.open("ab") as out:
        gateway = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "pmo_reporting", "gateway", env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    token = issue_token(Settings(jwt_signing_key=SIGNING_KEY), "bench", ["resource_manager"])
    client = JsonClient("127.0.0.1", port, {"Authorization": f"Bearer {token}"})
    seconds = ctx.size(10, 3)
    try:
        await _wait_http(f"http://127.0.0.1:{port}/health", gateway, log)
        # The first query computes the heatmap (the later ones find it cached until the
        # read models change), in a process that has answered nothing yet.
        started = time.perf_counter()
        response = await client.post("/graphql", {"query": QUERY, "variables": VARIABLES})
        computed_ms = (time.perf_counter() - started) * 1000
        _check(response.json())
        warm = await _drive(client, ctx.size(2, 1), check=True)  # statements prepared, caches
        if warm.failures:
            raise RuntimeError(f"warm-up failed: {warm.failures[0]}")
        progress(f"    measuring: {seconds} s at {RATE} queries/s")
        load = await _drive(client, seconds, check=False)
        demand_ms = await _capacity_vs_demand(client, ctx.size(10, 3))
    finally:
        await client.close()
        if gateway.returncode is None:
            gateway.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(gateway.wait(), timeout=10)
        except TimeoutError:
            gateway.kill()
            await gateway.wait()
    notes = [
        f"{len(events):,} capacity events (2 calendars, {PEOPLE} people, 15 reports and 4 "
        f"allocations each) projected in {projected_s:.1f} s; {len(load.latencies_ms)} queries "
        f"answered in {load.seconds:.1f} s, {len(load.failures)} failed",
        f"the first query, which computes the heatmap in a fresh process (the others find it "
        f"cached until the capacity read models change): {computed_ms:.1f} ms",
    ]
    notes.append(
        f"capacityVsDemand over the same people and year (computed each time, no cache), "
        f"median of {len(demand_ms)} sequential queries: by role and quarter "
        f"{_percentile(demand_ms[0::2], 0.5):.1f} ms, by skill and month "
        f"{_percentile(demand_ms[1::2], 0.5):.1f} ms ({computed_ms:.1f} ms for the first heatmap)"
    )
    if load.failures:
        notes.append(f"first failure: {load.failures[0]}")
    if not load.latencies_ms:
        return CaseResult("heatmap", title, "no data", "—", "—", "", False, notes)
    p50 = _percentile(load.latencies_ms, 0.50)
    p99 = _percentile(load.latencies_ms, 0.99)
    return CaseResult(
        name="heatmap",
        title=title,
        ours=f"p50 {p50:.1f} / p99 {p99:.1f} ms",
        raw="—",
        ratio="—",
        target=f"p50 ≤ {P50_TARGET_MS:.0f} ms, p99 ≤ {P99_TARGET_MS:.0f} ms",
        passed=p50 <= P50_TARGET_MS and p99 <= P99_TARGET_MS and not load.failures,
        notes=notes,
    )
