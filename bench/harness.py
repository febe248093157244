"""Measuring and reporting: paired rounds of ours vs raw, medians, the results table."""

from __future__ import annotations

import contextlib
import gc
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field

from bench.infra import Infra


@dataclass(frozen=True)
class Sample:
    """One timed round: `events` done in `seconds`."""

    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else float("inf")


Round = Callable[[int], Awaitable[Sample]]  # round number → sample


class Timer:
    """`with Timer() as t: ...` then `t.seconds` (time.perf_counter)."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


@contextlib.contextmanager
def frozen_inputs() -> Iterator[None]:
    """Move every object alive now (the case's precomputed inputs, e.g. 50,000 Kafka records)
    out of the garbage collector's reach while measuring, and back afterwards. Otherwise each
    collection during a round walks the benchmark's own data, which punishes whichever side
    allocates more (ours) for memory a real process would not hold. GC stays on: the
    collections the measured code causes still cost what they cost."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def cpython_default_gc() -> Iterator[None]:
    """CPython's own collector thresholds instead of the service processes' (see
    pmo_kernel.process.tune_garbage_collector), for a figure beside the main one."""
    tuned = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*tuned)


async def paired(rounds: int, raw: Round, ours: Round) -> tuple[list[Sample], list[Sample]]:
    """Alternate raw and ours for `rounds` rounds, swapping who goes first each round, so a
    noisy neighbour or a drifting machine weighs on both sides alike."""
    raw_samples: list[Sample] = []
    our_samples: list[Sample] = []
    for n in range(rounds):
        if n % 2 == 0:
            raw_samples.append(await raw(n))
            our_samples.append(await ours(n))
        else:
            our_samples.append(await ours(n))
            raw_samples.append(await raw(n))
        progress(
            f"    round {n + 1}/{rounds}: raw {raw_samples[-1].rate:,.0f}/s, "
            f"ours {our_samples[-1].rate:,.0f}/s"
        )
    return raw_samples, our_samples


def median_rate(samples: Sequence[Sample]) -> float:
    return statistics.median(s.rate for s in samples)


@dataclass
class CaseResult:
    name: str
    title: str
    ours: str  # formatted figure
    raw: str  # formatted figure, or "—"
    ratio: str  # formatted, or "—"
    target: str
    passed: bool | None  # None: not measured (skipped)
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "SKIP"
        return "PASS" if self.passed else "MISS"


def throughput_result(
    name: str,
    title: str,
    raw: Sequence[Sample],
    ours: Sequence[Sample],
    min_ratio: float,
    notes: list[str] | None = None,
) -> CaseResult:
    raw_rate, our_rate = median_rate(raw), median_rate(ours)
    ratio = our_rate / raw_rate
    return CaseResult(
        name=name,
        title=title,
        ours=f"{our_rate:,.0f} ev/s",
        raw=f"{raw_rate:,.0f} ev/s",
        ratio=f"{ratio:.0%}",
        target=f"≥ {min_ratio:.0%}",
        passed=ratio >= min_ratio,
        notes=notes or [],
    )


@dataclass(frozen=True)
class Context:
    infra: Infra
    quick: bool

    def schema(self, case: str) -> str:
        return f"b{self.infra.run_id}_{case}"

    def topic(self, case: str) -> str:
        return f"{self.infra.topic_prefix}{case}"

    def size(self, full: int, quick: int) -> int:
        return quick if self.quick else full


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def markdown_table(results: Sequence[CaseResult]) -> str:
    lines = [
        "| case | ours | raw baseline | ours / raw | target | result |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.title} (`{r.name}`) | {r.ours} | {r.raw} | {r.ratio} | {r.target} | "
            f"{r.verdict} |"
        )
    notes = [f"- `{r.name}`: {note}" for r in results for note in r.notes]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)
