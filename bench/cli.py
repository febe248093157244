"""The command line: start the infrastructure, run the chosen cases, print the table."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import sys
import time
import traceback

from bench.cases import Case, all_cases
from bench.harness import CaseResult, Context, markdown_table, progress
from bench.infra import clear_case_state, infrastructure
from pmo_kernel.process import tune_garbage_collector
from pmo_kernel.settings import GC_YOUNG_THRESHOLD


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cases = all_cases()
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="pmo benchmarks: each case beside a raw baseline, in the same run.",
        epilog="cases: " + ", ".join(c.name for c in cases),
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only this case (repeatable, or comma-separated)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes and fewer rounds (CI smoke run)"
    )
    return parser.parse_args(argv)


def select(only: list[str] | None) -> list[Case]:
    cases = all_cases()
    if not only:
        return cases
    wanted = [name.strip() for item in only for name in item.split(",") if name.strip()]
    known = {c.name: c for c in cases}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        sys.exit(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return [c for c in cases if c.name in wanted]


async def run(cases: list[Case], quick: bool) -> list[CaseResult]:
    results: list[CaseResult] = []
    started = time.perf_counter()
    async with infrastructure() as infra:
        progress(f"infrastructure: {infra.description}")
        ctx = Context(infra, quick)
        for case in cases:
            progress(f"== {case.name}: {case.summary}")
            case_started = time.perf_counter()
            try:
                result = await case.run(ctx)
            except Exception as exc:  # a broken case must not hide the others' figures
                traceback.print_exc()
                result = CaseResult(
                    case.name, case.summary, "error", "—", "—", "—", None, [repr(exc)]
                )
            progress(f"   {case.name}: {time.perf_counter() - case_started:.1f} s")
            results.append(result)
            await clear_case_state(infra)
    progress(f"total: {time.perf_counter() - started:.1f} s")
    return results


def machine() -> str:
    cpus = os.cpu_count() or 0
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        memory = ""
    return f"{platform.system()} {platform.machine()}, {cpus} CPUs{memory}, Python " + (
        platform.python_version()
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    cases = select(args.only)
    # The stock asyncio loop and the collector's thresholds, as every service process runs
    # (pmo_kernel.process), for ours and the raw baselines alike.
    tune_garbage_collector(GC_YOUNG_THRESHOLD)
    results = asyncio.run(run(cases, args.quick))
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    mode = "quick" if args.quick else "full"
    print()
    print(f"## pmo benchmarks, {stamp} ({mode} run; {machine()})")
    print()
    print(markdown_table(results))
