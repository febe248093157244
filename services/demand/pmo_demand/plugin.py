"""How the `pmo` command line finds the demand service (entry point `pmo.services`)."""

from pathlib import Path

from pmo_kernel.plugin import ProcessSpec, ServicePlugin

plugin = ServicePlugin(
    name="demand",
    schema="demand",
    migrations=Path(__file__).parent / "migrations",
    produces=("demand",),
    processes=(
        ProcessSpec("api", "pmo_demand", "REST command API", port_setting="demand_url"),
        ProcessSpec("relay", "pmo_demand", "outbox relay to Kafka"),
        ProcessSpec("merkle-log", "pmo_demand", "audit log: Merkle tree, signed heads"),
    ),
    hooks={
        "demo": "pmo_demand.demo:seed",
        "container": "pmo_demand.bootstrap:build",
        "registry": "pmo_demand.domain:registry",
    },
    app_role="pmo_demand_app",
    start_order=10,
)
