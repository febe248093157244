"""How the `pmo` command line finds the portfolio service (entry point `pmo.services`)."""

from pathlib import Path

from pmo_kernel.plugin import ProcessSpec, ServicePlugin

plugin = ServicePlugin(
    name="portfolio",
    schema="portfolio",
    migrations=Path(__file__).parent / "migrations",
    produces=("portfolio",),
    consumes=("demand", "capacity"),
    demo_after=("demand",),
    processes=(
        ProcessSpec("api", "pmo_portfolio", "REST command API", port_setting="portfolio_url"),
        ProcessSpec("relay", "pmo_portfolio", "outbox relay to Kafka"),
        ProcessSpec("merkle-log", "pmo_portfolio", "audit log: Merkle tree, signed heads"),
        ProcessSpec("intake", "pmo_portfolio", "accepted demands → portfolio candidates"),
        ProcessSpec("capacity-feed", "pmo_portfolio", "capacity events → the capacity picture"),
    ),
    hooks={
        "demo": "pmo_portfolio.demo:seed",
        "container": "pmo_portfolio.bootstrap:build",
        "registry": "pmo_portfolio.domain.registry:registry",
        "consumers": "pmo_portfolio.operations:consumers",
    },
    app_role="pmo_portfolio_app",
    start_order=20,
)
