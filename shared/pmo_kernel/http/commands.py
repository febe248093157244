"""What every command endpoint takes from its request: the caller (authenticated and within its
rate limit), the version it expects (If-Match) and its retry key (Idempotency-Key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from pmo_kernel.application import CommandContext
from pmo_kernel.http.auth import CommandCaller
from pmo_kernel.http.conditional import IfMatchHeader, expected_version
from pmo_kernel.http.idempotency import IdempotencyKeyHeader


async def command_context(
    principal: CommandCaller,
    if_match: IfMatchHeader = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> CommandContext:
    return CommandContext(principal, expected_version(if_match), idempotency_key)


Context = Annotated[CommandContext, Depends(command_context)]
