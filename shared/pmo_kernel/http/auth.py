"""FastAPI dependencies for identity: thin wrappers over pmo_kernel.identity."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pmo_kernel.identity import Principal, prepare_keys, principal_from_header
from pmo_kernel.rate_limit import CommandAllowance
from pmo_kernel.settings import Settings


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# Declares the bearer scheme in the OpenAPI document (a security requirement per operation,
# not a free-form header parameter); auto_error=False leaves every refusal to
# principal_from_header, which reads the header itself and answers 401 as problem+json.
BEARER = HTTPBearer(
    bearerFormat="JWT",
    description="A JWT whose roles gate the commands (pmo_kernel.identity)",
    auto_error=False,
)


async def current_principal(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)]
) -> Principal:
    settings = settings_of(request)
    authorization = request.headers.get("authorization")
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
