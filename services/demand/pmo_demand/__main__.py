"""`python -m pmo_demand api|relay|merkle-log|migrate`: each process of the demand service,
alone."""

from __future__ import annotations

from pmo_demand.bootstrap import build, build_merkle_log, build_relay, create_app
from pmo_demand.plugin import plugin
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
    },
)

if __name__ == "__main__":
    cli()
