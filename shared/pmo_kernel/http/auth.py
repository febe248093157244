"""FastAPI dependencies for identity: thin wrappers over pmo_kernel.identity."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated

from fastapi import Depends, Header, Request

from pmo_kernel.identity import Principal, principal_from_header
from pmo_kernel.settings import Settings


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def current_principal(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    return principal_from_header(settings_of(request), authorization)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def requires(roles: Iterable[str], action: str) -> Callable[[Principal], Awaitable[Principal]]:
    allowed = frozenset(roles)

    async def dependency(principal: CurrentPrincipal) -> Principal:
        principal.require_any(allowed, action)
        return principal

    return dependency
