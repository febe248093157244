"""Mutations forward commands to the demand REST API and can wait for the read model."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from pmo_kernel.settings import Settings
from pmo_reporting.gateway.app import create_app
from tests.reporting.factory import DemandStory, business_case
from tests.reporting.support import FakeDemandApi, error_codes, graphql, project

pytestmark = pytest.mark.integration

Headers = dict[str, str]

SUBMIT = """
mutation ($input: SubmitDemandInput!, $wait: Boolean!, $key: String) {
  submitDemand(input: $input, waitForReadModel: $wait, idempotencyKey: $key) {
    demandId version state readModelCaughtUp
    demand { id version state title businessCase { estimatedCost { amount currency } } }
  }
}"""

SUBMIT_INPUT = {
    "title": "Automate invoice matching",
    "department": "Finance",
    "category": "PROJECT",
    "urgency": "HIGH",
    "desiredStartQuarter": "2026-Q2",
    "businessCase": {
        "problem": "Invoices are keyed by hand",
        "estimatedCost": {"amount": "120000.00", "currency": "EUR"},
        "effortPersonDays": "250.5",
    },
}


async def test_a_command_goes_to_the_demand_api_with_the_callers_token_and_context(
    gateway: httpx.AsyncClient, demand_api: FakeDemandApi, requester_headers: Headers
) -> None:
    body = await graphql(
        gateway,
        SUBMIT,
        {"input": SUBMIT_INPUT, "wait": False, "key": "submit-42"},
        {**requester_headers, "X-Correlation-ID": "corr-7"},
    )

    assert "errors" not in body, body
    assert body["data"]["submitDemand"] == {
        "demandId": "D-NEW",
        "version": 2,
        "state": "SUBMITTED",
        "readModelCaughtUp": False,
        "demand": None,
    }
    [sent] = demand_api.received
    assert sent.path == "/demands"
    assert sent.headers["authorization"] == requester_headers["Authorization"]
    assert sent.headers["idempotency-key"] == "submit-42"
    assert sent.headers["x-correlation-id"] == "corr-7"
    assert "if-match" not in sent.headers
    assert sent.body == {
        "content": {
            "title": "Automate invoice matching",
            "description": "",
            "department": "Finance",
            "category": "project",
            "urgency": "high",
            "strategic_objectives": [],
            "desired_start_quarter": "2026-Q2",
        },
        "business_case": {
            "problem": "Invoices are keyed by hand",
            "objectives": [],
            "estimated_cost": {"amount": "120000.00", "currency": "EUR"},
            "effort_person_days": "250.5",
            "risks": [],
            "options_considered": [],
        },
    }


async def test_the_expected_version_travels_as_if_match(
    gateway: httpx.AsyncClient, demand_api: FakeDemandApi, analyst_headers: Headers
) -> None:
    query = """mutation {
        rejectDemand(id: "D 1", reason: "Duplicate", expectedVersion: 3, waitForReadModel: false) {
            version
        }
    }"""

    body = await graphql(gateway, query, headers=analyst_headers)

    assert "errors" not in body, body
    [sent] = demand_api.received
    assert sent.path == "/demands/D%201/rejection"  # the id is escaped in the path
    assert sent.headers["if-match"] == '"3"'
    assert sent.body == {"reason": "Duplicate"}


async def test_a_refused_transition_is_an_invalid_transition_error(
    gateway: httpx.AsyncClient, demand_api: FakeDemandApi, analyst_headers: Headers
) -> None:
    demand_api.replies["/demands/D-1/acceptance"] = (
        409,
        {
            "type": "https://pmo.dev/problems/invalid-transition",
            "title": "Command not allowed in the current state",
            "status": 409,
            "detail": "demand D-1 is submitted; it can only be accepted while qualified",
            "code": "invalid_transition",
            "instance": "/demands/D-1/acceptance",
            "state": "submitted",
            "allowed_states": ["qualified"],
        },
    )

    body = await graphql(
        gateway, 'mutation { acceptDemand(id: "D-1") { version } }', headers=analyst_headers
    )

    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "demand D-1 is submitted; it can only be accepted while qualified"
    assert error["path"] == ["acceptDemand"]
    assert error["extensions"].pop("correlationId")  # the request's (every error has it)
    error["extensions"].pop("traceId", None)  # when tracing is on
    assert error["extensions"] == {
        "code": "INVALID_TRANSITION",
        "status": 409,
        "detail": "demand D-1 is submitted; it can only be accepted while qualified",
        "state": "submitted",
        "allowedStates": ["qualified"],
    }


async def test_failed_governance_rules_are_listed(
    gateway: httpx.AsyncClient, demand_api: FakeDemandApi, analyst_headers: Headers
) -> None:
    failed = [{"rule": "business-case-complete", "reason": "estimated_cost is missing"}]
    demand_api.replies["/demands/D-1/qualification"] = (
        422,
        {"status": 422, "detail": "cannot be qualified", "code": "governance_rule_failed",
         "rule": "business-case-complete", "failed_rules": failed, "rules_version": "2026.1"},
    )  # fmt: skip

    body = await graphql(
        gateway,
        'mutation { qualifyDemand(id: "D-1", note: "ok") { version } }',
        {},
        analyst_headers,
    )

    assert error_codes(body) == ["GOVERNANCE_RULE_FAILED"]
    assert body["errors"][0]["extensions"]["failedRules"] == failed
    assert demand_api.received[0].body == {"note": "ok"}


async def test_a_mutation_needs_a_token_before_anything_is_sent(
    gateway: httpx.AsyncClient, demand_api: FakeDemandApi
) -> None:
    body = await graphql(gateway, 'mutation { withdrawDemand(id: "D-1") { version } }')

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert demand_api.received == []


async def test_every_graphql_error_names_the_request_it_answers(
    gateway: httpx.AsyncClient, demand_api: FakeDemandApi
) -> None:
    body = await graphql(
        gateway,
        'mutation { withdrawDemand(id: "D-1") { version } }',
        headers={"X-Correlation-ID": "support-ticket-42"},
    )

    assert body["errors"][0]["extensions"]["correlationId"] == "support-ticket-42"


async def test_waiting_for_the_read_model_returns_the_projected_demand(
    gateway: httpx.AsyncClient,
    demand_api: FakeDemandApi,
    reporting_db: str,
    requester_headers: Headers,
) -> None:
    # The "demand service" accepts at once; the projector commits the event a moment later,
    # as it would after the relay and Kafka.
    story = DemandStory("D-NEW")
    story.submitted("Automate invoice matching", case=business_case("120000.00"))
    pending: list[asyncio.Task[Any]] = []

    async def project_later(path: str, body: dict[str, Any]) -> None:
        async def later() -> None:
            await asyncio.sleep(0.3)
            await project(reporting_db, story.events)

        pending.append(asyncio.create_task(later()))

    demand_api.on_command = project_later
    demand_api.replies["/demands"] = (201, {"id": "D-NEW", "version": 1, "state": "submitted"})

    body = await graphql(gateway, SUBMIT, {"input": SUBMIT_INPUT, "wait": True}, requester_headers)

    await asyncio.gather(*pending)
    assert "errors" not in body, body
    result = body["data"]["submitDemand"]
    assert result["readModelCaughtUp"] is True
    assert result["demand"] == {
        "id": "D-NEW",
        "version": 1,
        "state": "SUBMITTED",
        "title": "Automate invoice matching",
        "businessCase": {"estimatedCost": {"amount": "120000.00", "currency": "EUR"}},
    }


async def test_waiting_is_bounded_when_the_projector_lags(
    settings: Settings, demand_api: FakeDemandApi, requester_headers: Headers
) -> None:
    app = create_app(settings, demand_transport=demand_api.transport(), listen=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as client,
    ):
        app.state.gateway.read_model_wait_seconds = 0.3
        body = await graphql(
            client, SUBMIT, {"input": SUBMIT_INPUT, "wait": True}, requester_headers
        )

    assert body["data"]["submitDemand"]["readModelCaughtUp"] is False
    assert body["data"]["submitDemand"]["demand"] is None


async def test_an_unreachable_demand_service_is_reported_as_such(
    settings: Settings, requester_headers: Headers
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    app = create_app(settings, demand_transport=httpx.MockTransport(refuse), listen=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as client,
    ):
        body = await graphql(
            client, SUBMIT, {"input": SUBMIT_INPUT, "wait": False}, requester_headers
        )

    assert error_codes(body) == ["DEMAND_SERVICE_UNAVAILABLE"]
