"""Optimistic concurrency over HTTP: responses carry `ETag: "<version>"`; a command sent with
`If-Match: "<version>"` is refused if the resource has moved on since."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from pmo_kernel.errors import DomainError
from pmo_kernel.http.headers import optional_header_schema

IF_MATCH_PATTERN = r'^(\*|(W/)?"[0-9]+")$'
IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        pattern=IF_MATCH_PATTERN,
        description='The version the command expects, as its ETag: "3" (or * for any): '
        "refused with 409 if the target moved on",
    ),
    optional_header_schema(IF_MATCH_PATTERN),
]


def expected_version(if_match: str | None) -> int | None:
    """The version an `If-Match` header names; None when absent or `*` (any version)."""
    if if_match is None or if_match.strip() == "*":
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise DomainError(
            f'If-Match must be a quoted version such as "3", not {if_match!r}',
            header="If-Match",
        )
    return int(raw)


def etag(version: int) -> str:
    return f'"{version}"'
