"""FastAPI dependencies for identity: thin wrappers over pmo_kernel.identity."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated

from fastapi import Depends, Header, Request

from pmo_kernel.identity import Principal, prepare_keys, principal_from_header
from pmo_kernel.rate_limit import CommandAllowance
from pmo_kernel.settings import Settings


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def current_principal(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    settings = settings_of(request)
    await prepare_keys(settings, authorization)
    return principal_from_header(settings, authorization)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def requires(roles: Iterable[str], action: str) -> Callable[[Principal], Awaitable[Principal]]:
    allowed = frozenset(roles)

    async def dependency(principal: CurrentPrincipal) -> Principal:
        principal.require_any(allowed, action)
        return principal

    return dependency


async def command_caller(request: Request, principal: CurrentPrincipal) -> Principal:
    """The authenticated caller of a command, within its allowance (429 beyond it)."""
    allowance: CommandAllowance = request.app.state.command_allowance
    allowance.take(principal.subject)
    return principal


CommandCaller = Annotated[Principal, Depends(command_caller)]
