"""`python -m pmo_capacity api|relay|migrate`: each process of the capacity service, alone."""

from __future__ import annotations

import asyncio

import typer

from pmo_capacity.bootstrap import MIGRATIONS, SCHEMA, SERVICE, build, build_relay, create_app
from pmo_capacity.plugin import plugin
from pmo_kernel.migrations import migrate_service
from pmo_kernel.process import process_settings, run_until_signalled, serve_http
from pmo_kernel.settings import Settings

cli = typer.Typer(help="pmo capacity service processes", no_args_is_help=True)


def _settings_for(process: str) -> Settings:
    return process_settings(SERVICE, process)


@cli.command()
def migrate() -> None:
    """Create or upgrade the capacity schema."""
    settings = _settings_for("migrate")
    asyncio.run(
        migrate_service(settings.database_url, MIGRATIONS, SCHEMA, SERVICE, plugin.app_role)
    )


@cli.command()
def api(port: int | None = None) -> None:
    """Serve the REST command API (and the event feed)."""
    settings = _settings_for("api")
    asyncio.run(
        serve_http(create_app(settings), settings.capacity_url, port, settings.http_bind_host)
    )


@cli.command()
def relay() -> None:
    """Publish new events to Kafka (the outbox relay)."""
    settings = _settings_for("relay")

    async def main(stopping: asyncio.Event) -> None:
        container = build(settings)
        try:
            await build_relay(settings, container).run(stopping)
        finally:
            await container.engine.dispose()

    asyncio.run(run_until_signalled(main))


if __name__ == "__main__":
    cli()
