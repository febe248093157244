"""Portfolio mutations forward commands to the portfolio REST API (a stub here: httpx
MockTransport) and can wait until the portfolio projection has every stream they moved."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio

from pmo_kernel.settings import Settings
from pmo_reporting.gateway.app import create_app
from pmo_reporting.gateway.command_arguments import moved_streams
from pmo_reporting.gateway.portfolio_mutations import COMMANDS, OTHER_STREAMS
from tests.reporting.portfolio_factory import Item, body, decision, meeting, project_portfolio
from tests.reporting.portfolio_planning_factory import Envelope
from tests.reporting.support import error_codes, graphql
from tests.support import bearer

pytestmark = pytest.mark.integration

Headers = dict[str, str]
Reply = tuple[int, dict[str, Any]]


@dataclass
class Sent:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class StubPortfolioApi:
    """Records each request; answers `replies[(method, path)]`, else 200 {id, version 1}.
    `on_command` runs before the answer (e.g. to project what the command produced later)."""

    replies: dict[tuple[str, str], Reply] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    on_command: Callable[[Sent], Awaitable[None]] | None = None

    async def handle(self, request: httpx.Request) -> httpx.Response:
        content = request.content
        sent = Sent(
            request.method,
            request.url.raw_path.decode(),
            dict(request.headers),
            orjson.loads(content) if content else None,
        )
        self.sent.append(sent)
        if self.on_command is not None:
            await self.on_command(sent)
        status, reply = self.replies.get(
            (sent.method, sent.path), (200, {"id": "X-1", "version": 1, "details": {}})
        )
        media = "application/problem+json" if status >= 400 else "application/json"
        return httpx.Response(status, json=reply, headers={"content-type": media})


@pytest.fixture
def portfolio_api() -> StubPortfolioApi:
    return StubPortfolioApi()


@pytest.fixture
def board_headers(settings: Settings) -> Headers:
    return bearer(settings, "carol", "portfolio_board", name="Carol")


@pytest_asyncio.fixture(loop_scope="session")
async def gateway(
    settings: Settings, portfolio_api: StubPortfolioApi
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, portfolio_transport=httpx.MockTransport(portfolio_api.handle))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as client,
    ):
        yield client


RECORD = """
mutation ($input: RecordDecisionInput!, $wait: Boolean!) {
  recordDecision(id: "M 1", input: $input, expectedVersion: 3, idempotencyKey: "dec-7",
                 waitForReadModel: $wait) {
    id version details readModelCaughtUp decision { id } meeting { id }
  }
}"""

DECISION_INPUT = {
    "itemId": "P-1",
    "gate": "G2",
    "outcome": "APPROVE",
    "participants": ["carol", "dave"],
    "rationale": "Strong value",
    "budgetEnvelopeId": "BE-2026",
}


async def test_a_decision_goes_to_the_portfolio_api_with_the_callers_token_and_context(
    gateway: httpx.AsyncClient, portfolio_api: StubPortfolioApi, board_headers: Headers
) -> None:
    details = {"decision_id": "DEC-1", "item_id": "P-1", "item_version": 4}
    portfolio_api.replies[("POST", "/meetings/M%201/decisions")] = (
        201,
        {"id": "M 1", "version": 3, "details": details},
    )

    result = await graphql(
        gateway,
        RECORD,
        {"input": DECISION_INPUT, "wait": False},
        {**board_headers, "X-Correlation-ID": "corr-9"},
    )

    assert "errors" not in result, result
    assert result["data"]["recordDecision"] == {
        "id": "M 1",
        "version": 3,
        "details": details,
        "readModelCaughtUp": False,
        "decision": None,
        "meeting": None,
    }
    [sent] = portfolio_api.sent
    assert (sent.method, sent.path) == ("POST", "/meetings/M%201/decisions")
    assert sent.headers["authorization"] == board_headers["Authorization"]
    assert sent.headers["if-match"] == '"3"'
    assert sent.headers["idempotency-key"] == "dec-7"
    assert sent.headers["x-correlation-id"] == "corr-9"
    assert sent.body == {
        "item_id": "P-1",
        "gate": "G2",
        "outcome": "approve",
        "participants": ["carol", "dave"],
        "rationale": "Strong value",
        "conditions": [],
        "budget_envelope_id": "BE-2026",
    }


async def test_a_failed_governance_rule_is_an_error_naming_the_rule(
    gateway: httpx.AsyncClient, portfolio_api: StubPortfolioApi, board_headers: Headers
) -> None:
    portfolio_api.replies[("POST", "/meetings/M%201/decisions")] = (
        422,
        {"status": 422, "code": "governance_rule_failed", "rule": "big-spend",
         "detail": "only the investment committee may approve above EUR 250,000.00",
         "body_kind": "investment_committee"},
    )  # fmt: skip

    result = await graphql(gateway, RECORD, {"input": DECISION_INPUT, "wait": True}, board_headers)

    assert result["data"] is None
    [error] = result["errors"]
    assert error["message"] == "only the investment committee may approve above EUR 250,000.00"
    assert error["extensions"]["code"] == "GOVERNANCE_RULE_FAILED"
    assert error["extensions"]["rule"] == "big-spend"
    assert error["extensions"]["bodyKind"] == "investment_committee"


async def test_commands_without_a_body_and_with_an_optional_one(
    gateway: httpx.AsyncClient, portfolio_api: StubPortfolioApi, board_headers: Headers
) -> None:
    query = """mutation {
        publishScoringModel(id: "SM-1", waitForReadModel: false) { version }
        retireScoringModel(id: "SM-1", waitForReadModel: false) { version }
        closeBudgetEnvelope(id: "BE-1", input: {reason: "Year over"}, waitForReadModel: false) {
            version
        }
        removeBodyMember(id: "IC", input: {personId: "erin"}, waitForReadModel: false) { version }
        requestArbitration(id: "BE-1", waitForReadModel: false) { version }
    }"""

    result = await graphql(gateway, query, headers=board_headers)

    assert "errors" not in result, result
    assert [(s.method, s.path, s.body) for s in portfolio_api.sent] == [
        ("POST", "/scoring-models/SM-1/publication", None),
        ("POST", "/scoring-models/SM-1/retirement", {}),
        ("POST", "/budget-envelopes/BE-1/closure", {"reason": "Year over"}),
        ("DELETE", "/governance-bodies/IC/members/erin", None),
        ("POST", "/budget-envelopes/BE-1/arbitration", None),
    ]


async def test_inputs_become_the_services_snake_case_bodies(
    gateway: httpx.AsyncClient, portfolio_api: StubPortfolioApi, board_headers: Headers
) -> None:
    query = """mutation ($scenario: SaveScenarioInput!, $plan: PlanItemInput!) {
        saveScenario(input: $scenario, waitForReadModel: false) { id }
        planItem(id: "P-1", input: $plan, waitForReadModel: false) { id }
        scoreItem(id: "P-1", waitForReadModel: false, input: {modelId: "SM-1", scores: [
            {key: "value", score: 4, justification: "Saves 2 FTE"}]}) { id }
    }"""
    scenario = {
        "scenarioId": "sc-1",
        "name": "Lean",
        "description": "Only what fits",
        "inputs": {
            "fromPortfolio": {"scoringModelId": "SM-1"},
            "budgets": [{"year": 2026, "amount": "150000"}],
            "currency": "EUR",
            "dependencies": [{"a": "P-3", "b": "P-1"}],
        },
    }
    plan = {
        "startQuarter": "2026-Q3",
        "endQuarter": "2027-Q2",
        "costPerYear": [{"year": 2026, "cost": {"amount": "40000.00", "currency": "EUR"}}],
    }

    result = await graphql(gateway, query, {"scenario": scenario, "plan": plan}, board_headers)

    assert "errors" not in result, result
    saved, planned, scored = portfolio_api.sent
    assert saved.body == {
        "scenario_id": "sc-1",
        "name": "Lean",
        "description": "Only what fits",
        "inputs": {
            "from_portfolio": {"scoring_model_id": "SM-1"},
            "budgets": {"2026": "150000"},
            "currency": "EUR",
            "dependencies": [["P-3", "P-1"]],
            "exclusions": [],
        },
    }
    assert planned.body == {
        "start_quarter": "2026-Q3",
        "end_quarter": "2027-Q2",
        "cost_per_year": {"2026": {"amount": "40000.00", "currency": "EUR"}},
    }
    assert scored.body == {
        "model_id": "SM-1",
        "scores": {"value": 4},
        "justifications": {"value": "Saves 2 FTE"},
    }


async def test_waiting_returns_once_every_stream_moved_is_projected(
    gateway: httpx.AsyncClient,
    portfolio_api: StubPortfolioApi,
    reporting_db: str,
    board_headers: Headers,
) -> None:
    # The decision appends to the meeting (answered) and the item (in details); the projector
    # commits the meeting's events first and the item's a moment later.
    item = Item("P-1").registered()
    made = decision("DEC-1", "P-1", meeting_id="M 1")
    item.decided("DEC-1", made=made)
    minutes = meeting("M 1", [made], body_id="IC")
    scheduled_and_decided = minutes.events[:3]  # scheduled, agenda, decision recorded
    pending: list[asyncio.Task[Any]] = []

    async def project_later(sent: Sent) -> None:
        async def later() -> None:
            await project_portfolio(reporting_db, [*body().events, *scheduled_and_decided])
            await asyncio.sleep(0.3)
            await project_portfolio(reporting_db, item.events)

        pending.append(asyncio.create_task(later()))

    portfolio_api.on_command = project_later
    portfolio_api.replies[("POST", "/meetings/M%201/decisions")] = (
        201,
        {"id": "M 1", "version": 3, "details": {"decision_id": "DEC-1", "item_id": "P-1",
                                                 "item_version": 2}},
    )  # fmt: skip

    result = await graphql(gateway, RECORD, {"input": DECISION_INPUT, "wait": True}, board_headers)

    await asyncio.gather(*pending)
    assert "errors" not in result, result
    answer = result["data"]["recordDecision"]
    assert answer["readModelCaughtUp"] is True
    assert answer["decision"] == {"id": "DEC-1"}
    assert answer["meeting"] == {"id": "M 1"}


async def test_waiting_is_bounded_when_the_projector_lags(
    settings: Settings, portfolio_api: StubPortfolioApi, board_headers: Headers
) -> None:
    portfolio_api.replies[("POST", "/budget-envelopes")] = (
        201,
        {"id": "BE-2026", "version": 1, "details": {}},
    )
    app = create_app(
        settings, portfolio_transport=httpx.MockTransport(portfolio_api.handle), listen=False
    )
    query = """mutation { openBudgetEnvelope(input: {envelopeId: "BE-2026", year: 2026,
        amount: {amount: "500000.00", currency: "EUR"}, description: "IT 2026"}) {
        readModelCaughtUp budgetEnvelope { id } } }"""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as client,
    ):
        app.state.gateway.read_model_wait_seconds = 0.3
        result = await graphql(client, query, headers=board_headers)

    assert result["data"]["openBudgetEnvelope"] == {
        "readModelCaughtUp": False,
        "budgetEnvelope": None,
    }


async def test_a_projected_envelope_is_in_the_result(
    gateway: httpx.AsyncClient,
    portfolio_api: StubPortfolioApi,
    reporting_db: str,
    board_headers: Headers,
) -> None:
    await project_portfolio(reporting_db, Envelope("BE-2026").opened(2026, "500000.00").events)
    portfolio_api.replies[("POST", "/budget-envelopes")] = (
        201,
        {"id": "BE-2026", "version": 1, "details": {}},
    )
    query = """mutation { openBudgetEnvelope(input: {envelopeId: "BE-2026", year: 2026,
        amount: {amount: "500000.00", currency: "EUR"}, description: "IT 2026"}) {
        readModelCaughtUp budgetEnvelope { id amount { amount } } } }"""

    result = await graphql(gateway, query, headers=board_headers)

    assert result["data"]["openBudgetEnvelope"] == {
        "readModelCaughtUp": True,
        "budgetEnvelope": {"id": "BE-2026", "amount": {"amount": "500000.00"}},
    }


async def test_an_unreachable_portfolio_service_and_a_missing_token(
    settings: Settings, board_headers: Headers
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    app = create_app(settings, portfolio_transport=httpx.MockTransport(refuse), listen=False)
    query = 'mutation { closeMeeting(id: "M-1") { version } }'
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as client,
    ):
        unreachable = await graphql(client, query, headers=board_headers)
        anonymous = await graphql(client, query)

    assert error_codes(unreachable) == ["PORTFOLIO_SERVICE_UNAVAILABLE"]
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]


def test_every_stream_a_command_moved_is_waited_for() -> None:
    assert moved_streams(
        "meeting",
        "M-1",
        5,
        {"decision_id": "D", "scenario_id": "SC-1", "scenario_version": 2},
        OTHER_STREAMS,
    ) == {"meeting/M-1": 5, "scenario/SC-1": 2}
    assert moved_streams("routing-rules", "default", 4, {"rules_version": 4}, OTHER_STREAMS) == {
        "routing-rules/default": 4
    }


def test_there_is_a_mutation_for_every_portfolio_command_route() -> None:
    # The contract, read from the service's router (tests may import it; reporting may not).
    from fastapi.routing import APIRoute

    from pmo_portfolio.api import router

    def shape(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path)

    served = {
        (method, shape(route.path))
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
        if method != "GET"
    }
    ours = [(c.method, shape(c.route)) for c in COMMANDS]
    assert sorted(set(ours)) == sorted(served)
    assert len(ours) == len(set(ours))
