"""Staffing drafts through GraphQL against the real capacity service (its REST API and event
store on PostgreSQL) and the real reporting read model: each of the six commands is forwarded
as the caller's, with expectedVersion and waitForReadModel; an adoption's allocations and fills
are in the read model when the mutation returns; a refused command is a coded error that
writes nothing; a comparison is the capacity service's own, forwarded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio

from pmo_capacity.bootstrap import create_app as create_capacity_app
from pmo_kernel.cloudevents import from_recorded
from pmo_kernel.settings import Settings
from pmo_reporting.gateway.app import create_app
from tests.capacity.integration.conftest import CapacityApi, capacity_api
from tests.capacity.integration.test_resource_requests_api import raise_request
from tests.capacity.integration.test_staffing_proposals_api import developer, propose
from tests.reporting.capacity_factory import project_capacity
from tests.reporting.support import error_codes, graphql
from tests.support import bearer

pytestmark = pytest.mark.integration

__all__ = ["capacity_api"]  # the capacity service's fixture, used here behind the gateway

WEEKS = 13  # raise_request's W10-W22


class CapacityBehindGateway(httpx.AsyncBaseTransport):
    """The capacity service as the gateway reaches it, with what stands behind it in the
    platform (the outbox relay, Kafka, the projector): a moment after a command answers, the
    events it appended are projected into the reporting read model from the service's log."""

    def __init__(self, api: CapacityApi, reporting_db: str) -> None:
        self.inner = httpx.ASGITransport(app=create_capacity_app(api.settings, api.container))
        self.api = api
        self.reporting_db = reporting_db
        self.calls: list[str] = []
        self.projecting: list[asyncio.Task[None]] = []
        self.lock = asyncio.Lock()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path}")
        response = await self.inner.handle_async_request(request)
        if request.method == "POST":
            self.projecting.append(asyncio.create_task(self.project()))
        return response

    async def project(self) -> None:
        """Everything in the capacity log, into the read model (what it has is skipped)."""
        async with self.lock:
            recorded = await self.api.container.store.read_all(limit=100_000)
            events = [from_recorded("capacity", r) for r in recorded]
            await project_capacity(self.reporting_db, events)


@dataclass
class Platform:
    gateway: httpx.AsyncClient
    capacity: CapacityBehindGateway
    api: CapacityApi
    settings: Settings

    def as_(self, subject: str, *roles: str) -> dict[str, str]:
        return bearer(self.settings, subject, *roles)

    async def run(self, who: dict[str, str], text: str, **variables: Any) -> Any:
        """The mutation or query `text`; its data, there being no error."""
        body = await graphql(self.gateway, text, variables, who)
        assert "errors" not in body, body
        return body["data"]


@pytest_asyncio.fixture(loop_scope="session")
async def platform(
    capacity_api: CapacityApi, reporting_db: str, settings: Settings
) -> AsyncIterator[Platform]:
    capacity = CapacityBehindGateway(capacity_api, reporting_db)
    app = create_app(settings, capacity_transport=capacity)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as client,
    ):
        yield Platform(client, capacity, capacity_api, settings)
    await asyncio.gather(*capacity.projecting)


MANAGER = ("rita", "resource_manager")


async def staff(platform: Platform) -> tuple[str, str, str, str]:
    """Ann and Bob, Python developers on 40 h weeks; requests of 24 h and 16 h a week for
    W10-W22, all in the read model: (ann, bob, first, second)."""
    api = platform.api
    await api.calendar()
    ann = await developer(api, "Ann", python=4)
    bob = await developer(api, "Bob", python=4)
    first = await raise_request(api, hours_per_week="24")
    second = await raise_request(api, hours_per_week="16")
    await platform.capacity.project()
    return ann, bob, first, second


DRAFT = "staffingDraft { version name status assignments { requestId personId } }"
START = f"""mutation {{ startStaffingDraft(input: {{name: "Plan B"}}) {{
  id version readModelCaughtUp {DRAFT} }} }}"""
ASSIGN = f"""mutation ($id: ID!, $request: String!, $person: String!, $v: Int, $hours: String) {{
  assignInStaffingDraft(id: $id, expectedVersion: $v,
    input: {{requestId: $request, personId: $person, hoursPerWeek: $hours}}) {{
    version readModelCaughtUp {DRAFT} }} }}"""


async def start(platform: Platform) -> str:
    started = (await platform.run(platform.as_(*MANAGER), START))["startStaffingDraft"]
    assert started["readModelCaughtUp"] is True
    assert started["staffingDraft"] == {
        "version": 1, "name": "Plan B", "status": "ACTIVE", "assignments": [],
    }  # fmt: skip
    draft_id: str = started["id"]
    return draft_id


async def assign(platform: Platform, draft: str, request: str, person: str, v: int) -> Any:
    variables = {"id": draft, "request": request, "person": person, "v": v}
    return (await platform.run(platform.as_(*MANAGER), ASSIGN, **variables))[
        "assignInStaffingDraft"
    ]


ADOPT = """mutation ($id: ID!, $v: Int) { adoptStaffingDraft(id: $id, expectedVersion: $v) {
  version readModelCaughtUp details
  staffingDraft { status name filledHours closedBy
    adopted { requestId personId overAllocated allocation { id kind hoursPerWeek } } } } }"""


async def test_a_draft_built_renamed_and_adopted_through_graphql_books_its_people_in_the_read_model(
    platform: Platform,
) -> None:
    ann, bob, first, second = await staff(platform)
    manager = platform.as_(*MANAGER)
    draft = await start(platform)
    await assign(platform, draft, first, ann, 1)
    assigned = await assign(platform, draft, second, bob, 2)
    renamed = await platform.run(
        manager,
        "mutation ($id: ID!) { renameStaffingDraft(id: $id, expectedVersion: 3, input: {name: "
        '"Plan C"}) { version staffingDraft { name } } }',
        id=draft,
    )
    before = await platform.run(
        manager, "query ($id: ID!) { resourceRequest(id: $id) { status } }", id=first
    )

    adopted = (await platform.run(manager, ADOPT, id=draft, v=4))["adoptStaffingDraft"]

    assert assigned["staffingDraft"]["assignments"] == sorted(
        [{"requestId": first, "personId": ann}, {"requestId": second, "personId": bob}],
        key=lambda a: a["requestId"],
    )
    assert renamed["renameStaffingDraft"] == {"version": 4, "staffingDraft": {"name": "Plan C"}}
    assert before["resourceRequest"] == {"status": "OPEN"}  # a draft books nobody
    assert (adopted["version"], adopted["readModelCaughtUp"]) == (5, True)
    assert set(adopted["details"]["moved_streams"]) == {
        f"request/{first}", f"request/{second}", f"person/{ann}", f"person/{bob}",
    }  # fmt: skip
    shown = adopted["staffingDraft"]
    assert (shown["status"], shown["name"], shown["closedBy"]) == ("ADOPTED", "Plan C", "rita")
    assert Decimal(shown["filledHours"]) == (24 + 16) * WEEKS
    allocation = {a["personId"]: a["allocation"] for a in shown["adopted"]}
    assert {p: (a["kind"], a["hoursPerWeek"]) for p, a in allocation.items()} == {
        ann: ("SOFT", "24.00"), bob: ("SOFT", "16.00"),
    }  # fmt: skip
    after = await platform.run(
        manager,
        """query ($ann: ID!) { resourceRequests(status: FILLED) { totalCount
             edges { node { id allocationId } } }
           person(id: $ann) { allocations { id projectId } } }""",
        ann=ann,
    )
    filled = {
        e["node"]["id"]: e["node"]["allocationId"] for e in after["resourceRequests"]["edges"]
    }
    assert filled == {first: allocation[ann]["id"], second: allocation[bob]["id"]}
    assert after["person"]["allocations"] == [{"id": allocation[ann]["id"], "projectId": "erp"}]


async def test_an_unassigned_draft_discarded_through_graphql_keeps_why(
    platform: Platform,
) -> None:
    ann, _, first, _ = await staff(platform)
    manager = platform.as_(*MANAGER)
    draft = await start(platform)
    await assign(platform, draft, first, ann, 1)

    unassigned = await platform.run(
        manager,
        f"""mutation ($id: ID!, $request: String!) {{ unassignInStaffingDraft(id: $id,
             expectedVersion: 2, input: {{requestId: $request}}) {{ version {DRAFT} }} }}""",
        id=draft,
        request=first,
    )
    discarded = await platform.run(
        manager,
        """mutation ($id: ID!) { discardStaffingDraft(id: $id, input: {reason: "re-planned"}) {
             version staffingDraft { status discardReason closedBy } } }""",
        id=draft,
    )

    assert unassigned["unassignInStaffingDraft"]["staffingDraft"]["assignments"] == []
    assert discarded["discardStaffingDraft"] == {
        "version": 4,
        "staffingDraft": {"status": "DISCARDED", "discardReason": "re-planned", "closedBy": "rita"},
    }


async def test_a_bad_assignment_is_a_coded_error_and_writes_nothing(platform: Platform) -> None:
    ann, _, first, _ = await staff(platform)
    draft = await start(platform)
    stored = await platform.api.events_stored()
    calls = len(platform.capacity.calls)
    manager = platform.as_(*MANAGER)
    variables = {"id": draft, "request": first, "person": ann}

    negative = await graphql(platform.gateway, ASSIGN, {**variables, "hours": "-8"}, manager)
    nobody = await graphql(platform.gateway, ASSIGN, {**variables, "person": "nobody"}, manager)
    stale = await graphql(platform.gateway, ASSIGN, {**variables, "v": 7}, manager)
    version_zero = await graphql(platform.gateway, ASSIGN, {**variables, "v": 0}, manager)

    assert error_codes(negative) == ["VALIDATION_FAILED"]
    assert error_codes(nobody) == ["NOT_FOUND"]
    assert error_codes(stale) == ["CONCURRENCY_CONFLICT"]
    assert error_codes(version_zero) == ["BAD_USER_INPUT"]
    assert len(platform.capacity.calls) == calls + 3  # expectedVersion 0 never left the gateway
    assert await platform.api.events_stored() == stored
    await platform.capacity.project()
    read = await platform.run(
        manager,
        "query ($id: ID!) { staffingDraft(id: $id) { version name status assignments { "
        "requestId personId } } }",
        id=draft,
    )
    assert read["staffingDraft"] == {
        "version": 1, "name": "Plan B", "status": "ACTIVE", "assignments": [],
    }  # fmt: skip


async def test_an_adoption_that_would_overbook_names_the_weeks_and_books_nobody(
    platform: Platform,
) -> None:
    ann, _, first, second = await staff(platform)
    manager = platform.as_(*MANAGER)
    draft = await start(platform)
    await assign(platform, draft, first, ann, 1)
    variables = {"id": draft, "request": second, "person": ann, "v": 2, "hours": "24"}
    await platform.run(manager, ASSIGN, **variables)  # 24 h + 24 h on Ann's 40 h weeks
    stored = await platform.api.events_stored()

    refused = await graphql(platform.gateway, ADOPT, {"id": draft, "v": 3}, manager)

    [error] = refused["errors"]
    assert error["extensions"]["code"] == "OVER_ALLOCATION"
    [overbooked] = error["extensions"]["overbooked"]
    assert (overbooked["person_id"], len(overbooked["weeks"])) == (ann, WEEKS)
    assert await platform.api.events_stored() == stored
    await platform.capacity.project()
    after = await platform.run(
        manager,
        """query ($id: ID!) { staffingDraft(id: $id) { status adopted { requestId } }
             resourceRequests(status: OPEN) { totalCount } }""",
        id=draft,
    )
    assert after == {
        "staffingDraft": {"status": "ACTIVE", "adopted": []},
        "resourceRequests": {"totalCount": 2},
    }


COMPARE = """query ($a: ID!, $b: ID!, $kind: StaffingPlanKind) {
  staffingDraftComparison(a: $a, b: $b, bKind: $kind) {
    a { kind id version } b { kind id version }
    aEvaluation { value filledHours unfilled overbooked { week } capacityPosition }
    bEvaluation { value filledHours unfilled assignments { requestId personId } }
    requests { requestId same a { personId } b { personId person { id } } }
    valueDifference filledHoursDifference overbookedWeeksDifference } }"""


async def test_a_comparison_is_the_capacity_services_own_for_readers_only(
    platform: Platform,
) -> None:
    ann, bob, first, second = await staff(platform)
    manager = platform.as_(*MANAGER)
    both, one = await start(platform), await start(platform)
    await assign(platform, both, first, ann, 1)
    await assign(platform, both, second, bob, 2)
    await assign(platform, one, first, ann, 1)
    proposal = await propose(platform.api, request_ids=[first, second])
    service = await platform.api.client.get(
        f"/staffing-drafts/{both}/comparison", params={"with": one}, headers=manager
    )

    drafts = await platform.run(manager, COMPARE, a=both, b=one)
    with_proposal = await platform.run(manager, COMPARE, a=one, b=proposal["id"], kind="PROPOSAL")
    unknown = await platform.run(manager, COMPARE, a=both, b="no-such-draft")
    calls = len(platform.capacity.calls)
    outsider = await platform.run(platform.as_("grace", "requester"), COMPARE, a=both, b=one)

    found = drafts["staffingDraftComparison"]
    expected = service.json()
    assert (found["a"], found["b"]) == (
        {"kind": "DRAFT", "id": both, "version": 3}, {"kind": "DRAFT", "id": one, "version": 2},
    )  # fmt: skip
    assert Decimal(found["filledHoursDifference"]) == -16 * WEEKS
    assert found["valueDifference"] == str(expected["value_difference"])
    assert found["aEvaluation"]["value"] == str(expected["a_evaluation"]["value"])
    assert (found["aEvaluation"]["unfilled"], found["bEvaluation"]["unfilled"]) == ([], [second])
    assert found["overbookedWeeksDifference"] == 0
    assert sorted(found["requests"], key=lambda r: r["requestId"] != first) == [
        {"requestId": first, "same": True, "a": {"personId": ann},
         "b": {"personId": ann, "person": {"id": ann}}},
        {"requestId": second, "same": False, "a": {"personId": bob}, "b": None},
    ]  # fmt: skip
    versus = with_proposal["staffingDraftComparison"]
    assert versus["b"] == {"kind": "PROPOSAL", "id": proposal["id"], "version": 1}
    assert {a["requestId"] for a in versus["bEvaluation"]["assignments"]} == {first, second}
    assert unknown == {"staffingDraftComparison": None}
    assert outsider == {"staffingDraftComparison": None}
    assert len(platform.capacity.calls) == calls  # nothing was asked for the outsider
