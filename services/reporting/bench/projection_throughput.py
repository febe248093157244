"""How many demand events per second the projector applies, without Kafka.

Mirrors the projector's transaction per batch (BatchingRunner): claim the event ids, apply the
batch (DemandProjection.apply), commit; and, for comparison, one `handle` per event (the
kernel's plain Handler path). Needs a PostgreSQL server; creates and drops a scratch database.

    .venv/bin/python services/reporting/bench/projection_throughput.py \\
        [--server postgresql://postgres@127.0.0.1:5432/postgres] [--demands 4000]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import asyncpg

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.consumer import Deduper
from pmo_kernel.db import asyncpg_dsn
from pmo_kernel.infra.databases import create_database, drop_database
from pmo_kernel.migrations import upgrade
from pmo_reporting.projections.demand import DemandProjection
from pmo_reporting.projector import MIGRATIONS, SCHEMA

T0 = datetime(2026, 1, 5, tzinfo=UTC)
CASE = {
    "problem": "Invoices are keyed by hand",
    "objectives": ["Halve processing time"],
    "estimated_cost": {"amount": "120000.00", "currency": "EUR"},
    "effort_person_days": "250",
    "risks": ["Vendor lock-in"],
}


def event(demand_id: str, version: int, event_type: str, data: dict[str, Any]) -> ReceivedEvent:
    at = T0 + timedelta(hours=version)
    return ReceivedEvent(
        event_id=uuid4(), source="/pmo/demand", service="demand", event_type=event_type,
        schema_version=1, subject=demand_id, stream_type="demand", sequence=version,
        position=None, time=at, actor_id="bob", actor_name="Bob", correlation_id=None,
        causation_id=None, traceparent=None, tracestate=None,
        data={"demand_id": demand_id, **data},
    )  # fmt: skip


def workload(demands: int, prefix: str) -> list[ReceivedEvent]:
    """Five events per demand, interleaved across demands as partitions deliver them."""
    at = T0.isoformat()
    content = {"title": "Invoice matching", "department": "Finance", "category": "project",
               "urgency": "high", "strategic_objectives": ["Excellence"]}  # fmt: skip
    steps: list[tuple[str, dict[str, Any]]] = [
        ("DemandSubmitted", {"requester": "alice", "content": content, "business_case": CASE,
                             "business_case_version": 1, "submitted_at": at}),
        ("BusinessCaseRevised", {"version": 2, "business_case": {**CASE, "risks": []},
                                 "revised_by": "bob", "revised_at": at}),
        ("InformationRequested", {"questions": ["Which ERP?"], "requested_by": "bob",
                                  "requested_at": at}),
        ("InformationProvided", {"answers": "SAP", "provided_by": "alice", "provided_at": at}),
        ("DemandQualified", {"rules_version": "1", "rules_evaluated": [],
                             "requires_investment_committee": False, "business_case_version": 2,
                             "estimated_cost": None, "qualified_by": "bob", "qualified_at": at}),
    ]  # fmt: skip
    return [
        event(f"{prefix}-{i}", version, event_type, data)
        for version, (event_type, data) in enumerate(steps, start=1)
        for i in range(demands)
    ]


async def run(server: str, demands: int, batch: int) -> None:
    name = f"pmo_bench_{secrets.token_hex(4)}"
    url = await create_database(server, name)
    try:
        await upgrade(url, MIGRATIONS, SCHEMA)
        conn = await asyncpg.connect(asyncpg_dsn(url))
        projection = DemandProjection(SCHEMA)
        deduper = Deduper(SCHEMA, projection.name)
        for label, one_by_one, count in (
            ("batch", False, demands),
            ("one by one", True, demands // 10),
        ):
            events = workload(count, label.replace(" ", ""))
            started = time.perf_counter()
            for i in range(0, len(events), batch):
                chunk = events[i : i + batch]
                async with conn.transaction():
                    await deduper.claim(conn, [e.event_id for e in chunk])
                    if one_by_one:
                        for e in chunk:
                            await projection.handle(conn, e)
                    else:
                        await projection.apply(conn, chunk)
            elapsed = time.perf_counter() - started
            print(f"{label:>10}: {len(events):>6} events in {elapsed:5.2f} s = "
                  f"{len(events) / elapsed:8.0f} events/s")  # fmt: skip
        await conn.close()
    finally:
        await drop_database(server, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--demands", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=1000, help="events per transaction")
    args = parser.parse_args()
    asyncio.run(run(args.server, args.demands, args.batch))


if __name__ == "__main__":
    main()
