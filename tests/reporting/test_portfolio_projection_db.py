"""The portfolio projection against PostgreSQL: rows, superseded scores, guards, dedupe."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest

from pmo_kernel.consumer import Unprocessable
from pmo_kernel.db import asyncpg_dsn
from tests.reporting.portfolio_factory import (
    Item,
    body,
    decision,
    meeting,
    project_portfolio,
    routing_rules,
    scoring_model,
)

pytestmark = pytest.mark.integration


async def fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def test_every_stream_type_lands_in_its_table(reporting_db: str) -> None:
    item = Item("P-1").registered().revised(2, "150000.00").scored("eve", 4, 0, 2)
    item.decided("DEC-1").planned()
    events = [
        *scoring_model().events,
        *body().events,
        *routing_rules().events,
        *item.events,
        *meeting("M-1", [decision("DEC-1", "P-1")]).events,
    ]

    await project_portfolio(reporting_db, events)

    [row] = await fetch(reporting_db, "SELECT * FROM reporting.portfolio_items")
    assert (row["state"], row["version"], str(row["estimated_cost"])) == (
        "approved",
        5,
        "150000.00",
    )
    assert json.loads(row["passed_gates"]) == ["G0", "G1", "G2"]
    assert row["registered_at"].isoformat() == "2026-03-02T09:00:00+00:00"
    [model] = await fetch(reporting_db, "SELECT * FROM reporting.scoring_models")
    assert (model["status"], model["latest_version"]) == ("published", 1)
    [committee] = await fetch(reporting_db, "SELECT * FROM reporting.governance_bodies")
    assert len(json.loads(committee["members"])) == 2
    rule_sets = await fetch(reporting_db, "SELECT version FROM reporting.routing_rule_sets")
    assert sorted(r["version"] for r in rule_sets) == [1, 2, 3]
    [made] = await fetch(reporting_db, "SELECT * FROM reporting.decisions")
    assert (made["item_id"], made["recorded_by"], str(made["consolidated_score"])) == (
        "P-1",
        "carol",
        "62.50",
    )
    [closed] = await fetch(reporting_db, "SELECT * FROM reporting.meetings")
    assert closed["closed"] is True
    [status] = await fetch(
        reporting_db,
        "SELECT events_applied FROM reporting.projection_status "
        "WHERE projection = 'reporting.portfolio'",
    )
    assert status["events_applied"] == len(events)


async def test_a_rescore_supersedes_the_evaluators_earlier_score_only(reporting_db: str) -> None:
    item = Item("P-1").registered().scored("eve", 3, 0, 2).scored("frank", 4, 0, 2)
    await project_portfolio(reporting_db, item.events)
    item.scored("eve", 5, 0, 1)
    await project_portfolio(reporting_db, item.events[-1:], batch=False)

    rows = await fetch(
        reporting_db,
        "SELECT evaluator_id, version, superseded FROM reporting.item_scores ORDER BY version",
    )
    assert [(r["evaluator_id"], r["version"], r["superseded"]) for r in rows] == [
        ("eve", 2, True),
        ("frank", 3, False),
        ("eve", 4, False),
    ]


async def test_one_at_a_time_gives_the_same_rows_as_a_batch(reporting_db: str) -> None:
    item = Item("P-1").registered().revised(2).scored("eve", 3, 0, 2).decided("DEC-1")
    await project_portfolio(reporting_db, item.events, batch=False)
    [row] = await fetch(reporting_db, "SELECT version, state FROM reporting.portfolio_items")
    assert (row["version"], row["state"]) == (4, "approved")


async def test_an_applied_event_is_skipped(reporting_db: str) -> None:
    item = Item("P-1").registered().revised(2)
    await project_portfolio(reporting_db, item.events)

    projection = await project_portfolio(reporting_db, item.events)

    assert projection.skipped == 2
    [row] = await fetch(reporting_db, "SELECT version FROM reporting.portfolio_items")
    assert row["version"] == 2


async def test_a_gap_is_unprocessable_and_writes_nothing(reporting_db: str) -> None:
    item = Item("P-1").registered().revised(2).revised(3)
    await project_portfolio(reporting_db, item.events[:1])

    with pytest.raises(Unprocessable, match="gap"):
        await project_portfolio(reporting_db, item.events[2:])

    [row] = await fetch(reporting_db, "SELECT version FROM reporting.portfolio_items")
    assert row["version"] == 1


async def test_demand_events_are_not_ours(reporting_db: str) -> None:
    from tests.reporting.factory import DemandStory

    story = DemandStory("D-1")
    story.submitted()
    projection = await project_portfolio(reporting_db, story.events)
    assert projection.skipped == 0
    assert await fetch(reporting_db, "SELECT * FROM reporting.portfolio_stream_versions") == []
