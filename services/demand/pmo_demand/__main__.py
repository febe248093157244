"""`python -m pmo_demand api|relay|migrate`: each process of the demand service, alone."""

from __future__ import annotations

from pmo_demand.bootstrap import build, build_relay, create_app
from pmo_demand.plugin import plugin
from pmo_kernel.service_cli import Worker, service_cli

cli = service_cli(
    plugin,
    create_app=create_app,
    build=build,
    workers={"relay": Worker("Publish new events to Kafka (the outbox relay).", build_relay)},
)

if __name__ == "__main__":
    cli()
