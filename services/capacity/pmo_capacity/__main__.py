"""`python -m pmo_capacity api|relay|merkle-log|planned-items|migrate`: each process of the capacity
service, alone."""

from __future__ import annotations

from pmo_capacity.bootstrap import (
    build,
    build_merkle_log,
    build_planned_items,
    build_relay,
    create_app,
)
from pmo_capacity.plugin import plugin
from pmo_kernel.service_cli import Worker, service_cli

cli = service_cli(
    plugin,
    create_app=create_app,
    build=build,
    workers={
        "relay": Worker("Publish new events to Kafka (the outbox relay).", build_relay),
        "merkle-log": Worker(
            "Keep the audit log: a Merkle log of the events, with signed tree heads.",
            build_merkle_log,
        ),
        "planned-items": Worker(
            "Raise resource requests from planned portfolio items (pmo.portfolio.events); "
            "release the allocations of projects that end.",
            build_planned_items,
        ),
    },
)

if __name__ == "__main__":
    cli()
