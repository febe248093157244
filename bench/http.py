"""A minimal HTTP/1.1 JSON client for the load generator: keep-alive connections, nothing else.

Why not httpx: on a 2-core machine that also runs PostgreSQL, the broker and four service
processes, the load generator must cost next to nothing, and httpx's connection pool grows
expensive with hundreds of requests in flight (it took most of a core at 60 requests/s in the
first runs). This speaks just what the demand API needs: POST a JSON body, read a response
with Content-Length (uvicorn sends one for every JSON response).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

import orjson

IDLE_SECONDS = 2.0


class HttpError(Exception):
    pass


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        return orjson.loads(self.body)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def request(self, head: bytes, body: bytes) -> Response:
        self.writer.write(head + body)
        status_line = await self.reader.readuntil(b"\r\n")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise HttpError(f"bad status line {status_line!r}")
        status = int(parts[1])
        headers = await self.reader.readuntil(b"\r\n\r\n")
        length = None
        close = False
        for line in headers.split(b"\r\n"):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                raise HttpError("chunked responses are not supported")
        if length is None:
            raise HttpError("a response without Content-Length")
        data = await self.reader.readexactly(length)
        if close:
            self.close()
        return Response(status, data)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()

    @property
    def usable(self) -> bool:
        return not self.writer.is_closing() and not self.reader.at_eof()


class JsonClient:
    """POSTs JSON to one host over a pool of keep-alive connections (opened on demand)."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host = host
        self.port = port
        self._fixed = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._idle: list[tuple[_Connection, float]] = []  # with the time it was last used

    async def post(self, path: str, payload: object) -> Response:
        body = orjson.dumps(payload)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self._fixed}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        connection = await self._acquire()
        try:
            response = await connection.request(head, body)
        except BaseException:
            connection.close()
            raise
        if connection.usable:
            self._idle.append((connection, time.monotonic()))
        return response

    async def _acquire(self) -> _Connection:
        # The server closes a connection idle for 5 s (uvicorn's keep-alive timeout); one idle
        # for a while may be closing as we send, so it is not reused.
        while self._idle:
            connection, last_used = self._idle.pop()
            if connection.usable and time.monotonic() - last_used < IDLE_SECONDS:
                return connection
            connection.close()
        return await self._connect()

    async def _connect(self) -> _Connection:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return _Connection(reader, writer)

    async def close(self) -> None:
        for connection, _ in self._idle:
            connection.close()
        self._idle.clear()
