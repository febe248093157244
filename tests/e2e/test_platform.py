"""The platform as people run it: `pmo run` starts every process, a front end drives a demand's
whole life through GraphQL, the history names every actor, and a rebuilt read model equals the
one built live. Real PostgreSQL, real broker, real HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import asyncpg
import httpx
import pytest

from pmo_kernel.db import asyncpg_dsn
from pmo_kernel.settings import Settings
from pmo_reporting.operations import rebuild
from tests.e2e.platform import Platform
from tests.support import bearer, eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
def platform(shared_platform: Platform) -> Platform:
    """This module's tests share one platform; each adds data of its own, and the last one,
    Ctrl-C, stops it."""
    return shared_platform


REQUESTER = ("alice", "requester")
ANALYST = ("paul", "pmo_analyst")

RESULT = """demandId version state readModelCaughtUp
  demand { id version state requiresInvestmentCommittee businessCase { version } }"""


def mutation(signature: str, call: str) -> str:
    """A command mutation selecting what the front end reads back."""
    return f"mutation{signature} {{ {call} {{ {RESULT} }} }}"


SUBMIT = mutation("($input: SubmitDemandInput!)", "submitDemand(input: $input)")
REVISE = mutation(
    "($id: ID!, $input: BusinessCaseInput!, $v: Int)",
    "reviseBusinessCase(id: $id, input: $input, expectedVersion: $v)",
)
ASK = mutation("($id: ID!)", 'requestInformation(id: $id, questions: ["Who owns the budget?"])')
ANSWER = mutation("($id: ID!)", 'provideInformation(id: $id, answers: "The CFO.")')
QUALIFY = mutation("($id: ID!)", 'qualifyDemand(id: $id, note: "ok")')
ACCEPT = mutation("($id: ID!)", "acceptDemand(id: $id)")
HISTORY = """query($id: ID!) { demand(id: $id) { state version
  history { version eventType actor { id } summary } } }"""


def business_case(cost: str) -> dict[str, Any]:
    return {
        "problem": "Payroll runs on unsupported software",
        "objectives": ["Supported payroll"],
        "estimatedCost": {"amount": cost, "currency": "EUR"},
        "effortPersonDays": "400",
        "expectedBenefits": "No outage risk",
        "benefitsEstimate": {"amount": "500000", "currency": "EUR"},
    }


async def test_a_demand_lives_its_whole_life_through_graphql_and_its_history_names_each_actor(
    platform: Platform,
) -> None:
    submitted = await platform.graphql(
        SUBMIT,
        REQUESTER,
        input={
            "title": "Replace the payroll system",
            "description": "Out of support in 2027",
            "sponsor": "CFO",
            "department": "Finance",
            "category": "PROJECT",
            "urgency": "HIGH",
            "strategicObjectives": ["Reduce operating risk"],
            "desiredStartQuarter": "2027-Q1",
            "desiredEndQuarter": "2027-Q4",
            "businessCase": business_case("200000"),
        },
    )
    result = submitted["data"]["submitDemand"]
    assert result["readModelCaughtUp"], "the front end reads its own write"
    assert result["demand"]["state"] == "SUBMITTED"
    demand_id = result["demandId"]

    steps = [
        (REVISE, REQUESTER, {"input": business_case("300000"), "v": 1}, "SUBMITTED"),
        (ASK, ANALYST, {}, "INFORMATION_REQUESTED"),
        (ANSWER, REQUESTER, {}, "INFORMATION_PROVIDED"),
        (QUALIFY, ANALYST, {}, "QUALIFIED"),
        (ACCEPT, ANALYST, {}, "ACCEPTED"),
    ]
    for version, (mutation, who, variables, state) in enumerate(steps, start=2):
        body = await platform.graphql(mutation, who, id=demand_id, **variables)
        assert "errors" not in body, body
        (payload,) = body["data"].values()
        assert (payload["version"], payload["demand"]["state"]) == (version, state)
    assert payload["demand"]["requiresInvestmentCommittee"] is True  # EUR 300K > 250K
    assert payload["demand"]["businessCase"]["version"] == 2

    history = (await platform.graphql(HISTORY, ("ada", "auditor"), id=demand_id))["data"]
    entries = history["demand"]["history"]
    assert [(e["version"], e["eventType"], e["actor"]["id"]) for e in entries] == [
        (1, "DemandSubmitted", "alice"),
        (2, "BusinessCaseRevised", "alice"),
        (3, "InformationRequested", "paul"),
        (4, "InformationProvided", "alice"),
        (5, "DemandQualified", "paul"),
        (6, "DemandAccepted", "paul"),
    ]
    assert all(e["summary"] for e in entries)
    # The write services ran all of it as their least-privilege logins, not as the owner.
    assert {"pmo_demand_app", "pmo_portfolio_app"} <= await logins_of(platform.settings)


async def logins_of(settings: Settings) -> set[str]:
    """The users connected to the platform's database now."""
    conn = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        rows = await conn.fetch(
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database()"
        )
    finally:
        await conn.close()
    return {str(row[0]) for row in rows}


async def test_a_refused_command_is_a_graphql_error_with_a_stable_code(platform: Platform) -> None:
    submitted = await platform.graphql(
        SUBMIT,
        REQUESTER,
        input={"title": "Small tweak", "department": "IT", "category": "CHANGE", "urgency": "LOW"},
    )
    demand_id = submitted["data"]["submitDemand"]["demandId"]

    refused = await platform.graphql(ACCEPT, ANALYST, id=demand_id)
    wrong_role = await platform.graphql(QUALIFY, REQUESTER, id=demand_id)

    assert refused["errors"][0]["extensions"]["code"] == "INVALID_TRANSITION"
    assert wrong_role["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# Bookkeeping, not read models: which messages were applied and when the projector last ran.
NOT_READ_MODELS = {"processed_messages", "projection_status", "alembic_version"}


async def _snapshot(url: str) -> dict[str, list[str]]:
    """Every reporting read-model table, its rows in a stable order."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        tables = [
            row["table_name"]
            for row in await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'reporting'"
            )
            if row["table_name"] not in NOT_READ_MODELS
        ]
        return {
            table: sorted(
                repr(sorted(dict(r).items()))
                for r in await conn.fetch(f'SELECT * FROM reporting."{table}"')
            )
            for table in sorted(tables)
        }
    finally:
        await conn.close()


async def _feed_ids(settings: Settings, base_url: str) -> list[str]:
    async with httpx.AsyncClient() as client:
        feed = await client.get(
            f"{base_url}/events?limit=5000", headers=bearer(settings, "ada", "auditor")
        )
    return [event["event_id"] for event in feed.json()["events"]]


async def _all_processed(url: str, event_ids: list[str]) -> bool:
    """Whether the projector has taken every one of these events (applied, or skipped as not
    its business: both are recorded by its deduplication in the same transaction)."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        seen = await conn.fetchval(
            "SELECT count(DISTINCT event_id) FROM reporting.processed_messages "
            "WHERE event_id = ANY($1::uuid[])",
            event_ids,
        )
    finally:
        await conn.close()
    return int(seen) == len(event_ids)


async def test_the_demo_rebuilt_from_the_event_feeds_equals_the_live_read_models(
    platform: Platform,
) -> None:
    from pmo_demand.demo import seed as demand_demo
    from pmo_portfolio.demo import seed as portfolio_demo

    # `pmo demo`: the demands, then a year of portfolio management on the accepted ones.
    await demand_demo(platform.settings, lambda line: None)
    summary = await portfolio_demo(platform.settings, lambda line: None)
    assert "on the roadmap" in summary
    assert "adopted" in summary
    # The capacity service raises requests for the planned items as it consumes them: the log
    # is complete once a re-read of every feed finds nothing the projector has not processed.
    feeds = (platform.settings.demand_url, platform.settings.portfolio_url,
             platform.settings.capacity_url)  # fmt: skip
    event_ids: list[str] = []

    async def caught_up() -> bool:
        nonlocal event_ids
        found = [i for url in feeds for i in await _feed_ids(platform.settings, url)]
        if not await _all_processed(platform.settings.database_url, found):
            return False
        stable = found == event_ids
        event_ids = found
        return stable

    await eventually(caught_up, within=90, interval=0.5)
    total = len(event_ids)
    live = await _snapshot(platform.settings.database_url)

    rebuilt_summary = await rebuild(platform.settings, lambda service, count: None)

    rebuilt = await _snapshot(platform.settings.database_url)
    assert str(total) in rebuilt_summary
    assert len(live["demands"]) >= 80
    assert len(live["portfolio_items"]) >= 45
    assert len(live["scenarios"]) == 2
    assert rebuilt == live
    # The gateway serves the switched-over tables.
    listing = await platform.graphql(
        "{ demands(first: 100) { totalCount } portfolioItems(first: 100) { totalCount } }", ANALYST
    )
    assert listing["data"]["demands"]["totalCount"] == len(live["demands"])
    assert listing["data"]["portfolioItems"]["totalCount"] == len(live["portfolio_items"])


async def test_ctrl_c_stops_every_process_cleanly(platform: Platform) -> None:
    os.killpg(platform.process.pid, signal.SIGINT)
    assert await asyncio.to_thread(platform.process.wait, 30) == 0
