"""`pmo run`'s process supervision: start every service process, restart one that dies, stop
them all cleanly on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

from rich.console import Console

from pmo_kernel.plugin import ProcessSpec, ServicePlugin


@dataclass
class Child:
    label: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    next_start: float = 0.0
    history: list[float] = field(default_factory=list)


class Supervisor:
    def __init__(self, env: dict[str, str], console: Console) -> None:
        self.env = env
        self.console = console
        self.children: list[Child] = []

    def add(self, plugin: ServicePlugin, spec: ProcessSpec) -> None:
        self.children.append(
            Child(f"{plugin.name}-{spec.name}", [sys.executable, "-m", spec.module, spec.name])
        )

    def start_all(self) -> None:
        for child in self.children:
            self._start(child)

    def _start(self, child: Child) -> None:
        # Own process group: Ctrl-C reaches the supervisor only, which then stops each child
        # in order instead of all of them racing to exit.
        child.process = subprocess.Popen(child.argv, env=self.env, start_new_session=True)
        child.history.append(time.monotonic())

    def watch(self, stop_requested: list[bool]) -> None:
        """Block until stop is requested, restarting children that exit (with backoff)."""
        while not stop_requested[0]:
            now = time.monotonic()
            for child in self.children:
                if child.process is not None and child.process.poll() is not None:
                    code = child.process.returncode
                    child.process = None
                    child.restarts += 1
                    delay = min(30.0, 0.5 * 2 ** min(child.restarts, 6))
                    child.next_start = now + delay
                    self.console.print(
                        f"[yellow]{child.label} exited with {code}; restarting in {delay:.1f} s"
                    )
                elif child.process is None and now >= child.next_start:
                    self._start(child)
            time.sleep(0.2)

    def stop_all(self, timeout: float = 10.0) -> None:
        for child in reversed(self.children):
            if child.process is not None and child.process.poll() is None:
                os.killpg(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in reversed(self.children):
            if child.process is None:
                continue
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.console.print(f"[red]{child.label} did not stop in time; killing it")
                os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
