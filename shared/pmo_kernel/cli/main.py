"""`pmo`: one command line for developers, operators and auditors."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import urlparse

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn
from rich.table import Table

from pmo_kernel.audit_witness import WitnessedHeads
from pmo_kernel.cli.supervisor import Supervisor
from pmo_kernel.cloudevents import dlq_topic
from pmo_kernel.db import create_engine, with_login
from pmo_kernel.identity import Role, issue_token
from pmo_kernel.migrations import migrate_service, upgrade
from pmo_kernel.plugin import ConsumerSpec, ServicePlugin, demo_order, discover
from pmo_kernel.settings import Settings, load_settings
from pmo_kernel.store.audit import AuditReport, LogReport

app = typer.Typer(help="pmo: the Project Management Office platform", no_args_is_help=True)
audit_app = typer.Typer(help="Verify and export the event logs (auditors)", no_args_is_help=True)
projections_app = typer.Typer(help="Read models", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead-letter queues of the Kafka consumers", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(projections_app, name="projections")
app.add_typer(dlq_app, name="dlq")
console = Console(stderr=True)

DATA_DIR = Path(os.environ.get("PMO_DATA_DIR", ".pmo"))
RUN_ENV = "run.env"  # where `pmo run` says which PostgreSQL and broker it started


@app.callback()
def _use_running_platform(ctx: typer.Context) -> None:
    """Commands run from another terminal talk to what `pmo run` started, unless the
    environment says otherwise."""
    run_env = DATA_DIR / RUN_ENV
    if ctx.invoked_subcommand == "run" or not run_env.exists():
        return
    for line in run_env.read_text().splitlines():
        key, _, value = line.partition("=")
        if key and value:
            os.environ.setdefault(key, value)


EMBEDDED_PG_PORT = 55432
EMBEDDED_KAFKA_PORT = 19092


# --------------------------------------------------------------------------- run


@app.command()
def run(
    data_dir: Annotated[Path, typer.Option(help="where embedded PostgreSQL keeps its data")] = (
        DATA_DIR
    ),
) -> None:
    """Start everything: PostgreSQL and the broker (embedded unless DATABASE_URL /
    KAFKA_BOOTSTRAP_SERVERS are set), migrations, topics, every service process. Ctrl-C stops
    all of it; the data stays in DATA_DIR for the next run."""
    from pmo_kernel.infra.broker import TansuBroker
    from pmo_kernel.infra.postgres import EmbeddedPostgres

    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    postgres: EmbeddedPostgres | None = None
    broker: TansuBroker | None = None
    stop_requested = [False]
    supervisor = Supervisor(env, console)
    try:
        if not os.environ.get("DATABASE_URL"):
            postgres = EmbeddedPostgres(data_dir / "postgres", port=EMBEDDED_PG_PORT)
            with console.status("starting embedded PostgreSQL"):
                env["DATABASE_URL"] = postgres.start()
            console.print(f"PostgreSQL (embedded, data in {data_dir / 'postgres'}) ready")
        if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            broker = TansuBroker(EMBEDDED_KAFKA_PORT, log_file=data_dir / "tansu.log")
            with console.status("starting the tansu broker"):
                env["KAFKA_BOOTSTRAP_SERVERS"] = broker.start()
            console.print("Kafka-protocol broker (tansu, in memory) ready")
        env.setdefault("LOG_FORMAT", "text")
        env.setdefault("PMO_DATA_DIR", str(data_dir))  # where the dev audit key is kept
        (data_dir / RUN_ENV).write_text(
            "".join(f"{k}={env[k]}\n" for k in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"))
        )
        os.environ.update(env)
        settings = load_settings()
        plugins = discover()
        with console.status("migrating and creating topics"):
            asyncio.run(_prepare(settings, plugins))
        env.update(_app_logins(env, plugins))
        for plugin in plugins:
            for spec in plugin.processes:
                supervisor.add(plugin, spec)
        supervisor.start_all()
        _print_welcome(settings, plugins)

        def request_stop(signum: int, frame: object) -> None:
            stop_requested[0] = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        supervisor.watch(stop_requested)
        console.print("stopping…")
    finally:
        (data_dir / RUN_ENV).unlink(missing_ok=True)
        supervisor.stop_all()
        if broker is not None:
            broker.stop()
        if postgres is not None:
            postgres.stop()
    console.print("stopped; data kept")


def _app_logins(env: Mapping[str, str], plugins: list[ServicePlugin]) -> dict[str, str]:
    """<SERVICE>_DATABASE_URL for each service with a least-privilege login: the migrations
    ran as DATABASE_URL's user (the owner), the processes connect as the service's role, with
    the password in <SERVICE>_APP_PASSWORD if the server asks for one. A service whose
    <SERVICE>_DATABASE_URL is set keeps it."""
    logins = {}
    for plugin in plugins:
        variable = f"{plugin.name.upper()}_DATABASE_URL"
        if plugin.app_role is None or env.get(variable):
            continue
        password = env.get(f"{plugin.name.upper()}_APP_PASSWORD")
        logins[variable] = with_login(env["DATABASE_URL"], plugin.app_role, password)
    return logins


async def _prepare(settings: Settings, plugins: list[ServicePlugin]) -> None:
    from pmo_kernel.infra.topics import ensure_topics
    from pmo_kernel.merkle_log import CHECKPOINTS_TOPIC

    for plugin in plugins:
        await upgrade(settings.database_url, plugin.migrations, plugin.schema)
    topics = [settings.topic(s) for p in plugins for s in p.produces]
    checkpoints = f"{settings.kafka_topic_prefix}{CHECKPOINTS_TOPIC}"
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        topics + [dlq_topic(t) for t in topics] + [checkpoints],
        settings.kafka_partitions,
        settings.kafka_replication_factor,
    )


def _print_welcome(settings: Settings, plugins: list[ServicePlugin]) -> None:
    table = Table(title="pmo is running", show_header=True)
    table.add_column("what")
    table.add_column("where")
    reporting = settings.reporting_url.rstrip("/")
    table.add_row("GraphQL IDE (GraphiQL)", f"{reporting}/graphql")
    for plugin in plugins:  # the write services: their command APIs and event feeds
        for spec in plugin.processes:
            if spec.port_setting and plugin.produces:
                base = str(getattr(settings, spec.port_setting)).rstrip("/")
                table.add_row(f"{plugin.name} REST API (OpenAPI docs)", f"{base}/docs")
                table.add_row(f"{plugin.name} event feed", f"{base}/events")
    table.add_row("PostgreSQL", _redact(settings.database_url))
    table.add_row("Kafka bootstrap", settings.kafka_bootstrap_servers)
    for plugin in plugins:
        names = ", ".join(p.name for p in plugin.processes)
        table.add_row(f"service {plugin.name}", names or "-")
    console.print(table)
    console.print(
        "A token for the IDE: [bold]pmo token alice --role requester --role pmo_analyst "
        "--role portfolio_board[/] "
        "(send it as 'Authorization: Bearer …'). Sample data: [bold]pmo demo[/]. "
        "Ctrl-C stops everything."
    )


def _redact(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(parsed.password, "***")
    return url


# --------------------------------------------------------------------------- migrate, token


@app.command()
def migrate() -> None:
    """Create or upgrade every installed service's schema."""
    settings = load_settings()

    async def main() -> None:
        for plugin in discover():
            await migrate_service(settings.database_url, plugin.migrations, plugin.schema,
                                  plugin.name, plugin.app_role)  # fmt: skip
            console.print(f"{plugin.name}: schema {plugin.schema} up to date")

    asyncio.run(main())


@app.command()
def token(
    subject: Annotated[str, typer.Argument(help="who the token identifies, e.g. alice")],
    role: Annotated[list[str], typer.Option("--role", "-r", help="repeat for several")] = [],  # noqa: B006
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    hours: Annotated[int, typer.Option(min=1, max=24 * 30)] = 12,
) -> None:
    """Print a signed development token (JWT) for SUBJECT with the given roles."""
    known = {r.value for r in Role}
    unknown = sorted(set(role) - known)
    if unknown:
        raise typer.BadParameter(
            f"unknown role(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    settings = load_settings()
    typer.echo(issue_token(settings, subject, role or ["requester"], name=name,
                           ttl=timedelta(hours=hours)))  # fmt: skip


# --------------------------------------------------------------------------- audit


@audit_app.command("verify")
def audit_verify(
    service: Annotated[str | None, typer.Option(help="only this service's log")] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(help="PEM file of the key the heads are signed with (default: configured)"),
    ] = None,
    heads_from_kafka: Annotated[
        bool,
        typer.Option(help="also check against every head published on pmo.audit.checkpoints"),
    ] = False,
    heads: Annotated[
        list[Path] | None,
        typer.Option(help="also check against the heads of this JSON file (repeatable)"),
    ] = None,
) -> None:
    """Recompute every event's hash chain and the Merkle log against its signed tree heads;
    name the first missing, altered, reordered or extra event. Exit 1 if any.

    The heads stored in the database can be deleted with the events they sign; the heads
    published on Kafka (--heads-from-kafka) or kept by the auditor (--heads) cannot."""
    from pmo_kernel.store.audit import verify_chain, verify_merkle_log
    from pmo_kernel.store.tree_heads import verifying_key

    plugins = _event_stores(service)
    key = verifying_key(load_settings(), public_key)

    async def main() -> bool:
        ok = True
        witnessed = await _witnessed_heads(load_settings(), heads_from_kafka, heads or [])
        for plugin in plugins:
            engine = create_engine(load_settings(plugin.name).database_url, pool_size=1)
            try:
                with _progress() as progress:
                    task = progress.add_task(f"{plugin.name}: verifying chains", total=None)
                    report = await verify_chain(
                        engine, plugin.schema, progress=functools.partial(_advance, progress, task)
                    )
                    task = progress.add_task(f"{plugin.name}: verifying the log", total=None)
                    log_report = await verify_merkle_log(
                        engine, plugin.schema, plugin.name, key,
                        progress=functools.partial(_advance, progress, task),
                        witnessed=witnessed.of(plugin.name),
                    )  # fmt: skip
            finally:
                await engine.dispose()
            ok = _print_chain_report(plugin.name, report) and ok
            ok = _print_log_report(plugin.name, log_report) and ok
        return ok

    if not asyncio.run(main()):
        raise typer.Exit(1)


async def _witnessed_heads(
    settings: Settings, from_kafka: bool, files: list[Path]
) -> WitnessedHeads:
    from pmo_kernel.audit_witness import heads_in_file, heads_on_topic
    from pmo_kernel.merkle_log import CHECKPOINTS_TOPIC

    witnessed = WitnessedHeads()
    for path in files:
        witnessed.absorb(heads_in_file(path))
    if from_kafka:
        topic = f"{settings.kafka_topic_prefix}{CHECKPOINTS_TOPIC}"
        witnessed.absorb(await heads_on_topic(settings.kafka_bootstrap_servers, topic))
    if files or from_kafka:
        console.print(
            f"{witnessed.count} signed tree heads witnessed outside the database"
            + (f"; {witnessed.unreadable} records were not heads" if witnessed.unreadable else ""),
            soft_wrap=True,
        )
    return witnessed


def _event_stores(service: str | None) -> list[ServicePlugin]:
    plugins = [p for p in discover() if p.produces and (service is None or p.name == service)]
    if not plugins:
        raise typer.BadParameter(f"no service {service!r} with an event store")
    return plugins


def _print_chain_report(service: str, report: AuditReport) -> bool:
    if report.ok:
        console.print(
            f"[green]{service}: {report.events_checked} events in "
            f"{report.streams_checked} streams verified, chain intact",
            soft_wrap=True,
        )
        return True
    first = report.first_broken
    assert first is not None
    console.print(
        f"[red]{service}: {len(report.broken)} broken stream(s). First broken event: "
        f"{first.event_id} (stream {first.stream} v{first.stream_version}, position "
        f"{first.global_position}): {first.reason}",
        soft_wrap=True,
    )
    for broken in report.broken[1:]:
        console.print(
            f"  also {broken.event_id} (stream {broken.stream} "
            f"v{broken.stream_version}): {broken.reason}",
            soft_wrap=True,
        )
    return False


def _print_log_report(service: str, report: LogReport) -> bool:
    if report.ok and report.heads_checked == 0:
        console.print(
            f"[yellow]{service}: no signed tree head yet: that no event is missing cannot be "
            "proven (is its merkle-log process running?)",
            soft_wrap=True,
        )
        return True
    if report.ok:
        console.print(
            f"[green]{service}: log of {report.events_checked} events matches its "
            f"{report.heads_checked} signed tree heads (latest: size {report.latest_size}"
            + (f"; {report.unsigned} newer events not signed yet" if report.unsigned else "")
            + ")",
            soft_wrap=True,
        )
        return True
    console.print(f"[red]{service}: {report.problems[0]}", soft_wrap=True)
    for problem in report.problems[1:]:
        console.print(f"  also: {problem}", soft_wrap=True)
    return False


@audit_app.command("export")
def audit_export(
    out: Annotated[Path, typer.Argument(help="the bundle's directory (created)")],
    service: Annotated[str | None, typer.Option(help="only this service's log")] = None,
) -> None:
    """Write the auditor's bundle: each service's events as CloudEvents JSON lines, its Merkle
    leaves and signed heads, and the public key (check it with tools/verify_audit_bundle.py,
    see docs/audit.md)."""
    from pmo_kernel.store.bundle import export_bundle, write_public_key
    from pmo_kernel.store.tree_heads import verifying_key

    plugins = _event_stores(service)
    write_public_key(out, verifying_key(load_settings()))

    async def main() -> None:
        for plugin in plugins:
            engine = create_engine(load_settings(plugin.name).database_url, pool_size=1)
            try:
                summary = await export_bundle(engine, plugin.schema, plugin.name, out)
            finally:
                await engine.dispose()
            console.print(
                f"[green]{plugin.name}: {summary.events} events, {summary.leaves} leaves, "
                f"{summary.heads} signed heads written to {out / plugin.name}",
                soft_wrap=True,
            )

    asyncio.run(main())


def _advance(progress: Progress, task: TaskID, completed: int) -> None:
    progress.update(task, completed=completed)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} events"),
        console=console,
        transient=True,
    )


# --------------------------------------------------------------------------- demo, rebuild


@app.command()
def demo() -> None:
    """Load a realistic sample: demands in every state, a year of portfolio decisions, and the
    people who staff the planned items; each service after those whose events it consumes."""
    seeded = False
    for plugin in demo_order(discover()):
        seed = plugin.demo_hook()
        if seed is None:
            continue
        seeded = True
        summary = asyncio.run(seed(load_settings(plugin.name), console.print))
        console.print(f"[green]{plugin.name}: {summary}")
    if not seeded:
        console.print("[yellow]no installed service provides demo data")


@projections_app.command("rebuild")
def projections_rebuild() -> None:
    """Rebuild every read model from the source services' event feeds, then switch over."""
    rebuilt = False
    for plugin in discover():
        hook = plugin.rebuild_hook()
        if hook is None:
            continue
        rebuilt = True
        with _progress() as progress:
            result = asyncio.run(hook(load_settings(plugin.name), _ProgressByService(progress)))
        console.print(f"[green]{plugin.name}: {result}")
    if not rebuilt:
        console.print("[yellow]no installed service has read models to rebuild")


class _ProgressByService:
    """One progress line per source service, created on first report."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, service: str, count: int) -> None:
        if service not in self.tasks:
            self.tasks[service] = self.progress.add_task(f"replaying {service}", total=None)
        self.progress.update(self.tasks[service], completed=count)


# --------------------------------------------------------------------------- dlq


def _consumers(consumer: str | None) -> list[tuple[ServicePlugin, ConsumerSpec]]:
    found = []
    for plugin in discover():
        hook = plugin.consumers_hook()
        if hook is None:
            continue
        for spec in hook(load_settings(plugin.name)):
            if consumer is None or spec.name == consumer:
                found.append((plugin, spec))
    if not found:
        raise typer.BadParameter(f"no consumer named {consumer!r}" if consumer else "no consumers")
    return found


@dlq_app.command("list")
def dlq_list(
    consumer: Annotated[str | None, typer.Option(help="only this consumer")] = None,
) -> None:
    """Show dead letters: what failed, when, why, and whether it has been replayed since."""
    from pmo_kernel.dlq import read_dead_letters

    async def main() -> None:
        for plugin, spec in _consumers(consumer):
            settings = load_settings(plugin.name)
            engine = create_engine(settings.database_url, pool_size=1)
            try:
                table = Table(title=f"{spec.name}: dead letters")
                for column in ("topic[partition]@offset", "event", "subject", "failed at",
                               "error", "replayed"):  # fmt: skip
                    table.add_column(column)
                for topic in spec.topics:
                    letters = await read_dead_letters(
                        settings.kafka_bootstrap_servers, topic, engine, spec.schema, spec.name
                    )
                    for d in letters:
                        table.add_row(
                            f"{d.topic}[{d.partition}]@{d.offset}",
                            f"{d.event_type} {d.event_id}",
                            d.subject or "",
                            d.failed_at,
                            d.error[:120],
                            "yes" if d.applied else "no",
                        )
                console.print(table)
            finally:
                await engine.dispose()

    asyncio.run(main())


@dlq_app.command("replay")
def dlq_replay(
    consumer: Annotated[str | None, typer.Option(help="only this consumer")] = None,
) -> None:
    """Apply the dead letters again (once the cause is fixed); each applies at most once."""
    from pmo_kernel.dlq import read_dead_letters, replay_dead_letters

    async def main() -> bool:
        clean = True
        for plugin, spec in _consumers(consumer):
            settings = load_settings(plugin.name)
            engine = create_engine(settings.database_url, pool_size=1)
            try:
                for topic in spec.topics:
                    letters = await read_dead_letters(
                        settings.kafka_bootstrap_servers, topic, engine, spec.schema, spec.name
                    )
                    report = await replay_dead_letters(letters, engine, spec.schema, spec.handler)
                    console.print(
                        f"{spec.name} on {topic}: {report.applied} applied, "
                        f"{report.already_applied} already applied, {len(report.failed)} failed"
                    )
                    for letter, error in report.failed:
                        clean = False
                        console.print(f"  [red]{letter.event_id}: {error}")
            finally:
                await engine.dispose()
        return clean

    if not asyncio.run(main()):
        raise typer.Exit(1)


def add_service_commands() -> None:
    """Each installed service's own commands (its plugin's "commands" hook), as `pmo <name>`;
    once each, however often it is called."""
    added = {group.name for group in app.registered_groups}
    for plugin in discover():
        hook = plugin.commands_hook()
        if hook is not None:
            name, commands = hook()
            if name not in added:
                app.add_typer(commands, name=name)
                added.add(name)


def main() -> None:  # pragma: no cover - console entry point
    add_service_commands()
    app(prog_name="pmo")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())  # type: ignore[func-returns-value]
