"""The capacity service's REST command API, as the gateway calls it (forwarding:
service_api.py). Every command answers `{id, version, ...}`: the stream it appended to, at which
version, and what else it said (the allocation it made, the event ids): `details`."""

from __future__ import annotations

import httpx

from pmo_reporting.gateway.service_api import ServiceApi


class CapacityApi(ServiceApi):
    @classmethod
    def connect(
        cls, base_url: str, transport: httpx.AsyncBaseTransport | None = None
    ) -> CapacityApi:
        return cls(cls.client_for(base_url, transport), "capacity")
