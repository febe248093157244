"""Each caller has an allowance of commands: a burst, then a steady rate. Beyond it a command
is refused with 429 problem+json and Retry-After, and nothing is written."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from pmo_demand.bootstrap import MIGRATIONS, SCHEMA, build, create_app
from pmo_kernel.errors import RateLimited
from pmo_kernel.migrations import upgrade
from pmo_kernel.rate_limit import CommandAllowance
from tests.demand.integration.test_demand_api import submission
from tests.support import bearer, settings_for


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_command_per_interval() -> None:
    clock = Clock()
    allowance = CommandAllowance(per_minute=60, burst=3, clock=clock)
    for _ in range(3):
        allowance.take("alice")

    with pytest.raises(RateLimited) as refused:
        allowance.take("alice")
    assert refused.value.retry_after_seconds == 1
    allowance.take("bob")  # another caller has an allowance of its own

    clock.now += 1.0
    allowance.take("alice")  # one more second, one more command
    with pytest.raises(RateLimited):
        allowance.take("alice")


def test_an_allowance_of_zero_is_no_limit() -> None:
    allowance = CommandAllowance(per_minute=0, burst=1)

    for _ in range(1000):
        allowance.take("alice")


def test_idle_callers_are_forgotten_beyond_the_bound() -> None:
    clock = Clock()
    allowance = CommandAllowance(per_minute=60, burst=1, clock=clock, max_callers=2)
    allowance.take("alice")
    allowance.take("bob")
    allowance.take("carol")  # alice, the least recently seen, is forgotten: full again

    allowance.take("alice")
    with pytest.raises(RateLimited):
        allowance.take("carol")


@pytest_asyncio.fixture(loop_scope="session")
async def limited_demand_api(fresh_database: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(fresh_database).model_copy(
        update={"command_rate_per_minute": 6, "command_burst": 3}
    )
    await upgrade(settings.database_url, MIGRATIONS, SCHEMA)
    container = build(settings)
    app = create_app(settings, container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://demand") as client:
        client.headers.update(bearer(settings, "alice", "requester"))
        yield client
    await container.engine.dispose()


async def test_the_command_beyond_a_callers_burst_is_a_429_that_writes_nothing(
    limited_demand_api: httpx.AsyncClient,
) -> None:
    api = limited_demand_api
    accepted = [await api.post("/demands", json=submission()) for _ in range(3)]

    refused = await api.post("/demands", json=submission())

    assert [a.status_code for a in accepted] == [201, 201, 201]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "10"  # 6 a minute: one every 10 s
    assert (refused.json()["code"], refused.json()["retry_after_seconds"]) == ("rate_limited", 10)
    read = await api.get(f"/demands/{accepted[0].json()['id']}")
    assert read.status_code == 200  # reads are not commands
    events = await api.get("/events", headers=bearer(settings_for(""), "ada", "auditor"))
    assert len(events.json()["events"]) == 3
