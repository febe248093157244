"""Who sees which portfolio item over REST, and whether with its figures; who reads the
portfolio-wide views: role x endpoint x ownership.

Two items came from demands of alice of Finance, both EUR 300,000 (so the investment committee
rule applied to their decisions, its reason stating the cost): "pending", a candidate sponsored
by "u-417" (a sponsor named by subject), and "delivered", approved at G2 and planned, sponsored
by "Carol King" (a sponsor named by display name). Every caller below asks for each through
each endpoint, against a service where requesters see their department's items (without
figures) and one where they see only their own.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio

from pmo_demand.domain import (
    AcceptDemand,
    Demand,
    DemandContent,
    GovernanceRules,
    QualifyDemand,
    SubmitDemand,
)
from pmo_kernel.access import PORTFOLIO_READERS
from pmo_kernel.infra.databases import create_database, drop_database
from pmo_kernel.migrations import upgrade
from pmo_portfolio.application.intake import DemandIntake
from pmo_portfolio.bootstrap import MIGRATIONS, SCHEMA, PortfolioContainer, build, create_app
from tests.infra import Infrastructure
from tests.portfolio.integration.support import ANALYST, Portfolio, eur
from tests.portfolio.integration.test_portfolio_governance_flow import case, demand_events
from tests.support import bearer, settings_for


@dataclass(frozen=True)
class Caller:
    subject: str
    roles: tuple[str, ...]
    name: str | None = None
    department: str | None = None


CALLERS = {
    "owner": Caller("alice", ("requester",), department="Finance"),
    "sponsor_by_subject": Caller("u-417", ("requester",), name="Uma Park", department="Board"),
    "sponsor_by_name": Caller("u-500", ("requester",), name="carol  king", department="Board"),
    "colleague": Caller("bob", ("requester",), department="Finance"),
    "stranger": Caller("eve", ("requester",), department="Sales"),
    "project_manager": Caller("pm", ("project_manager",), department="Sales"),
    "project_manager_of_finance": Caller("pf", ("project_manager",), department="Finance"),
    "resource_manager": Caller("rm", ("resource_manager",)),
    "pmo_analyst": Caller("paul", ("pmo_analyst",)),
    "portfolio_board": Caller("bo", ("portfolio_board",)),
    "executive": Caller("ceo", ("executive",)),
    "auditor": Caller("audrey", ("auditor",)),
    "admin": Caller("root", ("admin",)),
}
READERS = {"pmo_analyst", "portfolio_board", "executive", "auditor", "admin"}

# caller -> item -> sight with department sharing off, and on
FULL, SUMMARY, NONE = "full", "summary", "none"
ALWAYS_FULL = {"pending": (FULL, FULL), "delivered": (FULL, FULL)}
EXPECTED: dict[str, dict[str, tuple[str, str]]] = {
    "owner": ALWAYS_FULL,
    "sponsor_by_subject": {"pending": (FULL, FULL), "delivered": (NONE, NONE)},
    "sponsor_by_name": {"pending": (NONE, NONE), "delivered": (FULL, FULL)},
    "colleague": {"pending": (NONE, SUMMARY), "delivered": (NONE, SUMMARY)},
    "stranger": {"pending": (NONE, NONE), "delivered": (NONE, NONE)},
    # delivery roles see an item once it is being delivered, whatever its department
    "project_manager": {"pending": (NONE, NONE), "delivered": (SUMMARY, SUMMARY)},
    "project_manager_of_finance": {"pending": (NONE, SUMMARY), "delivered": (SUMMARY, SUMMARY)},
    "resource_manager": {"pending": (NONE, NONE), "delivered": (SUMMARY, SUMMARY)},
    **dict.fromkeys(READERS, ALWAYS_FULL),
}
CASES = [
    pytest.param(caller, item, sharing, EXPECTED[caller][item][sharing],
                 id=f"{caller}-{item}-sharing-{sharing}")
    for caller in CALLERS
    for item in ("pending", "delivered")
    for sharing in (0, 1)
]  # fmt: skip

# The whole portfolio's money: for its readers only, whatever the settings.
PORTFOLIO_WIDE = {
    "envelope": "/budget-envelopes/it-2027",
    "unknown envelope": "/budget-envelopes/nowhere",
    "roadmap": "/roadmap",
    "scenario": "/scenarios/what-if",
    "unknown scenario": "/scenarios/nowhere",
    "comparison": "/scenarios/comparison?ids=what-if&ids=cautious",
    "meeting": "/meetings/ic-jan",
    "programme": "/programmes/finance",
}
# The rules items are governed and scored by: for every caller.
GOVERNANCE_RULES = {"routing rules": "/routing-rules", "scoring model": "/scoring-models/sm"}

settings = settings_for("postgresql://unused")


@dataclass
class World:
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient]  # sharing off, on
    container: PortfolioContainer
    given_events: int = 0  # stored once the portfolio was given

    async def events_stored(self) -> int:
        count, _ = await self.container.store.stats()
        return count

    def headers(self, who: str) -> dict[str, str]:
        c = CALLERS[who]
        return bearer(settings, c.subject, *c.roles, name=c.name, department=c.department)


def accepted_demand(demand_id: str, sponsor: str) -> Demand:
    content = DemandContent(
        title=f"Payroll {demand_id}", description="", sponsor=sponsor, department="Finance",
        category="project", urgency="high",
    )  # fmt: skip
    demand = Demand.submit(
        demand_id, SubmitDemand(content=content, business_case=case("300000")), requester="alice"
    )
    demand.qualify(QualifyDemand(), GovernanceRules(), "paul")
    demand.accept(AcceptDemand(), "paul")
    return demand


async def given_the_portfolio(p: Portfolio) -> None:
    """The two items from the demand intake, the delivered one approved at G2 and planned, and
    one of each portfolio-wide resource."""
    await p.deliver(demand_events(accepted_demand("pending", "u-417"), 1))
    await p.deliver(demand_events(accepted_demand("delivered", "Carol King"), 1))
    await p.post("/scoring-models", {"model_id": "sm", "name": "Value", "criteria": [
        {"key": "value", "label": "Value", "weight": "100", "scale": {"min": 0, "max": 10},
         "direction": "higher_is_better", "dimension": "value"}]}, ANALYST, 201)  # fmt: skip
    await p.post("/scoring-models/sm/publication", None, ANALYST)
    await p.envelope("it-2027", 2027, "1000000")
    meeting = await p.committee()  # the investment committee's ic-jan
    await p.decide(meeting, "delivered")
    await p.plan("delivered", "2027-Q2", "2027-Q4", {2027: "300000"})
    await p.post("/programmes", {"programme_id": "finance", "name": "Finance",
                                 "description": "Finance systems", "sponsor": "CFO"},
                 ANALYST, 201)  # fmt: skip
    await p.post("/items/delivered/programme", {"programme_id": "finance"}, ANALYST)
    candidates = [{"id": "delivered", "title": "Payroll", "score": "8",
                   "cost_by_year": {"2027": "300000"}}]  # fmt: skip
    for scenario_id, budget in (("what-if", "500000"), ("cautious", "100000")):
        inputs = {"candidates": candidates, "budgets": {"2027": budget}, "currency": "EUR"}
        body = {"scenario_id": scenario_id, "name": scenario_id, "description": "2027",
                "inputs": inputs}  # fmt: skip
        await p.post("/scenarios", body, ANALYST, 201)


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def world(infra: Infrastructure) -> AsyncIterator[World]:
    name = f"pmo_test_{secrets.token_hex(6)}"
    url = await create_database(infra.database_url, name)
    base = settings_for(url)
    await upgrade(base.database_url, MIGRATIONS, SCHEMA)
    containers = [
        build(base.model_copy(update={"requesters_see_department": sharing}))
        for sharing in (False, True)
    ]
    apps = [create_app(c.settings, c) for c in containers]
    async with (
        apps[0].router.lifespan_context(apps[0]),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[0]), base_url="http://p") as off,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[1]), base_url="http://p") as on,
    ):
        container = containers[0]
        await given_the_portfolio(
            Portfolio(off, container, DemandIntake(container.store), container.settings)
        )
        world = World((off, on), container)
        world.given_events = await world.events_stored()
        yield world
    for c in containers:
        await c.engine.dispose()
    await drop_database(infra.database_url, name)


def figures_in(text: str) -> list[str]:
    """The item's amounts, in digits or in words, wherever they appear in an answer."""
    return [f for f in ("300000", "300,000", "900000", "900,000") if f in text]


@pytest.mark.parametrize(("caller", "item", "sharing", "sight"), CASES)
async def test_get_item_shows_what_the_caller_may_see(
    world: World, caller: str, item: str, sharing: int, sight: str
) -> None:
    response = await world.clients[sharing].get(f"/items/{item}", headers=world.headers(caller))

    if sight == NONE:
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"
        assert "Finance" not in response.text
        return
    assert response.status_code == 200, response.text
    view = response.json()
    assert (view["id"], view["facts"]["department"]) == (item, "Finance")
    assert view["figures_hidden"] is (sight == SUMMARY)
    decisions = view["decisions"]
    assert len(decisions) == (1 if item == "delivered" else 0)
    if sight == FULL:
        assert view["facts"]["estimated_cost"] == eur("300000")
        if item == "delivered":
            assert view["plan"]["cost_per_year"] == {"2027": eur("300000")}
            assert decisions[0]["business_case"]["estimated_cost"] == eur("300000")
            assert "300,000" in decisions[0]["applied_rules"][0]["reason"]
        return
    assert figures_in(response.text) == []
    assert view["facts"]["estimated_cost"] is None
    if item == "delivered":
        assert view["plan"]["start_quarter"] == "2027-Q2"
        assert view["plan"]["cost_per_year"] == {"2027": None}
        (decision,) = decisions
        assert decision["business_case"]["estimated_cost"] is None
        assert decision["business_case"]["benefits_estimate"] is None
        assert decision["business_case"]["problem"] == "Payroll is unsupported"
        assert decision["facts"]["estimated_cost"] is None
        assert [r["rule_id"] for r in decision["applied_rules"]] == ["cost-over-250k"]
        assert decision["applied_rules"][0]["reason"] is None


COMMANDS = {  # path, body, the roles that may send it
    "score": ("scores", {"model_id": "sm", "scores": {"value": 5},
               "justifications": {"value": "fits"}},
              {"pmo_analyst", "portfolio_board", "admin"}),
    "plan": ("plan", {"start_quarter": "2027-Q1", "end_quarter": "2027-Q1",
                      "cost_per_year": {"2027": eur("1")}}, {"pmo_analyst", "admin"}),
    "programme": ("programme", {"programme_id": "finance"}, {"pmo_analyst", "admin"}),
}  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("caller", "item", "sharing", "sight"), CASES)
async def test_a_command_on_an_item_checks_the_role_then_the_sight_and_writes_nothing(
    world: World, caller: str, item: str, sharing: int, sight: str, command: str
) -> None:
    path, body, roles = COMMANDS[command]
    response = await world.clients[sharing].post(
        f"/items/{item}/{path}",
        json=body,
        headers={**world.headers(caller), "If-Match": '"999"'},  # never applies if allowed
    )

    if not roles & set(CALLERS[caller].roles):  # a 403 that says nothing of the item
        assert response.status_code == 403, response.text
        assert response.json()["required_roles"] == sorted(roles)
        assert "Finance" not in response.text
    elif sight == NONE:
        assert response.status_code == 404, response.text
    else:  # refused for the stale If-Match, never for sight
        assert response.status_code == 409, response.text
    assert await world.events_stored() == world.given_events


@pytest.mark.parametrize("view", PORTFOLIO_WIDE)
@pytest.mark.parametrize("caller", CALLERS)
async def test_the_portfolio_wide_views_are_for_its_readers_only(
    world: World, caller: str, view: str
) -> None:
    # Sharing on: the most a requester may see, and still not these.
    response = await world.clients[1].get(PORTFOLIO_WIDE[view], headers=world.headers(caller))

    if caller in READERS:
        assert response.status_code == (404 if view.startswith("unknown") else 200), response.text
        return
    assert response.status_code == 403, response.text  # an unknown id too: nothing to probe
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "forbidden"
    assert response.json()["required_roles"] == sorted(PORTFOLIO_READERS)
    assert figures_in(response.text) == []


@pytest.mark.parametrize("view", GOVERNANCE_RULES)
@pytest.mark.parametrize("caller", CALLERS)
async def test_every_caller_may_read_the_rules_items_are_governed_and_scored_by(
    world: World, caller: str, view: str
) -> None:
    response = await world.clients[0].get(GOVERNANCE_RULES[view], headers=world.headers(caller))

    assert response.status_code == 200, response.text


def without_id(answer: httpx.Response, item_id: str) -> tuple[int, dict[str, Any]]:
    """The answer with the id asked for taken out, and its correlation and trace ids (one per
    request; the trace id is there once another test has installed a tracer provider)."""
    body = orjson.loads(answer.text.replace(item_id, "<id>"))
    del body["correlation_id"]
    body.pop("trace_id", None)
    return answer.status_code, body


async def test_a_hidden_item_and_an_unknown_id_answer_alike(world: World) -> None:
    hidden = await world.clients[0].get("/items/pending", headers=world.headers("stranger"))
    unknown = await world.clients[0].get("/items/no-such-item", headers=world.headers("stranger"))

    assert hidden.status_code == 404
    assert without_id(hidden, "pending") == without_id(unknown, "no-such-item")


async def test_a_command_refused_for_its_role_says_nothing_of_the_item(world: World) -> None:
    body = COMMANDS["score"][1]
    hidden, unknown = [
        await world.clients[0].post(
            f"/items/{item_id}/scores", json=body, headers=world.headers("stranger")
        )
        for item_id in ("pending", "no-such-item")
    ]

    assert hidden.status_code == 403
    assert without_id(hidden, "pending") == without_id(unknown, "no-such-item")
