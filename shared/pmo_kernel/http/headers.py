"""OpenAPI schemas of optional request headers."""

from __future__ import annotations

from pydantic import WithJsonSchema


def optional_header_schema(pattern: str) -> WithJsonSchema:
    """The schema of an optional header: a string matching `pattern`. Pydantic would document
    `str | None` as "a string or null", yet a header is absent or a string, never null: a
    client reading that schema sends the text `null`, which the pattern refuses (422)."""
    return WithJsonSchema({"type": "string", "pattern": pattern})
