"""`python -m <service package> migrate|api|<worker>`: the process entry points every write
service has, built from its plugin, so a new service declares its processes instead of copying
their bodies.

- `migrate` upgrades the schema as the configured (owner) login and gives the least-privilege
  login its password where one is configured (pmo_kernel.migrations.migrate_service);
- `api` serves the REST app on the port of the plugin's `api` process (`port_setting`);
- each worker (the outbox relay, an intake consumer) is built from the service's container and
  runs until SIGINT/SIGTERM, then the container's engine is disposed of.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import typer
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.migrations import migrate_service
from pmo_kernel.plugin import ServicePlugin
from pmo_kernel.process import process_settings, run_until_signalled, serve_http
from pmo_kernel.settings import Settings


class Container(Protocol):
    @property
    def engine(self) -> AsyncEngine: ...


class Runnable(Protocol):
    async def run(self, stopping: asyncio.Event) -> None: ...


C = TypeVar("C", bound=Container)


@dataclass(frozen=True)
class Worker(Generic[C]):
    """A long-running process of the service: `build(settings, container).run(stopping)`."""

    description: str
    build: Callable[[Settings, C], Runnable]


def service_cli(
    plugin: ServicePlugin,
    *,
    create_app: Callable[[Settings], FastAPI],
    build: Callable[[Settings], C],
    workers: Mapping[str, Worker[C]],
) -> typer.Typer:
    cli = typer.Typer(help=f"pmo {plugin.name} service processes", no_args_is_help=True)

    @cli.command()
    def migrate() -> None:
        """Create or upgrade the service's schema."""
        settings = process_settings(plugin.name, "migrate")
        asyncio.run(
            migrate_service(
                settings.database_url, plugin.migrations, plugin.schema, plugin.name,
                plugin.app_role,
            )
        )  # fmt: skip

    @cli.command()
    def api(port: int | None = None) -> None:
        """Serve the REST command API (and the event feed)."""
        settings = process_settings(plugin.name, "api")
        url: str = getattr(settings, _port_setting(plugin, "api"))
        asyncio.run(serve_http(create_app(settings), url, port, settings.http_bind_host))

    for name, worker in workers.items():
        cli.command(name=name, help=worker.description)(
            _worker_command(plugin, name, build, worker)
        )
    return cli


def _worker_command(
    plugin: ServicePlugin, name: str, build: Callable[[Settings], C], worker: Worker[C]
) -> Callable[[], None]:
    def command() -> None:
        # No migrations here: workers connect as the least-privilege login, which may not
        # change the schema (`migrate` does, as the owner).
        settings = process_settings(plugin.name, name)

        async def main(stopping: asyncio.Event) -> None:
            container = build(settings)
            try:
                await worker.build(settings, container).run(stopping)
            finally:
                await container.engine.dispose()

        asyncio.run(run_until_signalled(main))

    return command


def _port_setting(plugin: ServicePlugin, process: str) -> str:
    for spec in plugin.processes:
        if spec.name == process and spec.port_setting is not None:
            return spec.port_setting
    raise ValueError(f"the {plugin.name} plugin declares no port for its {process} process")


__all__ = ["Worker", "service_cli"]
