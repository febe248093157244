"""The arguments every command mutation takes, whichever service it goes to, and `command_field`,
which makes a command's strawberry mutation from its own arguments and a runner.

A command mutation's arguments are its own (`Argument`s: an id, an input, plain values), then
the trailing ones every command takes: expectedVersion (If-Match; left out for commands that
create, where nothing can have moved on), idempotencyKey and waitForReadModel. The field
authenticates the caller, checks expectedVersion and hands the rest to the runner as a
`CommandCall`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import strawberry

from pmo_reporting.gateway import fields
from pmo_reporting.gateway.context import GatewayInfo, GatewayServices
from pmo_reporting.gateway.errors import bad_input

WaitForReadModel = Annotated[
    bool,
    strawberry.argument(
        description="Return once the read model has the change (at most a few seconds)"
    ),
]
IdempotencyKey = Annotated[
    str | None, strawberry.argument(description="Makes retries safe: the same key, one effect")
]
ExpectedVersion = Annotated[
    int | None,
    strawberry.argument(description="Refused (CONCURRENCY_CONFLICT) if the target moved on"),
]


def check_expected_version(expected_version: int | None) -> None:
    if expected_version is not None and expected_version < 1:
        raise bad_input("expectedVersion must be 1 or more", argument="expectedVersion")


@dataclass(frozen=True)
class Argument:
    """One of a command mutation's own arguments: snake_case name, type, default (none:
    required)."""

    name: str
    annotation: Any
    default: Any = inspect.Parameter.empty


@dataclass(frozen=True)
class CommandCall:
    """What every command is sent with, besides its own arguments."""

    token: str | None
    expected_version: int | None
    idempotency_key: str | None
    wait_for_read_model: bool

    def wait_seconds(self, services: GatewayServices) -> float:
        # Without waiting, still say whether the read model happens to be there already.
        return services.read_model_wait_seconds if self.wait_for_read_model else 0.0


R = TypeVar("R")
Runner = Callable[[GatewayInfo, dict[str, Any], CommandCall], Awaitable[R]]


def command_field(
    name: str,
    description: str,
    arguments: Sequence[Argument],
    returns: type[R],
    run: Runner[R],
    *,
    expected_version: bool = True,
) -> Any:
    """The strawberry mutation `name`: (*arguments, expectedVersion?, idempotencyKey,
    waitForReadModel) → `returns`. `run` gets the caller's own arguments by name and the
    CommandCall. The signature is built from `arguments`, so each command takes exactly the
    arguments it needs."""

    async def resolve(info: GatewayInfo, **values: Any) -> R:
        principal = info.context.principal()
        call = CommandCall(
            token=principal.token,
            expected_version=values.pop("expected_version", None),
            idempotency_key=values.pop("idempotency_key", None),
            wait_for_read_model=values.pop("wait_for_read_model", True),
        )
        check_expected_version(call.expected_version)
        return await run(info, values, call)

    trailing = [Argument("expected_version", ExpectedVersion, None)] if expected_version else []
    trailing += [
        Argument("idempotency_key", IdempotencyKey, None),
        Argument("wait_for_read_model", WaitForReadModel, True),
    ]
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [inspect.Parameter("info", keyword, annotation=GatewayInfo)] + [
        inspect.Parameter(a.name, keyword, default=a.default, annotation=a.annotation)
        for a in (*arguments, *trailing)
    ]
    resolve.__name__ = name
    resolve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=returns
    )
    resolve.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": returns}
    return fields.mutation(description)(resolve)


def mutation_type(name: str, mutations: dict[str, Any], description: str | None = None) -> Any:
    """A strawberry type with the given command fields (schema.py merges them into Mutation)."""
    namespace = {"__annotations__": {}, **mutations}
    return strawberry.type(type(name, (), namespace), description=description)


def moved_streams(
    stream_type: str, stream_id: str, version: int, details: Any, others: dict[str, str]
) -> dict[str, int]:
    """Every stream a command moved, with its version: the answer's, those its details name as
    "<prefix>_id" and "<prefix>_version" (`others`: prefix -> stream type), and those it lists
    in `moved_streams` ("<type>/<id>" -> version: a command moving many, as an adoption)."""
    streams = {f"{stream_type}/{stream_id}": version}
    if isinstance(details, dict):
        listed = details.get("moved_streams")
        if isinstance(listed, dict):
            streams |= {k: v for k, v in listed.items() if isinstance(v, int)}
        for prefix, other in others.items():
            found_id, found_version = details.get(f"{prefix}_id"), details.get(f"{prefix}_version")
            if isinstance(found_id, str) and isinstance(found_version, int):
                streams[f"{other}/{found_id}"] = found_version
    return streams


def rest_request(
    values: dict[str, Any], takes_body: bool
) -> tuple[dict[str, str], dict[str, Any] | None]:
    """The REST path values and body of a command mutation's arguments: `id`, and what its
    input adds to the path; no body when the route takes none, an empty one for an optional
    input left out."""
    path_values = {"id": str(values["id"])} if values.get("id") is not None else {}
    input = values.get("input")
    if input is not None and hasattr(input, "path_values"):
        path_values |= input.path_values()
    body = None if not takes_body else input.body() if input is not None else {}
    return path_values, body
