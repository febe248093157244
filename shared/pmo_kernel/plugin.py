"""The contract between a service and the `pmo` command line.

Each service package registers a `ServicePlugin` under the entry-point group `pmo.services`.
The CLI discovers them, so the kernel never imports a service and each service stays
independently deployable: install only the packages a machine should run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, cast

from pmo_kernel.consumer import Handler
from pmo_kernel.settings import Settings

# A process entry: `run(settings, stopping)` until the event is set. `port` for HTTP servers.
ProcessMain = Callable[[Settings], Awaitable[None]]


@dataclass(frozen=True)
class ProcessSpec:
    """One long-running process of a service, started as `python -m <module> <name>`."""

    name: str
    module: str
    description: str
    port_setting: str | None = None  # e.g. "demand_url": the process serves that URL


@dataclass(frozen=True)
class ConsumerSpec:
    """A Kafka consumer a service runs: what `pmo dlq` needs to inspect and replay it."""

    name: str  # the handler's name (keys its dedupe records)
    topics: tuple[str, ...]
    schema: str
    handler: Handler  # bound to `schema`


@dataclass(frozen=True)
class ServicePlugin:
    name: str
    schema: str
    migrations: Path
    produces: tuple[str, ...] = ()  # services whose topic it publishes (its own name)
    consumes: tuple[str, ...] = ()
    # The services whose demo data its own builds on (capacity staffs the portfolio's planned
    # items): not `consumes`, which may run both ways (the portfolio also reads capacity).
    demo_after: tuple[str, ...] = ()
    processes: tuple[ProcessSpec, ...] = ()
    # Optional hooks resolved lazily by name to keep discovery cheap: "module:function".
    hooks: Mapping[str, str] = field(default_factory=dict)
    start_order: int = 50
    # The least-privilege login its migrations create (application_role_ddl): its processes
    # connect as it, so the running service can read and append its events, never rewrite
    # them. None: the processes use the configured login.
    app_role: str | None = None

    def hook(self, name: str) -> Callable[..., object] | None:
        target = self.hooks.get(name)
        if target is None:
            return None
        module_name, _, attr = target.partition(":")
        module = __import__(module_name, fromlist=[attr])
        hook: Callable[..., object] = getattr(module, attr)
        return hook

    # Typed views of the hooks the `pmo` command line calls.

    def demo_hook(self) -> DemoHook | None:
        return cast("DemoHook | None", self.hook("demo"))

    def rebuild_hook(self) -> RebuildHook | None:
        return cast("RebuildHook | None", self.hook("rebuild"))

    def consumers_hook(self) -> ConsumersHook | None:
        return cast("ConsumersHook | None", self.hook("consumers"))

    def commands_hook(self) -> CommandsHook | None:
        return cast("CommandsHook | None", self.hook("commands"))


ProgressCallback = Callable[[str, int], None]
# demo(settings, say) -> a one-line summary; `say` prints progress lines
DemoHook = Callable[[Settings, Callable[[str], None]], Coroutine[Any, Any, str]]
# rebuild(settings, progress) -> a one-line summary
RebuildHook = Callable[[Settings, ProgressCallback], Coroutine[Any, Any, str]]
ConsumersHook = Callable[[Settings], list[ConsumerSpec]]
# commands() -> (name, a typer.Typer): the service's own `pmo <name> ...` commands
CommandsHook = Callable[[], tuple[str, Any]]


def demo_order(plugins: Sequence[ServicePlugin]) -> list[ServicePlugin]:
    """`plugins` so that each comes after the installed services its demo data builds on
    (`demo_after`: capacity staffs the portfolio's items), otherwise in the given order."""
    left = list(plugins)
    installed = {plugin.name for plugin in left}
    ordered: list[ServicePlugin] = []
    while left:
        done = {plugin.name for plugin in ordered}
        ready = [p for p in left if installed.intersection(p.demo_after) - {p.name} <= done]
        # In a cycle nobody is ready: the first in the given order goes first.
        chosen = ready[0] if ready else left[0]
        ordered.append(chosen)
        left.remove(chosen)
    return ordered


def discover() -> list[ServicePlugin]:
    plugins = []
    for ep in entry_points(group="pmo.services"):
        plugin = ep.load()
        if not isinstance(plugin, ServicePlugin):
            raise TypeError(f"entry point {ep.name} is not a ServicePlugin")
        plugins.append(plugin)
    return sorted(plugins, key=lambda p: (p.start_order, p.name))
