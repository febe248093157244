"""Command accepted → visible in GraphQL, under a steady load of commands.

Starts the real processes, each on its own: the demand REST API (uvicorn), the demand relay, the
reporting projector and the GraphQL gateway, against a fresh database and fresh topics. Then it
drives commands at a fixed rate, open loop (a new pair every 1/rate*2 s whatever the responses
do): submit a demand with its business case (→ version 1), then qualify it (→ version 2). For
each accepted command the latency is from its HTTP 2xx, as the client sees it, to the first
`demandChanged` notice for that demand at that version or later, as a GraphQL subscriber in a
separate process sees it. The projector sends the notice in the transaction that applies the
event, so at that moment a `demand(id)` query returns the version.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import math
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil

from bench import payloads
from bench.harness import CaseResult, Context, progress
from bench.http import HttpError, JsonClient
from bench.watch import watch
from pmo_kernel.identity import issue_token
from pmo_kernel.infra.ports import free_port
from pmo_kernel.infra.topics import list_topics
from pmo_kernel.settings import Settings

RATE_ENV = "BENCH_E2E_RATE"  # commands/s other than the target's 200, e.g. to show CPU headroom
RATE = int(os.environ.get(RATE_ENV, "200"))  # commands/s
P50_TARGET_MS = 30.0
P99_TARGET_MS = 100.0
SIGNING_KEY = "pmo-bench-signing-key-0123456789abcdef0123456789"
GRAPHQL_PATH = "/graphql"
DUMP_ENV = "BENCH_E2E_DUMP"  # a file path: write the raw observations there
SETTLE_SECONDS = 3.0  # after the last command, how long a change may still take to show


@dataclass
class _Processes:
    scratch: Path
    env: dict[str, str]
    running: list[tuple[str, asyncio.subprocess.Process]] = field(default_factory=list)
    # Processes we did not start but want the CPU time of (PostgreSQL, the broker).
    watched: dict[str, list[psutil.Process]] = field(default_factory=dict)

    async def run(self, name: str, *args: str) -> int:
        """Run `python -m <args>` to completion; its exit code."""
        process = await self._spawn(name, args)
        return await process.wait()

    async def start(self, name: str, *args: str) -> None:
        self.running.append((name, await self._spawn(name, args)))

    async def _spawn(self, name: str, args: tuple[str, ...]) -> asyncio.subprocess.Process:
        with (self.scratch / f"{name}.log").open("ab") as log:
            return await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                *args,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # our Ctrl-C is ours; we stop them ourselves
            )

    def check_alive(self) -> None:
        for name, process in self.running:
            if process.returncode is not None:
                raise RuntimeError(
                    f"{name} exited with code {process.returncode}: {self.log_tail(name)}"
                )

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) used so far by each process we started, and by us."""
        used: dict[str, float] = {}
        for name, process in [*self.running, ("bench client", None)]:
            with contextlib.suppress(psutil.Error):
                times = psutil.Process(process.pid if process else os.getpid()).cpu_times()
                used[name] = times.user + times.system
        for name, group in self.watched.items():
            total = 0.0
            for member in group:
                with contextlib.suppress(psutil.Error):
                    times = member.cpu_times()
                    total += times.user + times.system
            used[name] = total
        return used

    def watch_servers(self, database: str, broker_port: str) -> None:
        self.watched.update(server_processes(database, broker_port))

    def log_tail(self, name: str, lines: int = 15) -> str:
        try:
            text = (self.scratch / f"{name}.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    async def stop(self) -> None:
        """SIGTERM to each process we started (by pid), SIGKILL after 10 s."""
        for _, process in self.running:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
        for _, process in self.running:
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        self.running.clear()


def server_processes(database: str, broker_port: str) -> dict[str, list[psutil.Process]]:
    """PostgreSQL (the postmaster serving `database` first, then all its processes) and the
    broker listening on `broker_port`, if they run on this machine."""
    postmasters: set[psutil.Process] = set()
    broker: list[psutil.Process] = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if process.info["name"] == "postgres" and f" {database} " in f" {cmdline} ":
            with contextlib.suppress(psutil.Error):
                parent = process.parent()
                if parent is not None:
                    postmasters.add(parent)
        elif "tansu" in cmdline and f":{broker_port}" in cmdline:
            broker.append(process)
    servers: dict[str, list[psutil.Process]] = {}
    server: list[psutil.Process] = []
    for postmaster in postmasters:
        with contextlib.suppress(psutil.Error):
            server += [postmaster, *postmaster.children()]
    if server:
        servers["postgres (whole server)"] = server
    if broker:
        servers["tansu"] = broker
    return servers


def _missing_entry_points() -> list[str]:
    missing = []
    for module in ("pmo_demand.__main__", "pmo_reporting.__main__"):
        try:
            if importlib.util.find_spec(module) is None:
                missing.append(module)
        except ModuleNotFoundError:
            missing.append(module)
    return missing


async def _wait_http(
    url: str,
    processes: _Processes,
    timeout: float = 60.0,  # noqa: ASYNC109 - a deadline
) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2.0) as client:
        while True:
            processes.check_alive()
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
            await asyncio.sleep(0.1)


async def _wait_topic(
    bootstrap: str,
    topic: str,
    processes: _Processes,
    timeout: float = 60.0,  # noqa: ASYNC109 - a deadline
) -> None:
    """Until the relay has created the topic (the observer must not auto-create it)."""
    deadline = time.monotonic() + timeout
    while topic not in await list_topics(bootstrap):
        processes.check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"the relay did not create {topic} within {timeout:.0f} s")
        await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def _watcher(
    ws_url: str, token: str, bootstrap: str, topic: str, out: Path
) -> AsyncIterator[None]:
    spawn = multiprocessing.get_context("spawn")
    ready, stop = spawn.Event(), spawn.Event()
    process = spawn.Process(
        target=watch, args=(ws_url, token, bootstrap, topic, str(out), ready, stop), daemon=True
    )
    process.start()
    try:
        if not await asyncio.to_thread(ready.wait, 30):
            raise TimeoutError("the GraphQL subscriber did not start")
        yield
    finally:
        stop.set()
        await asyncio.to_thread(process.join, 15)
        if process.is_alive():
            process.kill()
            await asyncio.to_thread(process.join)


@dataclass
class _Load:
    accepted: list[tuple[str, int, float]] = field(default_factory=list)  # id, version, 2xx at
    command_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


async def _drive(client: JsonClient, seconds: float, offset: int) -> _Load:
    """Submit + qualify pairs at RATE commands/s, open loop."""
    load = _Load()
    interval = 2.0 / RATE

    async def command(path: str, body: dict[str, object]) -> tuple[str, int] | None:
        started = time.perf_counter()
        try:
            response = await client.post(path, body)
        except (OSError, EOFError, HttpError, asyncio.LimitOverrunError) as exc:
            load.failures.append(f"{path}: {exc!r}")
            return None
        done = time.perf_counter()
        if not response.is_success:
            load.failures.append(f"{path}: {response.status} {response.body[:200]!r}")
            return None
        data = response.json()
        load.accepted.append((str(data["id"]), int(data["version"]), done))
        load.command_ms.append((done - started) * 1000)
        return str(data["id"]), int(data["version"])

    async def pair(i: int) -> None:
        submitted = await command("/demands", payloads.submit_body(i))
        if submitted is not None:
            await command(f"/demands/{submitted[0]}/qualification", {})

    pairs = int(seconds * RATE / 2)
    tasks: list[asyncio.Task[None]] = []
    start = time.perf_counter()
    for k in range(pairs):
        delay = start + k * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(pair(offset + k)))
    await asyncio.gather(*tasks)
    load.seconds = time.perf_counter() - start
    return load


class _Observed:
    """When each demand was first observed at each version or later."""

    def __init__(self, observations: list[tuple[str, int, float]]) -> None:
        self._by_demand: dict[str, list[tuple[float, int]]] = {}
        for demand_id, version, at in observations:
            self._by_demand.setdefault(demand_id, []).append((at, version))
        for notices in self._by_demand.values():
            notices.sort()

    def first(self, demand_id: str, version: int) -> float | None:
        for at, seen in self._by_demand.get(demand_id, ()):
            if seen >= version:
                return at
        return None


def _latencies(load: _Load, seen: _Observed, published: _Observed) -> _Latencies:
    """Per accepted command, ms from its 2xx to the first notice at its version or later (0
    if the notice came first), and the same split at the moment its event was in Kafka."""
    result = _Latencies()
    for demand_id, version, ok_at in load.accepted:
        visible = seen.first(demand_id, version)
        if visible is None:
            result.unseen += 1
            continue
        result.total.append(max(0.0, visible - ok_at) * 1000)
        in_kafka = published.first(demand_id, version)
        if in_kafka is not None:
            result.to_kafka.append(max(0.0, in_kafka - ok_at) * 1000)
            result.from_kafka.append(max(0.0, visible - in_kafka) * 1000)
    return result


@dataclass
class _Latencies:
    total: list[float] = field(default_factory=list)
    to_kafka: list[float] = field(default_factory=list)  # 2xx → consumable in Kafka
    from_kafka: list[float] = field(default_factory=list)  # in Kafka → GraphQL notice
    unseen: int = 0


def _cpu_note(
    processes: _Processes,
    before: dict[str, float],
    machine_before: Any,
    seconds: float,
) -> str:
    """Where the CPU went while measuring, in % of one core."""
    after, machine_after = processes.cpu_seconds(), psutil.cpu_times()
    shares = [
        f"{name} {(after[name] - before[name]) / seconds:.0%}" for name in after if name in before
    ]
    busy_before = sum(machine_before) - machine_before.idle - getattr(machine_before, "iowait", 0)
    busy_after = sum(machine_after) - machine_after.idle - getattr(machine_after, "iowait", 0)
    cores = psutil.cpu_count() or 1
    machine = (busy_after - busy_before) / seconds / cores
    return (
        f"CPU while measuring (% of one core): {', '.join(shares)}; whole machine "
        f"{machine:.0%} of {cores} cores (PostgreSQL, tansu and neighbours included)"
    )


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 by nearest rank."""
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    return at(0.50), at(0.95), at(0.99)


async def run(ctx: Context) -> CaseResult:
    title = f"command accepted → visible in GraphQL, {RATE} commands/s"
    missing = _missing_entry_points()
    if missing:
        return CaseResult(
            "e2e", title, "—", "—", "—", f"p50 ≤ {P50_TARGET_MS:.0f} ms, p99 ≤ "
            f"{P99_TARGET_MS:.0f} ms", None, [f"not run: {', '.join(missing)} missing"]
        )  # fmt: skip
    database_url = await ctx.infra.fresh_database("e2e")
    demand_port, gateway_port = free_port(), free_port()
    demand_url = f"http://127.0.0.1:{demand_port}"
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": ctx.infra.kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": f"{ctx.topic('e2e')}.",
        "DEMAND_URL": demand_url,
        "REPORTING_URL": gateway_url,
        "JWT_SIGNING_KEY": SIGNING_KEY,
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "WARNING",
        "OTEL_EXPORTER": "none",
        "COMMAND_RATE_PER_MINUTE": "0",  # one client drives the load
    }
    for name in ("DEMAND_DATABASE_URL", "REPORTING_DATABASE_URL"):
        env.pop(name, None)
    settings = Settings(jwt_signing_key=SIGNING_KEY)
    token = issue_token(settings, "bench", ["requester", "pmo_analyst"], name="Bench")
    processes = _Processes(ctx.infra.scratch, env)
    out = ctx.infra.scratch / "seen.json"
    warmup_seconds = ctx.size(3, 1)
    seconds = ctx.size(20, 6)
    try:
        if await processes.run("demand-migrate", "pmo_demand", "migrate") != 0:
            raise RuntimeError(f"migrate failed: {processes.log_tail('demand-migrate')}")
        await processes.start("demand-api", "pmo_demand", "api", "--port", str(demand_port))
        await processes.start("demand-relay", "pmo_demand", "relay")
        await processes.start("reporting-projector", "pmo_reporting", "projector")
        await processes.start("reporting-gateway", "pmo_reporting", "gateway")
        await _wait_http(f"{demand_url}/health", processes)
        await _wait_http(f"{gateway_url}/health", processes)
        topic = Settings(kafka_topic_prefix=env["KAFKA_TOPIC_PREFIX"]).topic("demand")
        await _wait_topic(ctx.infra.kafka_bootstrap, topic, processes)
        ws_url = f"ws://127.0.0.1:{gateway_port}{GRAPHQL_PATH}"
        client = JsonClient("127.0.0.1", demand_port, {"Authorization": f"Bearer {token}"})
        async with _watcher(ws_url, token, ctx.infra.kafka_bootstrap, topic, out):
            progress(f"    warm-up: {warmup_seconds} s")
            warmup = await _drive(client, warmup_seconds, 0)
            await asyncio.sleep(ctx.size(2, 1))
            processes.check_alive()
            progress(f"    measuring: {seconds} s at {RATE} commands/s")
            processes.watch_servers(
                database_url.rsplit("/", 1)[-1], ctx.infra.kafka_bootstrap.rsplit(":", 1)[-1]
            )
            cpu_before, machine_before = processes.cpu_seconds(), psutil.cpu_times()
            load = await _drive(client, seconds, len(warmup.accepted))
            cpu = _cpu_note(processes, cpu_before, machine_before, load.seconds)
            # The last commands' changes may still be on their way (nothing here is timed:
            # the subscriber stamped each notice as it came).
            await asyncio.sleep(SETTLE_SECONDS)
            processes.check_alive()
        await client.close()
        result = orjson.loads(out.read_bytes())
    finally:
        await processes.stop()
    if dump := os.environ.get(DUMP_ENV):
        # Raw observations for a closer look (times are time.perf_counter() seconds).
        raw = orjson.dumps({**result, "accepted": load.accepted, "command_ms": load.command_ms})
        await asyncio.to_thread(Path(dump).write_bytes, raw)
    latencies = _latencies(
        load,
        _Observed([(str(d), int(v), float(t)) for d, v, t in result["seen"]]),
        _Observed([(str(d), int(v), float(t)) for d, v, t in result["published"]]),
    )
    unseen = latencies.unseen
    notes = [
        f"{len(load.accepted):,} commands accepted in {load.seconds:.1f} s "
        f"({len(load.accepted) / load.seconds:,.0f}/s; submit + qualify pairs), "
        f"{len(load.failures)} failed, {unseen} never seen within {SETTLE_SECONDS:.0f} s",
    ]
    if load.command_ms:
        c50, c95, c99 = _percentiles(load.command_ms)
        notes.append(f"HTTP command latency p50/p95/p99: {c50:.1f} / {c95:.1f} / {c99:.1f} ms")
    if latencies.to_kafka:
        k50, _, k99 = _percentiles(latencies.to_kafka)
        g50, _, g99 = _percentiles(latencies.from_kafka)
        notes.append(
            f"split at Kafka, p50 / p99: 2xx → record consumable {k50:.1f} / {k99:.1f} ms "
            f"(relay), record → GraphQL notice {g50:.1f} / {g99:.1f} ms (projector, gateway)"
        )
    notes.append(cpu)
    if load.failures:
        notes.append(f"first failure: {load.failures[0]}")
    if result["errors"]:
        notes.append(f"observer errors: {result['errors'][:2]}")
    if not latencies.total:
        return CaseResult("e2e", title, "no data", "—", "—", "", False, notes)
    p50, p95, p99 = _percentiles(latencies.total)
    passed = p50 <= P50_TARGET_MS and p99 <= P99_TARGET_MS and unseen == 0
    return CaseResult(
        name="e2e",
        title=title,
        ours=f"p50 {p50:.1f} / p95 {p95:.1f} / p99 {p99:.1f} ms",
        raw="—",
        ratio="—",
        target=f"p50 ≤ {P50_TARGET_MS:.0f} ms, p99 ≤ {P99_TARGET_MS:.0f} ms",
        passed=passed,
        notes=notes,
    )
