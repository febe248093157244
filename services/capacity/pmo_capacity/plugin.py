"""How the `pmo` command line finds the capacity service (entry point `pmo.services`)."""

from pathlib import Path

from pmo_kernel.plugin import ProcessSpec, ServicePlugin

plugin = ServicePlugin(
    name="capacity",
    schema="capacity",
    migrations=Path(__file__).parent / "migrations",
    produces=("capacity",),
    consumes=("portfolio",),
    demo_after=("portfolio",),
    processes=(
        ProcessSpec("api", "pmo_capacity", "REST command API", port_setting="capacity_url"),
        ProcessSpec("relay", "pmo_capacity", "outbox relay to Kafka"),
        ProcessSpec("merkle-log", "pmo_capacity", "audit log: Merkle tree, signed heads"),
        ProcessSpec("planned-items", "pmo_capacity", "planned portfolio items → resource requests"),
    ),
    hooks={
        "demo": "pmo_capacity.demo:seed",
        "container": "pmo_capacity.bootstrap:build",
        "registry": "pmo_capacity.domain:registry",
        "consumers": "pmo_capacity.operations:consumers",
    },
    app_role="pmo_capacity_app",
    start_order=15,
)
