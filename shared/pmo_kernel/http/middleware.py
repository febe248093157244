"""ASGI middleware: body size limit, correlation ids and a server span per request.

Pure ASGI (not BaseHTTPMiddleware) so streaming bodies are counted as they arrive and the
span covers the whole request."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pmo_kernel.http.problems import IDS_STATE, current_ids
from pmo_kernel.logs import correlation_id_var
from pmo_kernel.telemetry import context_from_traceparent

tracer = trace.get_tracer("pmo.http")


class BodyTooLarge(Exception):
    pass


class RequestLimitsMiddleware:
    """Refuses bodies over `max_bytes` with 413 problem+json before the app reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(send, self.max_bytes)


class TracingMiddleware:
    """A SERVER span per request, child of the caller's traceparent; sets the correlation id
    (X-Correlation-ID, generated when absent) for logs and event metadata."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        correlation = _header(scope, b"x-correlation-id") or str(uuid.uuid4())
        token = correlation_id_var.set(correlation[:200])
        parent = context_from_traceparent(
            _header(scope, b"traceparent"), _header(scope, b"tracestate")
        )
        method = scope.get("method", "WS")
        route = scope.get("path", "")
        status_code = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-correlation-id", correlation.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            with tracer.start_as_current_span(
                f"{method} {route}",
                context=parent,
                kind=SpanKind.SERVER,
                attributes={
                    "http.request.method": method,
                    "url.path": route,
                    "service.name": self.service,
                },
            ) as span:
                scope.setdefault("state", {})[IDS_STATE] = current_ids()
                await self.app(scope, receive, send_with_headers)
                span.set_attribute("http.response.status_code", status_code)
                if status_code >= 500:
                    span.set_status(Status(StatusCode.ERROR))
        finally:
            correlation_id_var.reset(token)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return None


async def _too_large(send: Send, max_bytes: int) -> None:
    body: dict[str, Any] = {
        "type": "https://pmo.dev/problems/payload-too-large",
        "title": "Payload too large",
        "status": 413,
        "detail": f"request bodies are limited to {max_bytes} bytes",
        "code": "payload_too_large",
        **current_ids(),
    }
    payload = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
