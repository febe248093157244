"""Projection apply: the reporting service's demand projection, idempotent, in consumer batches.

Exactly what `ConsumerRunner._apply_batch` does, per batch of 500 events in one transaction:
claim the event ids with `Deduper` (the exactly-once record), then hand the new ones to
`pmo_kernel.consumer.apply_events`, which calls `DemandProjection.handle_batch` for the whole
batch (or `handle` per event for a handler without it). The events are whole demand lifecycles
decoded from the CloudEvents records the relay would publish. Absolute target, no raw baseline.
Extra figures: the same batches through the per-event `handle` path, and batches already
applied (every event a duplicate: the redelivery path).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path

from bench import payloads
from bench.harness import CaseResult, Context, Sample, Timer, frozen_inputs, progress
from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.consumer import Deduper, apply_events
from pmo_kernel.db import create_engine, raw_connection
from pmo_kernel.migrations import upgrade

BATCH = 500
TARGET = 10_000  # events/s

GROUP_ID = "bench-projector"


def _reporting_migrations() -> Path:
    import pmo_reporting

    return Path(pmo_reporting.__file__).parent / "migrations"


async def run(ctx: Context) -> CaseResult:
    from pmo_reporting.projections.demand import DemandProjection

    url = ctx.infra.database_url
    schema = ctx.schema("projection")
    await upgrade(url, _reporting_migrations(), schema)
    engine = create_engine(url, pool_size=2, max_overflow=0)
    handler = DemandProjection(schema)
    deduper = Deduper(schema, handler.name)

    batched = hasattr(handler, "handle_batch")

    async def apply(batch: Sequence[ReceivedEvent], per_event: bool) -> int:
        async with raw_connection(engine) as conn, conn.transaction():
            new = await deduper.claim(conn, [e.event_id for e in batch])
            fresh: list[ReceivedEvent] = []
            for event in batch:
                if event.event_id not in new:
                    continue
                new.discard(event.event_id)  # the same id twice in one batch: apply once
                fresh.append(event)
            if per_event:
                for event in fresh:
                    await handler.handle(conn, event)
            else:
                await apply_events(conn, handler, fresh, GROUP_ID)
        return len(fresh)

    async def apply_all(
        events: Sequence[ReceivedEvent], per_event: bool = False
    ) -> tuple[Sample, int]:
        applied = 0
        with Timer() as t:
            for start in range(0, len(events), BATCH):
                applied += await apply(events[start : start + BATCH], per_event)
        return Sample(len(events), t.seconds), applied

    per_round = ctx.size(15_000, 3_000)
    rounds = ctx.size(3, 1)
    samples: list[Sample] = []
    path = "handle_batch" if batched else "handle per event"
    try:
        await apply_all(list(payloads.received_events(1_200)))  # warm-up: statements prepared
        for n in range(rounds):
            events = list(payloads.received_events(per_round))
            with frozen_inputs():
                sample, applied = await apply_all(events)
            _check(applied, len(events))
            samples.append(sample)
            progress(f"    round {n + 1}/{rounds} via {path}: {sample.rate:,.0f}/s")
        with frozen_inputs():
            duplicate, applied = await apply_all(events)
        _check(applied, 0)
        progress(f"    redelivery (all duplicates): {duplicate.rate:,.0f}/s")
        extra = ""
        if batched:
            one_by_one = list(payloads.received_events(ctx.size(1_500, 600)))
            with frozen_inputs():
                per_event, applied = await apply_all(one_by_one, per_event=True)
            _check(applied, len(one_by_one))
            progress(f"    per-event handle(): {per_event.rate:,.0f}/s")
            extra = f"; the same through per-event `handle`: {per_event.rate:,.0f} ev/s"
    finally:
        await engine.dispose()
    rate = statistics.median(s.rate for s in samples)
    return CaseResult(
        name="projection",
        title="projection apply, idempotent (absolute)",
        ours=f"{rate:,.0f} ev/s",
        raw="—",
        ratio="—",
        target=f"≥ {TARGET:,} ev/s",
        passed=rate >= TARGET,
        notes=[
            f"{per_round:,} events per round (demand lifecycles, 6 event types), batches of "
            f"{BATCH} in one transaction each, via `{path}`{extra}; redelivered batches "
            f"(all duplicates): {duplicate.rate:,.0f} ev/s"
        ],
    )


def _check(applied: int, expected: int) -> None:
    # Correctness, not speed: a benchmark of a projection that drops or doubles events is void.
    if applied != expected:
        raise RuntimeError(f"{applied} events applied, expected {expected}")
