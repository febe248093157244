"""Opaque Relay cursors over the demands list's keyset (submitted_at, id).

A cursor is base64url of a small versioned JSON document. Clients must treat it as opaque; the
version prefix lets the format change without misreading old cursors.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

import orjson

from pmo_reporting.gateway.errors import bad_input
from pmo_reporting.gateway.readmodel import Keyset

_VERSION = "d1"
MAX_PAGE = 100


def encode_cursor(keyset: Keyset) -> str:
    raw = orjson.dumps([_VERSION, keyset.submitted_at.isoformat(), keyset.id])
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
