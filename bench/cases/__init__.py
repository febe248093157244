"""The benchmark cases, in the order they run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench.harness import CaseResult, Context


@dataclass(frozen=True)
class Case:
    name: str
    summary: str
    run: Callable[[Context], Awaitable[CaseResult]]


def all_cases() -> list[Case]:
    from bench import optimizer, staffing
    from bench.cases import append, audit, e2e, heatmap, idle, projection, relay, replay, report

    return [
        Case("append_seq", "append, 1 event per call, sequential", append.sequential),
        Case("append_concurrent", "append, 1 event per call, 16 streams", append.concurrent),
        Case("append_batch", "append, 100 events per call", append.batch),
        Case("replay", "replay: read + decode to typed events", replay.run),
        Case("relay", "relay publish", relay.run),
        Case("projection", "projection apply, idempotent", projection.run),
        Case("e2e", "command accepted → visible in GraphQL", e2e.run),
        Case("heatmap", "capacity heatmap GraphQL query, 300 people x 52 weeks", heatmap.run),
        Case("report", "executive report for a demo-sized portfolio, HTML + PDF", report.run),
        Case("audit", "audit verify and Merkle log append", audit.run),
        Case("idle", "idle platform, CPU", idle.run),
        Case("optimizer", "portfolio selection: MILP vs greedy", optimizer.case),
        Case("staffing", "capacity staffing: MILP vs greedy", staffing.case),
    ]
