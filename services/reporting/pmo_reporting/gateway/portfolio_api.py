"""The portfolio service's REST command API, as the gateway calls it (forwarding:
service_api.py). Every command answers `{id, version, details}`: the stream it appended to, at
which version, and what else it produced (a decision id, another stream's new version)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from pmo_reporting.gateway.service_api import ServiceApi


@dataclass(frozen=True)
class PortfolioAccepted:
    id: str
    version: int
    details: dict[str, Any]


def fill(template: str, values: dict[str, str]) -> str:
    """The path of a route template ("/meetings/{id}/agenda"), each value escaped."""
    return template.format(**{key: quote(value, safe="") for key, value in values.items()})


class PortfolioApi(ServiceApi):
    @classmethod
    def connect(
        cls, base_url: str, transport: httpx.AsyncBaseTransport | None = None
    ) -> PortfolioApi:
        return cls(cls.client_for(base_url, transport), "portfolio")

    async def command(
        self,
        method: str,
        route: str,
        path_values: dict[str, str],
        body: dict[str, Any] | None,
        *,
        token: str | None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> PortfolioAccepted:
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
            details = data.get("details") or {}
            if not isinstance(details, dict):
                raise TypeError("details is not an object")
            return PortfolioAccepted(str(data["id"]), int(data["version"]), details)
        except (ValueError, KeyError, TypeError) as exc:
            raise self.unreadable() from exc
