"""`python -m pmo_portfolio api|relay|merkle-log|intake|capacity-feed|migrate`: each process of
the portfolio service."""

from __future__ import annotations

from pmo_kernel.service_cli import Worker, service_cli
from pmo_portfolio.bootstrap import (
    build,
    build_capacity_feed,
    build_intake,
    build_merkle_log,
    build_relay,
    create_app,
)
from pmo_portfolio.plugin import plugin

cli = service_cli(
    plugin,
    create_app=create_app,
    build=build,
    workers={
        "merkle-log": Worker(
            "Keep the audit log: a Merkle log of the events, with signed tree heads.",
            build_merkle_log,
        ),
        "relay": Worker("Publish new portfolio events to Kafka (the outbox relay).", build_relay),
        "intake": Worker(
            "Turn accepted demands (pmo.demand.events) into portfolio candidates.", build_intake
        ),
        "capacity-feed": Worker(
            "Keep the capacity facts (pmo.capacity.events) scenarios and decisions plan with.",
            build_capacity_feed,
        ),
    },
)

if __name__ == "__main__":
    cli()
