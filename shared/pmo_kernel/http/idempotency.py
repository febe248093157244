"""The `Idempotency-Key` header of every command endpoint (see pmo_kernel.idempotency)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from pmo_kernel.http.headers import optional_header_schema
from pmo_kernel.idempotency import IdempotencyKeys, Outcome, fingerprint
from pmo_kernel.identity import Principal

KEY_PATTERN = r"^[!-~]{1,200}$"  # printable ASCII without spaces, as a UUID or a ULID is
REPLAYED_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("etag", "location")

M = TypeVar("M", bound=BaseModel)

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        description=(
            "Makes retries safe: the same key with the same request returns the first outcome "
            f"again (with `{REPLAYED_HEADER}: true`) and writes nothing; with a different "
            "request it is refused (422 idempotency_key_reused). Keys are per caller."
        ),
    ),
    optional_header_schema(KEY_PATTERN),
]


async def run_once(
    request: Request,
    principal: Principal,
    key: str | None,
    body: BaseModel | None,
    response: Response,
    status_code: int,
    execute: Callable[[], Awaitable[M]],
) -> M | JSONResponse:
    """Run the command `execute` (which sets its headers on `response`) once per key."""
    if key is None:
        return await execute()
    keys: IdempotencyKeys = request.app.state.idempotency
    route = getattr(request.scope.get("route"), "path", request.url.path)
    asked = fingerprint(
        f"{request.method} {route}",
        "/".join(f"{k}={v}" for k, v in sorted(request.path_params.items())),
        None if body is None else body.model_dump(mode="json"),
    )

    async def command() -> Outcome:
        answer = await execute()
        headers = {h: response.headers[h] for h in _KEPT_HEADERS if h in response.headers}
        return Outcome(status_code, answer.model_dump(mode="json"), headers)

    outcome, replayed = await keys.once(principal, key, asked, command)
    answer = outcome.body
    if replayed and "replayed" in answer:  # a response model that says so in its body too
        answer = {**answer, "replayed": True}
    headers = {**outcome.headers, REPLAYED_HEADER: "true" if replayed else "false"}
    return JSONResponse(answer, status_code=outcome.status, headers=headers)
