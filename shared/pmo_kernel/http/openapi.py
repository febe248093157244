"""Amendments to the OpenAPI document FastAPI generates, where it says less than the service
does (a client or a conformance run such as schemathesis trusts the document, not the code)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

Document = dict[str, Any]
Amendment = Callable[[Document], None]

# What pydantic reads as a Decimal from a JSON string (no NaN or infinities: not allowed).
# Exponents are left out: pydantic refuses some it cannot represent ("1e-99999999").
DECIMAL_TEXT_PATTERN = r"^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)\s*$"


def amend_openapi(app: FastAPI, *amendments: Amendment) -> None:
    """Apply `amendments` to `app`'s document once, when FastAPI first generates it."""
    generate = app.openapi

    def openapi() -> Document:
        first = app.openapi_schema is None
        document = generate()
        if first:
            for amend in amendments:
                amend(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def decimal_strings(document: Document) -> None:
    """Pydantic documents a Decimal input as "a number or any string", yet refuses a string
    that is not a decimal (422): the string branch gets the pattern it is held to."""
    for schema in _schemas(document):
        branches = schema.get("anyOf")
        if not isinstance(branches, list):
            continue
        types = [b.get("type") for b in branches if isinstance(b, dict)]
        if "number" not in types:
            continue
        for branch in branches:
            if branch == {"type": "string"}:
                branch["pattern"] = DECIMAL_TEXT_PATTERN


def _schemas(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            found.append(current)
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return found


def path_pattern(template: str) -> re.Pattern[str]:
    """`/demands/{demand_id}` → a pattern matching `/demands/D-1` (one segment per parameter)."""
    parts = re.split(r"(\{[^/}]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def documented_methods(document: Document, path: str) -> list[str]:
    """The methods the document gives `path`, sorted; empty when it does not know the path."""
    for template, operations in document.get("paths", {}).items():
        if path_pattern(template).fullmatch(path):
            return sorted(method.upper() for method in operations)
    return []
