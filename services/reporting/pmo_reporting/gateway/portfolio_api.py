"""The portfolio service's REST command API, as the gateway calls it (forwarding:
service_api.py). Every command answers `{id, version, details}`: the stream it appended to, at
which version, and what else it produced (a decision id, another stream's new version)."""

from __future__ import annotations

import httpx

from pmo_reporting.gateway.service_api import ServiceApi


class PortfolioApi(ServiceApi):
    @classmethod
    def connect(
        cls, base_url: str, transport: httpx.AsyncBaseTransport | None = None
    ) -> PortfolioApi:
        return cls(cls.client_for(base_url, transport), "portfolio")
