"""Small TCP port helpers shared by the embedded PostgreSQL server and the dev broker."""

from __future__ import annotations

import socket
import time

LOCALHOST = "127.0.0.1"


def port_is_free(port: int, host: str = LOCALHOST) -> bool:
    """True when nothing listens on host:port, so a server could bind it now.

    SO_REUSEADDR mirrors what PostgreSQL and tansu do themselves: a port whose only
    users are sockets in TIME_WAIT (e.g. a broker we just stopped) counts as free,
    while a live listener still makes the bind fail.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = LOCALHOST) -> int:
    """A port the OS reports free right now (racy by nature; fine for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port


def next_free_port(start: int, host: str = LOCALHOST, attempts: int = 100) -> int:
    """The first free port in [start, start + attempts)."""
    for port in range(start, min(start + attempts, 65536)):
        if port_is_free(port, host):
            return port
    raise OSError(f"no free TCP port on {host} in {start}..{start + attempts - 1}")


def accepts_connections(port: int, host: str = LOCALHOST, timeout: float = 0.2) -> bool:
    """True when a TCP connection to host:port succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until_free(port: int, host: str = LOCALHOST, timeout: float = 5.0) -> bool:
    """Poll until host:port can be bound again (a stopped server may take a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        if port_is_free(port, host):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
