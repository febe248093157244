"""Who sees which demand over REST, and whether with its costs: role x endpoint x ownership.

One demand, by alice of Finance, sponsored by "Carol King". Every caller below asks for it
through each read endpoint and one command, against a service where requesters see their
department's demands (without costs) and one where they see only their own.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio

from pmo_demand.bootstrap import MIGRATIONS, SCHEMA, build, create_app
from pmo_kernel.infra.databases import create_database, drop_database
from pmo_kernel.migrations import upgrade
from pmo_kernel.store import EventStore
from tests.demand.integration.test_demand_api import submission
from tests.infra import Infrastructure
from tests.support import bearer, settings_for


@dataclass(frozen=True)
class Caller:
    subject: str
    roles: tuple[str, ...]
    name: str | None = None
    department: str | None = None


CALLERS = {
    "owner": Caller("alice", ("requester",), department="Finance"),
    "sponsor": Caller("u-417", ("requester",), name="carol  king", department="Board"),
    "colleague": Caller("bob", ("requester",), department="Finance"),
    "stranger": Caller("eve", ("requester",), department="Sales"),
    "project_manager": Caller("pm", ("project_manager",), department="Finance"),
    "resource_manager": Caller("rm", ("resource_manager",)),
    "pmo_analyst": Caller("paul", ("pmo_analyst",)),
    "portfolio_board": Caller("bo", ("portfolio_board",)),
    "executive": Caller("ceo", ("executive",)),
    "auditor": Caller("audrey", ("auditor",)),
    "admin": Caller("root", ("admin",)),
}

# caller -> sight with department sharing off, and on
FULL, SUMMARY, NONE = "full", "summary", "none"
EXPECTED = {
    "owner": (FULL, FULL),
    "sponsor": (FULL, FULL),
    "colleague": (NONE, SUMMARY),
    "stranger": (NONE, NONE),
    "project_manager": (NONE, SUMMARY),  # demands are not delivered yet: department only
    "resource_manager": (NONE, NONE),
    "pmo_analyst": (FULL, FULL),
    "portfolio_board": (FULL, FULL),
    "executive": (FULL, FULL),
    "auditor": (FULL, FULL),
    "admin": (FULL, FULL),
}
CASES = [
    pytest.param(caller, sharing, EXPECTED[caller][sharing], id=f"{caller}-sharing-{sharing}")
    for caller in CALLERS
    for sharing in (0, 1)
]


@dataclass
class World:
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient]  # sharing off, on
    demand_id: str
    store: EventStore

    async def events_stored(self) -> int:
        count, _ = await self.store.stats()
        return count

    def headers(self, who: str) -> dict[str, str]:
        c = CALLERS[who]
        return bearer(settings, c.subject, *c.roles, name=c.name, department=c.department)


settings = settings_for("postgresql://unused")


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
        httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[0]), base_url="http://d") as off,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[1]), base_url="http://d") as on,
    ):
        body = submission(sponsor="Carol King")
        created = await off.post("/demands", json=body, headers=bearer(
            settings, "alice", "requester", department="Finance"
        ))  # fmt: skip
        assert created.status_code == 201, created.text
        yield World((off, on), created.json()["id"], containers[0].store)
    for container in containers:
        await container.engine.dispose()
    await drop_database(infra.database_url, name)


@pytest.mark.parametrize(("caller", "sharing", "sight"), CASES)
async def test_get_demand_shows_what_the_caller_may_see(
    world: World, caller: str, sharing: int, sight: str
) -> None:
    response = await world.clients[sharing].get(
        f"/demands/{world.demand_id}", headers=world.headers(caller)
    )

    if sight == NONE:
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert "Finance" not in response.text
        return
    assert response.status_code == 200
    view = response.json()
    assert view["figures_hidden"] is (sight == SUMMARY)
    cost = view["business_case"]["estimated_cost"]
    benefits = view["business_case"]["benefits_estimate"]
    if sight == FULL:
        assert cost == {"amount": "120000", "currency": "EUR"}
        assert benefits == {"amount": "300000", "currency": "EUR"}
    else:
        assert cost is None
        assert benefits is None
        assert view["business_case"]["problem"] == "Unsupported software"


@pytest.mark.parametrize(("caller", "sharing", "sight"), CASES)
async def test_the_event_history_carries_costs_so_it_needs_full_sight(
    world: World, caller: str, sharing: int, sight: str
) -> None:
    response = await world.clients[sharing].get(
        f"/demands/{world.demand_id}/events", headers=world.headers(caller)
    )

    expected = {FULL: 200, SUMMARY: 403, NONE: 404}[sight]
    assert response.status_code == expected, response.text
    if sight == FULL:
        assert response.json()[0]["payload"]["business_case"]["estimated_cost"]["amount"] == (
            "120000"
        )


@pytest.mark.parametrize(("caller", "sharing", "sight"), CASES)
async def test_a_command_on_a_demand_the_caller_cannot_see_is_a_404_and_writes_nothing(
    world: World, caller: str, sharing: int, sight: str
) -> None:
    response = await world.clients[sharing].post(
        f"/demands/{world.demand_id}/withdrawal",
        json={"reason": "no longer needed"},
        headers={**world.headers(caller), "If-Match": '"999"'},  # never applies if allowed
    )

    may_withdraw = {"requester", "admin"} & set(CALLERS[caller].roles)
    if not may_withdraw:  # the role is checked first: a 403 that says nothing of the demand
        assert response.status_code == 403, response.text
        assert response.json()["required_roles"] == ["admin", "requester"]
    elif sight == NONE:
        assert response.status_code == 404, response.text
    else:  # refused for its role, its ownership or the stale If-Match, never for sight
        assert response.status_code in (403, 409, 412), response.text
    assert await world.events_stored() == 1


async def test_an_unknown_id_and_a_hidden_demand_answer_alike(world: World) -> None:
    hidden = await world.clients[0].get(
        f"/demands/{world.demand_id}", headers=world.headers("stranger")
    )
    unknown = await world.clients[0].get(
        "/demands/00000000-0000-0000-0000-000000000000", headers=world.headers("stranger")
    )

    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json().keys() == unknown.json().keys()
