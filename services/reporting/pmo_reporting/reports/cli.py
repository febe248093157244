"""`pmo report ...`: generate an edition now (with a progress bar), rebuild one from its stored
data. The reporting plugin's "commands" hook hands this app to the `pmo` command line; heavy
imports wait until a command runs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from pmo_kernel.identity import Principal, Role
from pmo_kernel.settings import Settings, load_settings

if TYPE_CHECKING:
    from pmo_reporting.reports.definitions import ReportDefinition
    from pmo_reporting.reports.editions import Edition

app = typer.Typer(help="Periodic reports: generate and rebuild editions", no_args_is_help=True)
console = Console(stderr=True)
OPERATOR = Principal(subject="pmo-cli", roles=frozenset({Role.SERVICE}))


def commands() -> tuple[str, typer.Typer]:
    """The plugin hook: `pmo report ...`."""
    return "report", app


def _settings() -> Settings:
    return load_settings("reporting")


@app.command()
def generate(
    audience: Annotated[str, typer.Option(help="executive_committee, sponsor or portfolio_review")],
    period: Annotated[str, typer.Option(help="a month (2026-03) or a quarter (2026-Q1)")],
    programme: Annotated[str | None, typer.Option(help="a sponsor report's programme id")] = None,
    section: Annotated[list[str], typer.Option(help="repeat; default: the audience's")] = [],  # noqa: B006
    as_of: Annotated[datetime | None, typer.Option(help="the data's instant (UTC)")] = None,
    out: Annotated[Path | None, typer.Option(help="also write <id>.html and <id>.pdf here")] = None,
) -> None:  # fmt: skip
    """Generate an edition from the read models now, store it, print its id and pages."""
    from pmo_kernel.errors import PmoError
    from pmo_reporting.reports.definitions import parse_audience
    from pmo_reporting.reports.editions import define
    from pmo_reporting.reports.pages import edition_url

    try:
        definition = define(
            parse_audience(audience), period, programme_id=programme, sections=section or None
        )
    except PmoError as exc:
        raise typer.BadParameter(f"{exc.code}: {exc.detail}") from None
    stated = as_of.replace(tzinfo=as_of.tzinfo or UTC) if as_of else None
    steps = 2 * len(definition.sections) + 3
    with Progress(
        TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(),
        console=console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("starting", total=steps)

        def step(what: str) -> None:
            progress.update(task, description=what, advance=1)

        edition, files = asyncio.run(_generate(definition, stated, step, out))
        progress.update(task, completed=steps)
    console.print(f"[green]edition {edition.id}[/green] as of {edition.as_of.isoformat()}")
    typer.echo(edition.id)
    for kind in ("html", "pdf"):
        console.print(f"  {kind}: {edition_url(edition.id, kind)}")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for kind, body in files.items():
            path = out / f"{edition.id}.{kind}"
            path.write_bytes(body)
            console.print(f"  wrote {path}")


async def _generate(
    definition: ReportDefinition,
    stated: datetime | None,
    step: Callable[[str], None],
    out: Path | None,
) -> tuple[Edition, dict[str, bytes]]:
    from pmo_kernel.db import create_engine
    from pmo_reporting.reports.editions import Editions
    from pmo_reporting.reports.sources import Sources

    engine = create_engine(_settings().database_url, pool_size=2)
    try:
        editions = Editions(Sources(engine))
        edition = await editions.generate(definition, OPERATOR, as_of=stated, step=step)
        files = {}
        if out is not None:
            for kind in ("html", "pdf"):
                files[kind] = await editions.read(edition.id, OPERATOR, kind)
        return edition, files
    finally:
        await engine.dispose()


@app.command()
def rebuild(edition: Annotated[str, typer.Argument(help="the edition's id")]) -> None:
    """Render an edition again from its stored data; exit 1 unless the bytes are identical."""
    from pmo_kernel.db import create_engine
    from pmo_reporting.reports.editions import Editions, Rebuilt
    from pmo_reporting.reports.sources import Sources

    async def main() -> Rebuilt:
        engine = create_engine(_settings().database_url, pool_size=2)
        try:
            return await Editions(Sources(engine)).rebuild(edition)
        finally:
            await engine.dispose()

    rebuilt = asyncio.run(main())
    if not rebuilt.identical:
        console.print(f"[red]edition {edition}: the rebuild differs from the stored bytes")
        raise typer.Exit(1)
    console.print(f"[green]edition {edition}: HTML and PDF rebuilt byte-identical")
