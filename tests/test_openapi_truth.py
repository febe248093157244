"""What the OpenAPI documents is what the services do: header patterns, the statuses a route
answers, and a 405 that says which methods a path has."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from pmo_capacity.bootstrap import create_app as capacity_app
from pmo_demand.bootstrap import create_app as demand_app
from pmo_kernel.http.conditional import IF_MATCH_PATTERN
from pmo_kernel.http.idempotency import KEY_PATTERN
from pmo_kernel.http.openapi import DECIMAL_TEXT_PATTERN
from pmo_kernel.money import ISO_4217
from pmo_portfolio.bootstrap import create_app as portfolio_app
from pmo_reporting.gateway.app import create_app as gateway_app
from tests.support import UNUSED_DATABASE_URL, settings_for

APPS = pytest.mark.parametrize(
    "build",
    [demand_app, portfolio_app, capacity_app],
    ids=["demand", "portfolio", "capacity"],
)


def header_schemas(app: FastAPI, name: str) -> list[dict[str, Any]]:
    spec = app.openapi()
    return [
        parameter["schema"]
        for path in spec["paths"].values()
        for operation in path.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "header" and parameter["name"] == name
    ]


def patterns_of(schema: dict[str, Any]) -> list[str]:
    return [one["pattern"] for one in schema.get("anyOf", [schema]) if "pattern" in one]


@APPS
def test_every_command_documents_if_match_and_idempotency_key_with_their_patterns(
    build: Callable[[Any], FastAPI],
) -> None:
    app = build(settings_for(UNUSED_DATABASE_URL))
    commands = [
        operation
        for path in app.openapi()["paths"].values()
        for method, operation in path.items()
        if method in ("post", "delete")
    ]

    for header, pattern in (("If-Match", IF_MATCH_PATTERN), ("Idempotency-Key", KEY_PATTERN)):
        schemas = header_schemas(app, header)
        assert len(schemas) == len(commands), header
        assert all(pattern in patterns_of(schema) for schema in schemas), header
    assert all({"429", "503"} <= set(operation["responses"]) for operation in commands)


@APPS
async def test_an_undeclared_method_is_a_405_that_says_which_are_allowed(
    build: Callable[[Any], FastAPI],
) -> None:
    app = build(settings_for(UNUSED_DATABASE_URL))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://service"
    ) as client:
        response = await client.request("TRACE", "/health")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json()["code"] == "method_not_allowed"


@APPS
def test_the_event_feed_documents_its_refusals(build: Callable[[Any], FastAPI]) -> None:
    feed = build(settings_for(UNUSED_DATABASE_URL)).openapi()["paths"]["/events"]["get"]

    assert {"401", "403", "404", "422"} <= set(feed["responses"])


@APPS
def test_an_optional_header_is_documented_as_a_string_never_as_null(
    build: Callable[[Any], FastAPI],
) -> None:
    app = build(settings_for(UNUSED_DATABASE_URL))
    schemas = header_schemas(app, "If-Match") + header_schemas(app, "Idempotency-Key")

    assert schemas
    assert all(schema["type"] == "string" and "anyOf" not in schema for schema in schemas)


@APPS
def test_the_bearer_token_is_a_security_scheme_not_a_header_parameter(
    build: Callable[[Any], FastAPI],
) -> None:
    spec = build(settings_for(UNUSED_DATABASE_URL)).openapi()

    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert header_schemas(build(settings_for(UNUSED_DATABASE_URL)), "authorization") == []


def test_a_decimal_sent_as_text_is_documented_with_the_digits_it_takes() -> None:
    money = portfolio_app(settings_for(UNUSED_DATABASE_URL)).openapi()["components"]["schemas"][
        "Money"
    ]
    text = next(b for b in money["properties"]["amount"]["anyOf"] if b["type"] == "string")

    assert text["pattern"] == DECIMAL_TEXT_PATTERN
    assert money["properties"]["currency"]["enum"] == sorted(ISO_4217)


async def test_a_405_on_a_path_served_by_several_routes_allows_all_their_methods() -> None:
    app = gateway_app(settings_for(UNUSED_DATABASE_URL))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://service"
    ) as client:
        response = await client.request("DELETE", "/graphql")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
