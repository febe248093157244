"""How the `pmo` command line finds the portfolio service (entry point `pmo.services`)."""

from pathlib import Path

from pmo_kernel.plugin import ServicePlugin

# Processes are added as the service's API, relay and demand consumer land.
plugin = ServicePlugin(
    name="portfolio",
    schema="portfolio",
    migrations=Path(__file__).parent / "migrations",
    start_order=20,
)
