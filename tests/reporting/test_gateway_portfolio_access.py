"""Who sees which portfolio item through GraphQL: every caller x department sharing off/on x
the item queries (one by id with its decisions, the list with its total, a decision by id),
against pmo_kernel.access; and the views of the whole portfolio's figures (ranking, trade-off,
meetings, budgets, roadmap, scenarios), which only the portfolio's readers may query.

Items are delivered once past their scheme's planning gate (G2): project and resource managers
see those, without their figures."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from pmo_kernel.access import Sight
from pmo_kernel.settings import Settings
from tests.reporting.access_support import Caller, gateway_sharing
from tests.reporting.portfolio_factory import (
    Item,
    body,
    decision,
    project_portfolio,
    routing_rules,
    scoring_model,
)
from tests.reporting.support import error_codes, graphql
from tests.support import bearer

pytestmark = pytest.mark.integration

FULL, SUMMARY = Sight.FULL, Sight.SUMMARY
READER_ROLES = ("pmo_analyst", "portfolio_board", "executive", "auditor", "admin")


def portfolio_events() -> list[Any]:
    """Alice's item (Finance, at G1), Carol's (Finance, sponsored by Dana Sponsor, approved
    at G2, the planning gate: delivered), Erin's (HR, sponsored by the CFO, at G1)."""
    alice = Item("I-ALICE").registered("Invoice matching", requester="alice")
    carol = Item("I-CAROL").registered("Close faster", requester="carol", sponsor="Dana Sponsor")
    carol.decided("DEC-C2", made=decision("DEC-C2", "I-CAROL", gate="G2"))
    carol.planned()
    erin = Item("I-ERIN").registered("Payroll", department="HR", requester="erin", sponsor="CFO")
    items = [alice, carol, erin]
    return [
        *scoring_model().events,
        *body().events,
        *routing_rules().events,
        *(e for i in items for e in i.events),
    ]


EVERYTHING = {"I-ALICE": FULL, "I-CAROL": FULL, "I-ERIN": FULL}
CALLERS = [
    Caller("its requester", "alice", ("requester",), "Finance",
           sees={"I-ALICE": FULL}, sees_with_sharing={"I-ALICE": FULL, "I-CAROL": SUMMARY}),
    Caller("a requester of another department", "erin", ("requester",), "HR",
           sees={"I-ERIN": FULL}),
    Caller("a requester with no item", "grace", ("requester",), "Sales"),
    Caller("the sponsor, by display name", "d.s", ("requester",), name="dana  sponsor",
           sees={"I-CAROL": FULL}),
    Caller("the sponsor, by subject", "CFO", ("requester",), sees={"I-ERIN": FULL}),
    Caller("a project manager (delivered items only)", "frank", ("project_manager",), "HR",
           sees={"I-CAROL": SUMMARY},
           sees_with_sharing={"I-CAROL": SUMMARY, "I-ERIN": SUMMARY}),
    Caller("a resource manager", "ivan", ("resource_manager",), sees={"I-CAROL": SUMMARY}),
    *(Caller(f"a reader ({role})", role, (role,), sees=EVERYTHING) for role in READER_ROLES),
]  # fmt: skip

ITEMS = """query ($a: ID!, $c: ID!, $e: ID!) {
  a: portfolioItem(id: $a) { ...seen }
  c: portfolioItem(id: $c) { ...seen }
  e: portfolioItem(id: $e) { ...seen }
  portfolioItems(first: 50) { totalCount edges { node { id figuresHidden } } }
  decision(id: "DEC-C2") { id gate frozenInputs { facts budgetEnvelope { id } } item { id } }
}
fragment seen on PortfolioItem {
  id title figuresHidden estimatedCost { amount } costPerYear { year } businessCase
  decisions { id outcome frozenInputs { facts } }
}"""

# The whole portfolio's figures: one query each, for readers only.
PORTFOLIO_VIEWS = {
    "ranking": '{ ranking(modelId: "SM-1", modelVersion: 1) { rank } }',
    "tradeoff": '{ tradeoff(modelId: "SM-1", modelVersion: 1) { value } }',
    "meetings": "{ meetings { id } }",
    "meeting": '{ meeting(id: "M-1") { id } }',
    "budgetEnvelopes": "{ budgetEnvelopes { id } }",
    "budgetEnvelope": '{ budgetEnvelope(id: "BE-2026") { id } }',
    "roadmap": "{ roadmap { quarters { quarter } } }",
    "arbitrationRequests": "{ arbitrationRequests { year } }",
    "scenarios": "{ scenarios { id } }",
    "scenario": '{ scenario(id: "SC-1") { id } }',
    "programmes": "{ programmes { id } }",
    "programme": '{ programme(id: "PG-1") { id } }',
    "scenarioComparison": '{ scenarioComparison(ids: ["SC-1"]) { currency } }',
    "budgetKpi": "{ budgetKpi { currency } }",
}
# Open to anyone signed in: the governance set-up.
OPEN_VIEWS = {
    "governanceBodies": "{ governanceBodies { id } }",
    "routingRules": "{ routingRules { version } }",
    "scoringModels": "{ scoringModels { id } }",
}


@pytest_asyncio.fixture(loop_scope="session", params=[False, True], ids=["own", "sharing"])
async def gateway_for(
    request: pytest.FixtureRequest, settings: Settings, reporting_db: str
) -> AsyncIterator[tuple[httpx.AsyncClient, Settings, bool]]:
    sharing: bool = request.param
    await project_portfolio(reporting_db, portfolio_events())
    async with gateway_sharing(settings, sharing) as (client, configured):
        yield client, configured, sharing


@pytest.mark.parametrize("caller", CALLERS, ids=[c.label for c in CALLERS])
async def test_each_caller_sees_exactly_the_items_the_rules_give_them(
    caller: Caller, gateway_for: tuple[httpx.AsyncClient, Settings, bool]
) -> None:
    client, settings, sharing = gateway_for
    variables = {"a": "I-ALICE", "c": "I-CAROL", "e": "I-ERIN"}
    body = await graphql(client, ITEMS, variables, caller.headers(settings))
    assert "errors" not in body, body
    data = body["data"]
    expected = caller.expected(sharing)

    for alias, item_id in (("a", "I-ALICE"), ("c", "I-CAROL"), ("e", "I-ERIN")):
        item, sight = data[alias], expected.get(item_id, Sight.NONE)
        if sight is Sight.NONE:
            assert item is None, f"{item_id} should be hidden"
            continue
        assert item["id"] == item_id
        if sight is FULL:
            assert item["figuresHidden"] is False
            assert item["estimatedCost"] == {"amount": "100000.00"}
            assert item["businessCase"]["estimated_cost"]["amount"] == "100000.00"
            assert all(d["frozenInputs"] is not None for d in item["decisions"])
        else:
            assert item["figuresHidden"] is True
            assert item["estimatedCost"] is None
            assert item["costPerYear"] is None
            assert item["businessCase"]["problem"] == "Slow invoicing"
            assert "amount" not in json.dumps(item["businessCase"])
            if item_id == "I-CAROL":
                assert item["decisions"], "the decisions themselves are shown"
            assert all(d["frozenInputs"] is None for d in item["decisions"])

    listed = {e["node"]["id"]: e["node"]["figuresHidden"] for e in data["portfolioItems"]["edges"]}
    assert listed == {item_id: sight is not FULL for item_id, sight in expected.items()}
    assert data["portfolioItems"]["totalCount"] == len(expected)

    carol = expected.get("I-CAROL", Sight.NONE)
    if carol is Sight.NONE:
        assert data["decision"] is None
    else:
        assert data["decision"]["item"] == {"id": "I-CAROL"}
        frozen = data["decision"]["frozenInputs"]
        assert (frozen is not None) is (carol is FULL)


KPIS = """{
  portfolioValueKpi { items figuresHiddenItems cost { amount } }
  decisionsKpi { total }
  benefitsKpi { items figuresHiddenItems }
}"""


@pytest.mark.parametrize("caller", CALLERS, ids=[c.label for c in CALLERS])
async def test_each_callers_kpis_count_exactly_the_items_they_see(
    caller: Caller, gateway_for: tuple[httpx.AsyncClient, Settings, bool]
) -> None:
    client, settings, sharing = gateway_for
    body = await graphql(client, KPIS, headers=caller.headers(settings))
    assert "errors" not in body, body
    data, expected = body["data"], caller.expected(sharing)
    full = sum(1 for sight in expected.values() if sight is FULL)

    assert data["portfolioValueKpi"] == {
        "items": len(expected),
        "figuresHiddenItems": len(expected) - full,
        "cost": {"amount": f"{100000 * full}.00"},  # each item's estimated cost, seen in full
    }
    assert data["decisionsKpi"] == {"total": 1 if "I-CAROL" in expected else 0}
    assert data["benefitsKpi"]["figuresHiddenItems"] == len(expected) - full


@pytest.mark.parametrize("caller", CALLERS, ids=[c.label for c in CALLERS])
async def test_the_whole_portfolios_figures_are_for_its_readers(
    caller: Caller, gateway_for: tuple[httpx.AsyncClient, Settings, bool]
) -> None:
    client, settings, _ = gateway_for
    headers = caller.headers(settings)
    for name, query in PORTFOLIO_VIEWS.items():
        body = await graphql(client, query, headers=headers)
        if set(caller.roles) & set(READER_ROLES):
            assert "FORBIDDEN" not in error_codes(body), (name, body)
        else:
            assert error_codes(body) == ["FORBIDDEN"], (name, body)
            assert not any((body["data"] or {}).values()), name  # nothing of it answered
    for name, query in OPEN_VIEWS.items():
        body = await graphql(client, query, headers=headers)
        assert "errors" not in body, (name, body)


async def test_a_hidden_item_and_an_unknown_one_answer_alike(
    gateway_for: tuple[httpx.AsyncClient, Settings, bool],
) -> None:
    client, settings, _ = gateway_for
    headers = bearer(settings, "grace", "requester", department="Sales")
    for query in ('{ portfolioItem(id: "%s") { id } }', '{ decision(id: "%s") { id } }'):
        hidden = await graphql(client, query % "I-ALICE", headers=headers)
        unknown = await graphql(client, query % "I-NOPE", headers=headers)
        assert hidden["data"] == unknown["data"]
        assert "errors" not in hidden
