"""The public GraphQL schema changes only on purpose: docs/schema.graphql is its printed form
(types and fields sorted by name), and any difference fails here until the file is regenerated
with `python -m pmo_reporting schema > docs/schema.graphql` and the change is reviewed."""

from __future__ import annotations

import difflib
from pathlib import Path

from pmo_reporting.gateway.schema import build_schema, printed_schema

SNAPSHOT = Path(__file__).resolve().parents[2] / "docs" / "schema.graphql"


def test_the_schema_is_the_committed_snapshot() -> None:
    committed = SNAPSHOT.read_text(encoding="utf-8")
    now = printed_schema()
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(keepends=True),
            now.splitlines(keepends=True),
            "docs/schema.graphql",
            "the gateway's schema",
        )
    )
    assert now == committed, (
        "the public GraphQL schema changed; if on purpose, run "
        f"`python -m pmo_reporting schema > docs/schema.graphql`:\n{diff}"
    )


def test_production_serves_the_same_schema() -> None:
    # Production only hides introspection and masks errors; the types are the same.
    assert build_schema(production=True).as_str() == build_schema(production=False).as_str()


def test_printing_does_not_depend_on_declaration_order() -> None:
    assert printed_schema() == printed_schema()
    lines = [line for line in printed_schema().splitlines() if line.startswith("type ")]
    assert lines == sorted(lines)
