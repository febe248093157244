"""Every service does what its OpenAPI document says. Schemathesis generates requests from each
document and checks every answer: no 5xx, only documented statuses, bodies and content types
as declared, 401 without a token, 405 with Allow for an undeclared method, schema-valid
requests accepted and invalid ones refused.

Runs in-process against each ASGI app over a fresh, migrated database, with a fixed small
number of examples per operation and derandomised, so runs are repeatable."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest_asyncio
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.types import Receive, Scope, Send

from pmo_capacity.bootstrap import MIGRATIONS as CAPACITY_MIGRATIONS
from pmo_capacity.bootstrap import SCHEMA as CAPACITY_SCHEMA
from pmo_capacity.bootstrap import create_app as capacity_app
from pmo_demand.bootstrap import MIGRATIONS as DEMAND_MIGRATIONS
from pmo_demand.bootstrap import SCHEMA as DEMAND_SCHEMA
from pmo_demand.bootstrap import create_app as demand_app
from pmo_kernel.identity import ALL_ROLES, issue_token
from pmo_kernel.infra.databases import create_database, drop_database
from pmo_kernel.migrations import upgrade
from pmo_portfolio.bootstrap import MIGRATIONS as PORTFOLIO_MIGRATIONS
from pmo_portfolio.bootstrap import SCHEMA as PORTFOLIO_SCHEMA
from pmo_portfolio.bootstrap import create_app as portfolio_app
from pmo_reporting.gateway.app import create_app as gateway_app
from pmo_reporting.projector import MIGRATIONS as REPORTING_MIGRATIONS
from pmo_reporting.projector import SCHEMA as REPORTING_SCHEMA
from tests.infra import Infrastructure
from tests.support import UNUSED_DATABASE_URL, settings_for

FUZZING = settings(
    max_examples=10,  # per operation and phase
    derandomize=True,
    deadline=None,
    database=None,
    # Module-scoped fixtures are shared by design; generation is bounded by max_examples.
    suppress_health_check=list(HealthCheck),
)

# One token for every service (the tests' settings share a signing key), with every role:
# the run explores what the API does, not who may do it (tests/test_least_privilege.py).
TOKEN = issue_token(settings_for(UNUSED_DATABASE_URL), "fuzzer", sorted(ALL_ROLES), name="Fuzzer")
CONFIG: dict[str, Any] = {
    "seed": 20261207,
    "generation": {"deterministic": True},
    # Schemathesis plants string constants it finds in the code (test modules included) into
    # positive cases without holding them to the field's pattern: not schema-valid data.
    "analysis": {"constants": {"enabled": False}},
}


class LateApp:
    """The ASGI app schemathesis calls: the service's app, once a fixture has built it over
    its database (the operations are collected before any fixture runs)."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "the service's fixture has not built its app"
        await self.app(scope, receive, send)


def documented(build: Callable[..., FastAPI], served: LateApp) -> schemathesis.BaseSchema:
    """The service's OpenAPI document (read from an app never started), sent to `served`,
    with the token for its bearer scheme (the gateway has none: GraphQL reads it itself)."""
    document = build(settings_for(UNUSED_DATABASE_URL)).openapi()
    config = dict(CONFIG)
    if "HTTPBearer" in document.get("components", {}).get("securitySchemes", {}):
        config["auth"] = {"openapi": {"HTTPBearer": {"bearer": TOKEN}}}
    schema = schemathesis.openapi.from_dict(document, config=schemathesis.Config.from_dict(config))
    schema.app = served
    return schema


async def serve(
    served: LateApp,
    infra: Infrastructure,
    migrations: Any,
    schema_name: str,
    build: Callable[..., FastAPI],
) -> AsyncIterator[None]:
    name = f"pmo_test_{secrets.token_hex(6)}"
    url = await create_database(infra.database_url, name)
    try:
        await upgrade(url, migrations, schema_name)
        served.app = build(settings_for(url))
        yield
        # Schemathesis ran the app's lifespan on its own event loop thread: the pools close
        # there, before the database goes.
        asgi.shutdown_lifespans()
        served.app = None
    finally:
        await drop_database(infra.database_url, name)


def header_patterns(case: schemathesis.Case[Any]) -> dict[str, str]:
    parameters = case.operation.definition.raw.get("parameters", [])
    return {
        p["name"]: p["schema"]["pattern"]
        for p in parameters
        if p["in"] == "header" and "pattern" in p.get("schema", {})
    }


def drop_misgenerated_headers(case: schemathesis.Case[Any]) -> None:
    """Schemathesis 4.x's coverage phase seeds its "default positive" case with `0` for a
    header whose pattern needs a `"` (If-Match: `"3"`), a value the document forbids; the
    API's 422 for it is right. Such an optional header is left out (absence is valid), so the
    case still runs; every header schemathesis draws correctly is sent as drawn."""
    if case.meta is None or case.meta.generation.mode.value != "positive" or not case.headers:
        return
    for name, pattern in header_patterns(case).items():
        value = case.headers.get(name)
        if isinstance(value, str) and re.search(pattern, value) is None:
            del case.headers[name]


# Pydantic error types that a JSON Schema states: a schema-valid request refused with one of
# them means the document lied about the shape it accepts. Not `string_too_short`: text is
# stripped of surrounding whitespace before its length is checked, which JSON Schema cannot
# say (a "\t" label is one character long to the document, none to the API).
SHAPE_ERRORS = re.compile(
    r"^(missing|extra_forbidden|json_invalid|literal_error|enum|string_pattern_mismatch"
    r"|string_too_long|too_(short|long)|.*_type|.*_parsing)$"
)


# Where pydantic names the member of a union it tried: a model, a builtin or a generic type.
UNION_MEMBER = re.compile(r"^([A-Z]\w*|bool|int|float|str|none|[a-z-]+\[.*\])$")


def shape_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The shape errors of a refusal, less those of a union's members when another member
    failed on rules only: pydantic reports every member it tried (a Money with an unknown
    currency is also "not a valid boolean" for a `Money | bool` field)."""
    rules = [e["location"] for e in errors if not SHAPE_ERRORS.match(e["type"])]

    def tried_another_member(location: list[Any]) -> bool:
        return any(
            isinstance(part, str)
            and UNION_MEMBER.match(part)
            and any(r[:i] == location[:i] and len(r) > i and r[i] != part for r in rules)
            for i, part in enumerate(location)
        )

    return [
        e
        for e in errors
        if SHAPE_ERRORS.match(e["type"]) and not tried_another_member(e["location"])
    ]


def refused_for_its_shape(response: schemathesis.Response) -> bool:
    if response.status_code == 400:
        return True
    if response.status_code != 422:
        return False
    body = response.json()
    return body.get("code") == "validation_failed" and bool(shape_errors(body["errors"]))


def schema_valid_requests_are_not_refused_for_their_shape(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """Schemathesis' positive_data_acceptance, less the refusals that are the API's rules.

    A command valid by the document may still be refused, rightly, for the state of its
    aggregate or a business rule: 409 (wrong state, If-Match), 422 `domain_rule_violated`,
    `idempotency_key_reused` (the run's one caller sends generated keys again with other
    bodies), and 422 `validation_failed` from a rule JSON Schema cannot state (a currency in
    ISO 4217, a scale's minimum below its maximum, a decimal string's bounds). All documented.
    What stays a failure is a refusal for the request's shape: 400, or a 422 naming a type,
    pattern, length, enum, missing or extra field the document did not declare."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if refused_for_its_shape(response):
        raise RejectedPositiveData(
            operation=case.operation.label,
            message="A schema-valid request was refused for its shape: the document "
            "does not say what the API accepts",
            status_code=response.status_code,
            allowed_statuses=["2xx", "3xx", "401", "403", "404", "409", "422 (rules)", "429"],
        )
    return None


def conforms(case: schemathesis.Case[Any]) -> None:
    drop_misgenerated_headers(case)
    case.call_and_validate(
        excluded_checks=[positive_data_acceptance],
        additional_checks=[schema_valid_requests_are_not_refused_for_their_shape],
    )


DEMAND, PORTFOLIO, CAPACITY, GATEWAY = LateApp(), LateApp(), LateApp(), LateApp()


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def demand_served(infra: Infrastructure) -> AsyncIterator[None]:
    async for _ in serve(DEMAND, infra, DEMAND_MIGRATIONS, DEMAND_SCHEMA, demand_app):
        yield


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def portfolio_served(infra: Infrastructure) -> AsyncIterator[None]:
    async for _ in serve(PORTFOLIO, infra, PORTFOLIO_MIGRATIONS, PORTFOLIO_SCHEMA, portfolio_app):
        yield


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def capacity_served(infra: Infrastructure) -> AsyncIterator[None]:
    async for _ in serve(CAPACITY, infra, CAPACITY_MIGRATIONS, CAPACITY_SCHEMA, capacity_app):
        yield


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def gateway_served(infra: Infrastructure) -> AsyncIterator[None]:
    async for _ in serve(GATEWAY, infra, REPORTING_MIGRATIONS, REPORTING_SCHEMA, gateway_app):
        yield


@documented(demand_app, DEMAND).parametrize()
@FUZZING
def test_the_demand_api_answers_as_its_openapi_says(
    case: schemathesis.Case[Any], demand_served: None
) -> None:
    conforms(case)


@documented(portfolio_app, PORTFOLIO).parametrize()
@FUZZING
def test_the_portfolio_api_answers_as_its_openapi_says(
    case: schemathesis.Case[Any], portfolio_served: None
) -> None:
    conforms(case)


@documented(capacity_app, CAPACITY).parametrize()
@FUZZING
def test_the_capacity_api_answers_as_its_openapi_says(
    case: schemathesis.Case[Any], capacity_served: None
) -> None:
    conforms(case)


@documented(gateway_app, GATEWAY).parametrize()
@FUZZING
def test_the_reporting_gateway_answers_as_its_openapi_says(
    case: schemathesis.Case[Any], gateway_served: None
) -> None:
    conforms(case)
