"""overAllocationRaised (graphql-transport-ws): a projector batch that over-allocates a person in
new weeks is pushed, with those weeks, to the subscribers who may see that person."""

from __future__ import annotations

import warnings

import pytest

with warnings.catch_warnings():  # starlette would rather have httpx2 under its TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from pmo_kernel.settings import Settings
from pmo_reporting.gateway.app import create_app
from pmo_reporting.gateway.capacity_alerts import watch_of
from tests.reporting.capacity_factory import Capacity, project_capacity
from tests.reporting.test_gateway_subscriptions import PROTOCOL, wait_until
from tests.reporting.test_portfolio_subscriptions import connect, subscribe
from tests.support import bearer

pytestmark = pytest.mark.integration

RAISED = """subscription {
  overAllocationRaised { person { id } weeks { week availableHours allocatedHours } }
}"""


def test_a_line_manager_is_told_when_a_batch_over_allocates_one_of_their_people(
    settings: Settings, reporting_db: str
) -> None:
    capacity = Capacity()
    capacity.calendar("BE")
    capacity.person("ann", manager="marc")  # marc's
    capacity.person("bob", manager="nina")  # not marc's
    capacity.allocate("ann", "A-1", "P-1", "2027-W16", "2027-W17", "30")  # fits
    app = create_app(settings)
    with (
        TestClient(app) as client,
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws,
    ):
        project = client.portal.call  # type: ignore[union-attr]
        project(project_capacity, reporting_db, capacity.events)
        watch = watch_of(app.state.gateway.changes, app.state.gateway.capacity_read_model)
        connect(ws, bearer(settings, "marc", "requester"))
        subscribe(ws, RAISED, {})
        wait_until(lambda: watch.subscriber_count == 1 and watch.ready.is_set())

        told = len(capacity.events)
        capacity.allocate("bob", "B-1", "P-2", "2027-W16", "2027-W16", "50")  # bob's: not told
        project(project_capacity, reporting_db, capacity.events[told:])
        told = len(capacity.events)
        capacity.allocate("ann", "A-2", "P-2", "2027-W17", "2027-W18", "20")  # W17 now 50 h
        project(project_capacity, reporting_db, capacity.events[told:])
        raised = ws.receive_json()  # the first told
        ws.send_json({"id": "1", "type": "complete"})

    assert raised["payload"]["data"]["overAllocationRaised"] == {
        "person": {"id": "ann"},
        "weeks": [{"week": "2027-W17", "availableHours": "40.00", "allocatedHours": "50.00"}],
    }
