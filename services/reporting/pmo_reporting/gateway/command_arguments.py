"""The arguments every command mutation takes, whichever service it goes to."""

from __future__ import annotations

from typing import Annotated

import strawberry

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
