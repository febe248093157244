"""Relay pages over keyset lists (sql.py): opaque cursors, and a page with its PageInfo.

A cursor is base64url of a small versioned JSON document of the last row's (time, id). Clients
must treat it as opaque; the version prefix lets the format change without misreading old
cursors.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import orjson

from pmo_reporting.gateway.errors import bad_input
from pmo_reporting.gateway.readmodel import Row
from pmo_reporting.gateway.sql import Keyset
from pmo_reporting.gateway.types import PageInfo

_VERSION = "d1"
MAX_PAGE = 100


def encode_cursor(keyset: Keyset) -> str:
    raw = orjson.dumps([_VERSION, keyset.at.isoformat(), keyset.id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Keyset:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, submitted_at, demand_id = orjson.loads(raw)
        if version != _VERSION or not isinstance(demand_id, str):
            raise ValueError("unknown cursor format")
        moment = datetime.fromisoformat(submitted_at)
        if moment.tzinfo is None:
            raise ValueError("cursor time without a zone")
        return Keyset(moment, demand_id)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise bad_input(f"invalid cursor {cursor[:60]!r}", argument="after") from exc


def check_page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise bad_input(f"first must be between 1 and {MAX_PAGE}, not {first}", argument="first")
    return first


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows with their cursors, and where it stands."""

    rows: list[tuple[str, Row]]  # (cursor, row)
    info: PageInfo


async def page_of(
    rows: list[Row],
    first: int,
    time_column: str,
    start: Keyset | None,
    any_before: Callable[[Keyset], Awaitable[bool]],
) -> Page:
    """The page from `rows`, read with a limit of `first + 1` (one more tells a next page)."""
    page = [(encode_cursor(Keyset(row[time_column], row["id"])), row) for row in rows[:first]]
    has_previous = start is not None and await any_before(start)
    return Page(
        rows=page,
        info=PageInfo(
            has_next_page=len(rows) > first,
            has_previous_page=has_previous,
            start_cursor=page[0][0] if page else None,
            end_cursor=page[-1][0] if page else None,
        ),
    )
