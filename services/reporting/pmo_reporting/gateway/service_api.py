"""Forwarding a command to a pmo service's REST API, as the gateway does for every mutation, and
the few reads only the owning service can answer (they need its domain: `read`).

One httpx.AsyncClient per service per gateway app (connection pooling, bounded timeouts). Each
call carries the caller's bearer token (the service checks the roles), the trace context of a
CLIENT span (one trace from the GraphQL request to the consumer), the correlation id, the
expected version as If-Match and the Idempotency-Key. Problems (RFC 9457) come back as
GatewayErrors with the problem's code upper-cased; a service that cannot be reached is
<SERVICE>_SERVICE_UNAVAILABLE, one too slow <SERVICE>_SERVICE_TIMEOUT.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from pmo_kernel.logs import correlation_id_var
from pmo_kernel.telemetry import current_traceparent
from pmo_reporting.gateway.errors import GatewayError, from_problem

tracer = trace.get_tracer("pmo.reporting.gateway")

TIMEOUT = httpx.Timeout(10.0, connect=2.0)


@dataclass(frozen=True)
class CommandAccepted:
    """A service's answer to a command: the stream it appended to, at which version, and what
    else it said (`details`: another stream it moved, the allocation it made...)."""

    id: str
    version: int
    details: dict[str, Any]


def fill(template: str, values: dict[str, str]) -> str:
    """The path of a route template ("/meetings/{id}/agenda"), each value escaped."""
    return template.format(**{key: quote(value, safe="") for key, value in values.items()})


class ServiceApi:
    """The command API of one service (`service`: "demand", "portfolio"; names its errors)."""

    def __init__(self, client: httpx.AsyncClient, service: str) -> None:
        self.client = client
        self.service = service

    @staticmethod
    def client_for(
        base_url: str, transport: httpx.AsyncBaseTransport | None = None
    ) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT, transport=transport)

    async def close(self) -> None:
        await self.client.aclose()

    async def send(
        self,
        method: str,
        path: str,
        route: str,
        body: dict[str, Any] | None,
        *,
        token: str | None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Send one command (`route`: the path template, for the span); its JSON answer."""
        with tracer.start_as_current_span(
            f"{method} {route}",
            kind=SpanKind.CLIENT,
            attributes={"http.request.method": method, "url.path": path, "http.route": route},
        ) as span:
            headers = _headers(token, expected_version, idempotency_key)
            response = await self._request(method, path, body, headers)
            span.set_attribute("http.response.status_code", response.status_code)
            if response.is_error:
                span.set_status(Status(StatusCode.ERROR))
                raise self._problem(response)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise self.unreadable()
        return answer

    async def forward(
        self,
        method: str,
        route: str,
        path_values: dict[str, str],
        body: dict[str, Any] | None,
        *,
        token: str | None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> CommandAccepted:
        """Send a command to `route` (a template filled with `path_values`). The answer's
        `details` is its `details` object, or else every other field it has."""
        data = await self.send(
            method,
            fill(route, path_values),
            route,
            body,
            token=token,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )
        try:
            details = data.get("details")
            if details is None:
                details = {k: v for k, v in data.items() if k not in ("id", "version")}
            if not isinstance(details, dict):
                raise TypeError("details is not an object")
            return CommandAccepted(str(data["id"]), int(data["version"]), details)
        except (ValueError, KeyError, TypeError) as exc:
            raise self.unreadable() from exc

    async def read(
        self, route: str, path_values: dict[str, str], query: dict[str, str], *, token: str | None
    ) -> dict[str, Any]:
        """GET `route` (filled with `path_values`) with the `query` parameters, as the caller;
        its JSON answer. Problems come back as GatewayErrors, as for commands."""
        path = fill(route, path_values)
        if query:
            path = f"{path}?{urlencode(query)}"
        return await self.send("GET", path, route, None, token=token)

    def unreadable(self) -> GatewayError:
        return GatewayError(
            f"the {self.service} service answered with an unreadable body",
            "UPSTREAM_ERROR",
            status=502,
        )

    async def _request(
        self, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]
    ) -> httpx.Response:
        code = f"{self.service.upper()}_SERVICE"
        try:
            return await self.client.request(method, path, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise GatewayError(
                f"the {self.service} service did not answer in time", f"{code}_TIMEOUT", status=504
            ) from exc
        except httpx.TransportError as exc:
            raise GatewayError(
                f"the {self.service} service is unreachable: {type(exc).__name__}",
                f"{code}_UNAVAILABLE",
                status=503,
            ) from exc

    def _problem(self, response: httpx.Response) -> GatewayError:
        try:
            problem = response.json()
        except ValueError:
            problem = None
        if isinstance(problem, dict):
            return from_problem(problem, response.status_code)
        return GatewayError(
            f"the {self.service} service failed with HTTP {response.status_code}",
            "UPSTREAM_ERROR",
            status=response.status_code,
        )


def _headers(
    token: str | None, expected_version: int | None, idempotency_key: str | None
) -> dict[str, str]:
    headers: dict[str, str] = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    traceparent, tracestate = current_traceparent()
    if traceparent:
        headers["traceparent"] = traceparent
    if tracestate:
        headers["tracestate"] = tracestate
    correlation_id = correlation_id_var.get()
    if correlation_id:
        headers["X-Correlation-ID"] = correlation_id
    if expected_version is not None:
        headers["If-Match"] = f'"{expected_version}"'
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    return headers
