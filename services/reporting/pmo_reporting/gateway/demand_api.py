"""The demand service's REST command API, as the gateway calls it.

One httpx.AsyncClient per gateway app (connection pooling, bounded timeouts). Each call carries
the caller's bearer token (the demand service checks the roles), the trace context of a CLIENT
span (one trace from the GraphQL request to the consumer) and the correlation id. Problems
(RFC 9457) come back as GatewayErrors with the problem's code upper-cased.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from pmo_kernel.logs import correlation_id_var
from pmo_kernel.telemetry import current_traceparent
from pmo_reporting.gateway.errors import GatewayError, from_problem

tracer = trace.get_tracer("pmo.reporting.gateway")

TIMEOUT = httpx.Timeout(10.0, connect=2.0)


@dataclass(frozen=True)
class Accepted:
    """The demand service's answer to a command: the demand's new version and state."""

    demand_id: str
    version: int
    state: str


def command_route(demand_id: str | None, action: str | None) -> tuple[str, str]:
    """(path, route template): `POST /demands` submits, `POST /demands/{id}/<action>` acts."""
    if demand_id is None or action is None:
        return "/demands", "/demands"
    return f"/demands/{quote(demand_id, safe='')}/{action}", f"/demands/{{id}}/{action}"


class DemandApi:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    @classmethod
    def connect(cls, base_url: str, transport: httpx.AsyncBaseTransport | None = None) -> DemandApi:
        return cls(httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT, transport=transport))

    async def close(self) -> None:
        await self.client.aclose()

    async def command(
        self,
        body: dict[str, Any],
        *,
        demand_id: str | None = None,
        action: str | None = None,
        token: str | None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Accepted:
        """POST a command (submit when `demand_id` is None); the demand's new version."""
        path, route = command_route(demand_id, action)
        with tracer.start_as_current_span(
            f"POST {route}",
            kind=SpanKind.CLIENT,
            attributes={"http.request.method": "POST", "url.path": path, "http.route": route},
        ) as span:
            response = await self._post(
                path, body, self._headers(token, expected_version, idempotency_key)
            )
            span.set_attribute("http.response.status_code", response.status_code)
            if response.is_error:
                span.set_status(Status(StatusCode.ERROR))
                raise _problem(response)
        try:
            data = response.json()
            return Accepted(str(data["id"]), int(data["version"]), str(data["state"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise GatewayError(
                "the demand service answered with an unreadable body", "UPSTREAM_ERROR", status=502
            ) from exc

    async def _post(
        self, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> httpx.Response:
        try:
            return await self.client.post(path, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise GatewayError(
                "the demand service did not answer in time", "DEMAND_SERVICE_TIMEOUT", status=504
            ) from exc
        except httpx.TransportError as exc:
            raise GatewayError(
                f"the demand service is unreachable: {type(exc).__name__}",
                "DEMAND_SERVICE_UNAVAILABLE",
                status=503,
            ) from exc

    @staticmethod
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


def _problem(response: httpx.Response) -> GatewayError:
    try:
        problem = response.json()
    except ValueError:
        problem = None
    if isinstance(problem, dict):
        return from_problem(problem, response.status_code)
    return GatewayError(
        f"the demand service failed with HTTP {response.status_code}",
        "UPSTREAM_ERROR",
        status=response.status_code,
    )
