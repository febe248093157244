"""What every resolver gets: the app's services, per-request loaders, and who is asking."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from pmo_kernel.access import Audience, require_portfolio_reader
from pmo_kernel.errors import PmoError
from pmo_kernel.identity import Principal, prepare_keys, principal_from_header
from pmo_kernel.settings import Settings
from pmo_reporting.gateway.access import PeopleAudience
from pmo_reporting.gateway.capacity_api import CapacityApi
from pmo_reporting.gateway.capacity_readmodel import CapacityReadModel
from pmo_reporting.gateway.demand_api import DemandApi
from pmo_reporting.gateway.errors import from_pmo_error
from pmo_reporting.gateway.listener import ChangeHub
from pmo_reporting.gateway.loaders import Loaders
from pmo_reporting.gateway.portfolio_api import PortfolioApi
from pmo_reporting.gateway.portfolio_readmodel import PortfolioReadModel
from pmo_reporting.gateway.readmodel import ReadModel

READ_MODEL_WAIT_SECONDS = 5.0  # how long a mutation waits, at most, for its projection


@dataclass
class GatewayServices:
    """The app-wide collaborators, created once by the app's lifespan."""

    settings: Settings
    read_model: ReadModel
    portfolio_read_model: PortfolioReadModel
    demand_api: DemandApi
    portfolio_api: PortfolioApi
    capacity_api: CapacityApi
    changes: ChangeHub
    capacity_read_model: CapacityReadModel
    read_model_wait_seconds: float = READ_MODEL_WAIT_SECONDS


class GatewayContext(BaseContext):
    def __init__(
        self, services: GatewayServices, authorization: str | None, *, long_lived: bool = False
    ) -> None:
        super().__init__()
        self.services = services
        self.authorization = authorization
        self.loaders = Loaders(services.read_model, cache=not long_lived)
        self._principal: Principal | None = None
        self._audiences: dict[bool, Audience] = {}  # resolvers ask once per row

    def principal(self) -> Principal:
        """The authenticated caller; raises UNAUTHENTICATED (with the reason) otherwise."""
        if self._principal is None:
            try:
                self._principal = principal_from_header(self.services.settings, self.authorization)
            except PmoError as exc:
                raise from_pmo_error(exc) from None
        return self._principal

    def require_portfolio_reader(self, action: str) -> Principal:
        """The caller, if one of its roles sees the whole portfolio with its figures;
        FORBIDDEN otherwise (budgets, scenarios, rankings and meetings are such views)."""
        principal = self.principal()
        try:
            require_portfolio_reader(principal, action)
        except PmoError as exc:
            raise from_pmo_error(exc) from None
        return principal

    def audience(self, *, delivered: bool) -> Audience:
        """Which rows the caller sees (pmo_kernel.access): `delivered` for portfolio items,
        which delivery roles see, not for demands."""
        audience = self._audiences.get(delivered)
        if audience is None:
            audience = Audience.of(self.principal(), self.services.settings, delivered=delivered)
            self._audiences[delivered] = audience
        return audience

    def people_audience(self) -> PeopleAudience:
        """Which people, allocations and loads the caller sees (the capacity rule)."""
        return PeopleAudience(self.principal())


GatewayInfo = Info[GatewayContext, None]


async def get_context(connection: HTTPConnection) -> GatewayContext:
    """strawberry's context_getter (a FastAPI dependency): one context per HTTP request, one
    per WebSocket connection."""
    services: GatewayServices = connection.app.state.gateway
    authorization = connection.headers.get("authorization")
    await prepare_keys(services.settings, authorization)
    return GatewayContext(
        services, authorization, long_lived=connection.scope["type"] == "websocket"
    )
