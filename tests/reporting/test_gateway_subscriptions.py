"""The demandChanged subscription (graphql-transport-ws): a push per change the projector
commits, delivered through PostgreSQL LISTEN/NOTIFY."""

from __future__ import annotations

import time
import warnings
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

with warnings.catch_warnings():  # starlette would rather have httpx2 under its TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from pmo_kernel.settings import Settings
from pmo_reporting.gateway.app import create_app
from tests.reporting.factory import DemandStory
from tests.reporting.support import project
from tests.support import bearer

pytestmark = pytest.mark.integration

PROTOCOL = "graphql-transport-ws"
SUBSCRIBE = """subscription ($id: ID) {
  demandChanged(id: $id) { demandId version eventType demand { id state version } }
}"""


def wait_until(check: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_a_subscriber_is_told_of_each_committed_change_to_its_demand(
    settings: Settings, reporting_db: str, requester_headers: dict[str, str]
) -> None:
    app = create_app(settings)
    other, mine = DemandStory("D-OTHER"), DemandStory("D-1")
    with (
        TestClient(app) as client,
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws,
    ):
        ws.send_json({"type": "connection_init", "payload": requester_headers})
        assert ws.receive_json() == {"type": "connection_ack"}
        ws.send_json(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": SUBSCRIBE, "variables": {"id": "D-1"}},
            }
        )
        wait_until(lambda: app.state.gateway.changes.subscriber_count == 1)

        events = [other.submitted(), mine.submitted(), mine.information_requested("Why?")]
        client.portal.call(project, reporting_db, events)  # type: ignore[union-attr]

        first, second = ws.receive_json(), ws.receive_json()
        assert first == {
            "id": "1",
            "type": "next",
            "payload": {
                "data": {
                    "demandChanged": {
                        "demandId": "D-1",
                        "version": 1,
                        "eventType": "DemandSubmitted",
                        # read when pushed: the demand has moved on since this change
                        "demand": {"id": "D-1", "state": "INFORMATION_REQUESTED", "version": 2},
                    }
                }
            },
        }
        assert second["payload"]["data"]["demandChanged"]["version"] == 2
        assert second["payload"]["data"]["demandChanged"]["eventType"] == "InformationRequested"
        ws.send_json({"id": "1", "type": "complete"})


def test_a_websocket_without_a_valid_token_is_refused(settings: Settings) -> None:
    app = create_app(settings, listen=False)
    with (
        TestClient(app) as client,
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws,
    ):
        ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer forged"}})
        with pytest.raises(WebSocketDisconnect) as refused:
            ws.receive_json()

    assert refused.value.code == 4403


def test_a_subscriber_hears_only_of_the_demands_it_may_see(
    settings: Settings, reporting_db: str
) -> None:
    app = create_app(settings)
    erin = bearer(settings, "erin", "requester", department="HR")
    others, hers = DemandStory("D-ALICE"), DemandStory("D-ERIN")
    with (
        TestClient(app) as client,
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws,
    ):
        ws.send_json({"type": "connection_init", "payload": erin})
        assert ws.receive_json() == {"type": "connection_ack"}
        ws.send_json(
            {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE, "variables": {}}}
        )
        wait_until(lambda: app.state.gateway.changes.subscriber_count == 1)

        # Alice's demand changes first, each time; Erin is told only of hers.
        for batch in (
            [others.submitted(), hers.submitted(requester="erin", department="HR")],
            [others.information_requested("Why?"), hers.information_requested("When?")],
        ):
            client.portal.call(project, reporting_db, batch)  # type: ignore[union-attr]
        first, second = ws.receive_json(), ws.receive_json()
        seen = [m["payload"]["data"]["demandChanged"] for m in (first, second)]
        assert [(c["demandId"], c["version"]) for c in seen] == [("D-ERIN", 1), ("D-ERIN", 2)]
        ws.send_json({"id": "1", "type": "complete"})
