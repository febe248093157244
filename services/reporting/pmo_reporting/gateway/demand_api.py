"""The demand service's REST command API, as the gateway calls it (forwarding: service_api.py).

`POST /demands` submits; `POST /demands/{id}/<action>` acts on a demand. The service answers
the demand's new version and state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from pmo_reporting.gateway.service_api import ServiceApi


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


class DemandApi(ServiceApi):
    @classmethod
    def connect(cls, base_url: str, transport: httpx.AsyncBaseTransport | None = None) -> DemandApi:
        return cls(cls.client_for(base_url, transport), "demand")

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
        data = await self.send(
            "POST",
            path,
            route,
            body,
            token=token,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )
        try:
            return Accepted(str(data["id"]), int(data["version"]), str(data["state"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise self.unreadable() from exc
