"""`python -m pmo_portfolio api|relay|intake|migrate`: each process of the portfolio service."""

from __future__ import annotations

import asyncio

import typer

from pmo_kernel.migrations import migrate_service
from pmo_kernel.process import process_settings, run_until_signalled, serve_http
from pmo_kernel.settings import Settings
from pmo_portfolio.bootstrap import (
    MIGRATIONS,
    SCHEMA,
    SERVICE,
    build,
    build_intake,
    build_relay,
    create_app,
)
from pmo_portfolio.plugin import plugin

cli = typer.Typer(help="pmo portfolio service processes", no_args_is_help=True)


def _settings_for(process: str) -> Settings:
    return process_settings(SERVICE, process)


@cli.command()
def migrate() -> None:
    """Create or upgrade the portfolio schema."""
    settings = _settings_for("migrate")
    asyncio.run(
        migrate_service(settings.database_url, MIGRATIONS, SCHEMA, SERVICE, plugin.app_role)
    )


@cli.command()
def api(port: int | None = None) -> None:
    """Serve the REST command API (and the event feed)."""
    settings = _settings_for("api")
    app = create_app(settings)
    asyncio.run(serve_http(app, settings.portfolio_url, port, settings.http_bind_host))


@cli.command()
def relay() -> None:
    """Publish new portfolio events to Kafka (the outbox relay)."""
    settings = _settings_for("relay")

    async def main(stopping: asyncio.Event) -> None:
        container = build(settings)
        try:
            await build_relay(settings, container).run(stopping)
        finally:
            await container.engine.dispose()

    asyncio.run(run_until_signalled(main))


@cli.command()
def intake() -> None:
    """Turn accepted demands (pmo.demand.events) into portfolio candidates."""
    settings = _settings_for("intake")

    async def main(stopping: asyncio.Event) -> None:
        # No migrations here: the intake connects as the service's least-privilege login,
        # which may not change the schema (`migrate` does, as the owner).
        container = build(settings)
        try:
            await build_intake(settings, container).run(stopping)
        finally:
            await container.engine.dispose()

    asyncio.run(run_until_signalled(main))


if __name__ == "__main__":
    cli()
