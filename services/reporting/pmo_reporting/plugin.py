"""How the `pmo` command line finds the reporting service (entry point `pmo.services`)."""

from pathlib import Path

from pmo_kernel.plugin import ProcessSpec, ServicePlugin

plugin = ServicePlugin(
    name="reporting",
    schema="reporting",
    migrations=Path(__file__).parent / "migrations",
    consumes=("demand", "portfolio", "capacity"),
    processes=(
        ProcessSpec(
            "projector", "pmo_reporting", "demand, portfolio and capacity events → read models"
        ),
        ProcessSpec(
            "gateway", "pmo_reporting", "GraphQL gateway (/graphql)", port_setting="reporting_url"
        ),
        ProcessSpec("reports", "pmo_reporting", "report editions on schedule (sleeps till due)"),
    ),
    hooks={
        "rebuild": "pmo_reporting.operations:rebuild",
        "consumers": "pmo_reporting.operations:consumers",
        "commands": "pmo_reporting.reports.cli:commands",
    },
    start_order=90,  # after the services whose events it reads and whose APIs it calls
)
