"""Capacity mutations forward commands to the capacity REST API (a stub here: httpx
MockTransport), with the caller's token, If-Match and Idempotency-Key, and the service's
problems as errors with codes; with waitForReadModel they return once the capacity projection
has every stream the command moved, and read them afresh."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from pmo_capacity.bootstrap import create_app as create_capacity_app
from pmo_kernel.settings import Settings
from pmo_reporting.gateway.app import create_app
from pmo_reporting.gateway.capacity_mutations import COMMANDS
from tests.reporting.capacity_factory import Capacity, project_capacity
from tests.reporting.staffing_factory import Staffing
from tests.reporting.support import graphql
from tests.reporting.test_portfolio_mutations import Sent, StubPortfolioApi
from tests.support import bearer, settings_for

pytestmark = pytest.mark.integration

Headers = dict[str, str]
StubCapacityApi = StubPortfolioApi  # the same recording stub: {id, version} answers


@pytest.fixture
def capacity_api() -> StubCapacityApi:
    return StubCapacityApi()


@pytest.fixture
def manager(settings: Settings) -> Headers:
    return bearer(settings, "marc", "resource_manager", name="Marc")


@pytest_asyncio.fixture(loop_scope="session")
async def gateway(
    settings: Settings, capacity_api: StubCapacityApi
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, capacity_transport=httpx.MockTransport(capacity_api.handle))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as client,
    ):
        yield client


async def test_an_absence_report_goes_to_the_capacity_api_as_the_callers_command(
    gateway: httpx.AsyncClient, capacity_api: StubCapacityApi, manager: Headers
) -> None:
    capacity_api.replies[("POST", "/people/ann%201/availability-reports")] = (
        200, {"id": "ann 1", "version": 4, "event_ids": ["e-1"], "replayed": False},
    )  # fmt: skip

    result = await graphql(
        gateway,
        """mutation { reportAvailability(id: "ann 1", expectedVersion: 3, idempotencyKey: "k-1",
             waitForReadModel: false,
             input: {week: "2027-W12", absenceHours: "16", note: "dentist"}) {
             id version details readModelCaughtUp } }""",
        None,
        manager,
    )

    assert result.get("errors") is None, result
    answer = result["data"]["reportAvailability"]
    assert (answer["id"], answer["version"]) == ("ann 1", 4)
    assert answer["details"] == {"event_ids": ["e-1"], "replayed": False}
    [sent] = capacity_api.sent
    assert sent.body == {"week": "2027-W12", "absence_hours": "16", "note": "dentist"}
    assert sent.headers["if-match"] == '"3"'
    assert sent.headers["idempotency-key"] == "k-1"
    assert sent.headers["authorization"] == manager["Authorization"]


async def test_a_proposal_is_made_without_input_and_accepted_by_request(
    gateway: httpx.AsyncClient, capacity_api: StubCapacityApi, manager: Headers
) -> None:
    capacity_api.replies[("POST", "/staffing-proposals/P-1/assignments/R%2F2/acceptance")] = (
        200, {"id": "P-1", "version": 2, "event_ids": [], "allocation_id": "A-9"},
    )  # fmt: skip

    made = await graphql(
        gateway,
        "mutation { proposeStaffing(waitForReadModel: false) { id version } }",
        None,
        manager,
    )
    accepted = await graphql(
        gateway,
        """mutation { acceptProposedAssignment(id: "P-1", input: {requestId: "R/2"},
             waitForReadModel: false) {
             version details } }""",
        None,
        manager,
    )

    assert made.get("errors") is None, made
    assert accepted.get("errors") is None, accepted
    assert accepted["data"]["acceptProposedAssignment"]["details"]["allocation_id"] == "A-9"
    assert [(s.path, s.body) for s in capacity_api.sent] == [
        ("/staffing-proposals", {}),
        ("/staffing-proposals/P-1/assignments/R%2F2/acceptance", {}),
    ]


async def test_an_overbooking_is_an_error_naming_the_weeks(
    gateway: httpx.AsyncClient, capacity_api: StubCapacityApi, manager: Headers
) -> None:
    capacity_api.replies[("POST", "/people/ann/allocations")] = (
        422,
        {"status": 422, "code": "over_allocation", "detail": "32 h a week overbooks Ann",
         "overbooked_weeks": [{"week": "2027-W12", "available_hours": "24.00",
                               "allocated_hours": "32.00"}]},
    )  # fmt: skip

    result = await graphql(
        gateway,
        """mutation { proposeAllocation(id: "ann", input: {projectId: "erp",
             startWeek: "2027-W10", endWeek: "2027-W12", hoursPerWeek: "32"}) { id } }""",
        None,
        manager,
    )

    [error] = result["errors"]
    assert error["extensions"]["code"] == "OVER_ALLOCATION"
    assert error["extensions"]["overbookedWeeks"][0]["week"] == "2027-W12"
    assert capacity_api.sent[0].body == {
        "project_id": "erp", "start_week": "2027-W10", "end_week": "2027-W12",
        "hours_per_week": "32",
    }  # fmt: skip


def test_every_capacity_command_route_has_one_mutation() -> None:
    service = create_capacity_app(settings_for("postgresql+asyncpg://unused/none"))
    posts = {  # the REST routes with the mutation's name for the first id: {id}
        re.sub(r"\{[a-z_]+\}", "{id}", path, count=1)
        for path, operations in service.openapi()["paths"].items()
        if "post" in operations
    }
    routes = [c.route for c in COMMANDS]

    assert len(set(routes)) == len(routes)
    assert posts - set(routes) == NOT_MUTATIONS
    assert set(routes) <= posts


# A CSV upload is a file, not a GraphQL input: it stays a REST call.
NOT_MUTATIONS = {"/people/import"}


ACCEPT = """mutation { acceptProposedAssignment(id: "P-1", input: {requestId: "R-1"},
  waitForReadModel: true) {
  readModelCaughtUp details person { id allocations { id } } resourceRequest { id status }
  staffingProposal { id assignments { decision allocationId } } } }"""


def proposed() -> Staffing:
    capacity = Capacity()
    capacity.calendar("BE")
    capacity.person("ann")
    staffing = Staffing(capacity)
    staffing.request("R-1")
    staffing.propose("P-1", {"R-1": "ann"})
    return staffing


async def test_an_acceptance_waits_for_the_proposal_the_request_and_the_person(
    gateway: httpx.AsyncClient, capacity_api: StubCapacityApi, reporting_db: str, manager: Headers
) -> None:
    # The acceptance appends to the proposal (answered), the request and the person (named in
    # the answer); the projector commits the proposal's event first, the others a moment later.
    staffing = proposed()
    await project_capacity(reporting_db, staffing.capacity.events)
    already = len(staffing.capacity.events)
    staffing.accept("P-1", "R-1", "A-9")
    proposal_event, *request_and_person = staffing.capacity.events[already:]
    pending: list[asyncio.Task[Any]] = []

    async def project_later(sent: Sent) -> None:
        async def later() -> None:
            await project_capacity(reporting_db, [proposal_event])
            await asyncio.sleep(0.3)
            await project_capacity(reporting_db, request_and_person)

        pending.append(asyncio.create_task(later()))

    capacity_api.on_command = project_later
    person, request = staffing.capacity.people["ann"], staffing.requests["R-1"]
    capacity_api.replies[("POST", "/staffing-proposals/P-1/assignments/R-1/acceptance")] = (
        200, {"id": "P-1", "version": 2, "event_ids": [], "allocation_id": "A-9",
              "person_id": "ann", "person_version": person.version, "request_id": "R-1",
              "request_version": request.version},
    )  # fmt: skip

    result = await graphql(gateway, ACCEPT, None, manager)

    await asyncio.gather(*pending)
    assert "errors" not in result, result
    answer = result["data"]["acceptProposedAssignment"]
    assert answer["readModelCaughtUp"] is True
    assert answer["person"] == {"id": "ann", "allocations": [{"id": "A-9"}]}
    assert answer["resourceRequest"] == {"id": "R-1", "status": "FILLED"}
    assert answer["staffingProposal"] == {
        "id": "P-1", "assignments": [{"decision": "ACCEPTED", "allocationId": "A-9"}],
    }  # fmt: skip


async def test_a_capacity_command_not_yet_projected_shows_no_fresh_read(
    settings: Settings, capacity_api: StubCapacityApi, manager: Headers
) -> None:
    capacity_api.replies[("POST", "/resource-requests")] = (
        201, {"id": "R-7", "version": 1, "event_ids": []},
    )  # fmt: skip
    app = create_app(
        settings, capacity_transport=httpx.MockTransport(capacity_api.handle), listen=False
    )
    query = """mutation { raiseResourceRequest(input: {projectId: "erp", role: DEVELOPER,
        startWeek: "2027-W10", endWeek: "2027-W12", hoursPerWeek: "24"}, waitForReadModel: true)
        { readModelCaughtUp resourceRequest { id } staffingProposal { id } person { id } } }"""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as client,
    ):
        app.state.gateway.read_model_wait_seconds = 0.3
        result = await graphql(client, query, headers=manager)

    assert result.get("errors") is None, result
    assert result["data"]["raiseResourceRequest"] == {
        "readModelCaughtUp": False, "resourceRequest": None, "staffingProposal": None,
        "person": None,
    }  # fmt: skip
