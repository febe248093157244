"""What the platform costs when nothing happens.

Starts everything `pmo run` starts (every service's API, relay and consumers, the projector and
the gateway) on the bench's PostgreSQL and broker, waits until every API answers and the
start-up work has settled, then measures the CPU time of the whole process tree, of PostgreSQL
(the whole server) and of the broker while no command comes in. The baseline, measured in the
same run after the platform has stopped, is the two servers on their own: what they cost with
nobody connected. The target is on the platform's share: its processes plus what they make the
servers do beyond that floor.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time

import httpx
import psutil

from bench.cases.e2e import server_processes
from bench.harness import CaseResult, Context, progress
from pmo_kernel.infra.ports import free_port

TARGET_SHARE = 0.03  # of one core
SETTLE_SECONDS = 10.0  # after every API answers: consumers join their groups, relays go idle
SIGNING_KEY = "pmo-bench-signing-key-0123456789abcdef0123456789"


def _cpu_seconds(group: list[psutil.Process]) -> float:
    total = 0.0
    for process in group:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def _tree(root: psutil.Process) -> list[psutil.Process]:
    with contextlib.suppress(psutil.Error):
        return [root, *root.children(recursive=True)]
    return []


def _snapshot(groups: dict[str, list[psutil.Process]]) -> dict[str, float]:
    return {name: _cpu_seconds(group) for name, group in groups.items()}


async def _measure(groups: dict[str, list[psutil.Process]], seconds: float) -> dict[str, float]:
    """Share of one core each group used over `seconds`."""
    before, started = _snapshot(groups), time.perf_counter()
    await asyncio.sleep(seconds)
    after, elapsed = _snapshot(groups), time.perf_counter() - started
    return {name: (after[name] - before[name]) / elapsed for name in groups}


async def _wait_healthy(urls: list[str], process: psutil.Popen, within: float = 120.0) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2.0) as client:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"pmo run exited with code {process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                answers = [(await client.get(f"{url}/health")).status_code for url in urls]
                if all(status == 200 for status in answers):
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the platform did not answer within {within:.0f} s")
            await asyncio.sleep(0.3)


async def run(ctx: Context) -> CaseResult:
    title = "idle platform, CPU"
    database_url = await ctx.infra.fresh_database("idle")
    urls = {
        name: f"http://127.0.0.1:{free_port()}" for name in ("demand", "portfolio", "reporting")
    }
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": ctx.infra.kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": f"{ctx.topic('idle')}.",
        "DEMAND_URL": urls["demand"],
        "PORTFOLIO_URL": urls["portfolio"],
        "REPORTING_URL": urls["reporting"],
        "JWT_SIGNING_KEY": SIGNING_KEY,
        "PMO_DATA_DIR": str(ctx.infra.scratch / "idle"),
        "LOG_LEVEL": "WARNING",
        "OTEL_EXPORTER": "none",
        "COMMAND_RATE_PER_MINUTE": "0",  # one client drives the load
    }
    seconds = ctx.size(30, 10)
    with (ctx.infra.scratch / "idle.log").open("ab") as log:
        platform = psutil.Popen(
            [sys.executable, "-m", "pmo_kernel.cli.main", "run"],
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        await _wait_healthy(list(urls.values()), platform)
        progress(f"    settling: {SETTLE_SECONDS:.0f} s")
        await asyncio.sleep(SETTLE_SECONDS)
        servers = server_processes(
            database_url.rsplit("/", 1)[-1], ctx.infra.kafka_bootstrap.rsplit(":", 1)[-1]
        )
        processes = {
            f"{' '.join(p.cmdline()[2:4])}": [p] for p in _tree(platform)[1:] if p.cmdline()
        }
        progress(f"    measuring: {seconds} s idle")
        shares = await _measure({"pmo run": [platform], **processes, **servers}, seconds)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(platform.pid, signal.SIGINT)  # what Ctrl-C does
        try:
            await asyncio.to_thread(platform.wait, 30)
        except psutil.TimeoutExpired:
            os.killpg(platform.pid, signal.SIGKILL)
    progress(f"    baseline: {seconds} s of the servers alone")
    alone = {
        name: _tree(group[0]) if name.startswith("postgres") else group
        for name, group in servers.items()
    }
    floor = await _measure(alone, seconds)
    ours = sum(share for name, share in shares.items() if name not in servers)
    on_servers = sum(max(0.0, shares[name] - floor[name]) for name in servers)
    platform_share = ours + on_servers
    notes = [
        "CPU while idle (% of one core): "
        + ", ".join(f"{name} {share:.1%}" for name, share in sorted(shares.items())),
        "the servers alone afterwards: "
        + ", ".join(f"{name} {share:.1%}" for name, share in floor.items()),
        f"the platform's share: its processes {ours:.1%} + the servers beyond their floor "
        f"{on_servers:.1%}",
    ]
    return CaseResult(
        name="idle",
        title=title,
        ours=f"{platform_share + sum(floor.values()):.1%} of a core",
        raw=f"{sum(floor.values()):.1%} (servers alone)",
        ratio=f"+{platform_share:.1%}",
        target=f"platform ≤ {TARGET_SHARE:.0%} of a core",
        passed=platform_share <= TARGET_SHARE,
        notes=notes,
    )
