"""`python -m pmo_reporting projector|gateway|migrate`: each process of the reporting service."""

from __future__ import annotations

import asyncio

import typer

from pmo_kernel.migrations import upgrade
from pmo_kernel.process import process_settings, run_until_signalled, serve_http
from pmo_kernel.settings import Settings
from pmo_reporting.projector import MIGRATIONS, SCHEMA, run_projector

SERVICE = "reporting"

cli = typer.Typer(help="pmo reporting service processes", no_args_is_help=True)


def _settings_for(process: str) -> Settings:
    return process_settings(SERVICE, process)


@cli.command()
def migrate() -> None:
    """Create or upgrade the reporting schema."""
    settings = _settings_for("migrate")
    asyncio.run(upgrade(settings.database_url, MIGRATIONS, SCHEMA))


@cli.command()
def projector() -> None:
    """Apply demand events from Kafka to the read models (migrates first), until SIGINT/SIGTERM."""
    settings = _settings_for("projector")

    async def main(stopping: asyncio.Event) -> None:
        await run_projector(settings, stopping)

    asyncio.run(run_until_signalled(main))


@cli.command()
def gateway(port: int | None = None) -> None:
    """Serve the GraphQL gateway on the port of REPORTING_URL (or --port)."""
    from pmo_reporting.gateway.app import create_app  # the projector need not load strawberry

    settings = _settings_for("gateway")
    app = create_app(settings)
    asyncio.run(serve_http(app, settings.reporting_url, port, settings.http_bind_host))


@cli.command()
def reports() -> None:
    """Generate the periodic report editions when due, sleeping in between."""
    from pmo_reporting.reports.schedule import run_schedule

    settings = _settings_for("reports")

    async def main(stopping: asyncio.Event) -> None:
        await run_schedule(settings, stopping)

    asyncio.run(run_until_signalled(main))


@cli.command()
def schema() -> None:
    """Print the public GraphQL schema (SDL, types sorted by name): docs/schema.graphql."""
    from pmo_reporting.gateway.schema import printed_schema

    typer.echo(printed_schema(), nl=False)


if __name__ == "__main__":
    cli()
