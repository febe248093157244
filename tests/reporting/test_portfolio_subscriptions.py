"""The portfolio subscriptions (graphql-transport-ws): portfolioItemChanged and portfolioChanged
push what the portfolio projection commits, from its in-transaction NOTIFY of stream versions."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

with warnings.catch_warnings():  # starlette would rather have httpx2 under its TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient, WebSocketTestSession

from pmo_kernel.settings import Settings
from pmo_reporting.gateway.app import create_app
from tests.reporting.portfolio_factory import Item, body, meeting, project_portfolio
from tests.reporting.test_gateway_subscriptions import PROTOCOL, wait_until
from tests.support import bearer

pytestmark = pytest.mark.integration

ITEM_CHANGED = """subscription ($id: ID) {
  portfolioItemChanged(id: $id) { itemId version item { id version state currentGate } }
}"""
PORTFOLIO_CHANGED = """subscription ($types: [PortfolioStreamType!], $id: ID) {
  portfolioChanged(streamTypes: $types, id: $id) { streamType streamId version }
}"""
ITEM_QUERY = "query ($id: ID!) { portfolioItem(id: $id) { id version state } }"


def subscribe(ws: WebSocketTestSession, query: str, variables: dict[str, Any]) -> None:
    ws.send_json(
        {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}
    )


def connect(ws: WebSocketTestSession, headers: dict[str, str]) -> None:
    ws.send_json({"type": "connection_init", "payload": headers})
    assert ws.receive_json() == {"type": "connection_ack"}


def test_a_subscriber_is_told_of_each_committed_change_to_its_portfolio_item(
    settings: Settings, reporting_db: str, requester_headers: dict[str, str]
) -> None:
    app = create_app(settings)
    other, mine = Item("P-OTHER").registered(), Item("P-1").registered()
    with (
        TestClient(app) as client,
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws,
    ):
        connect(ws, requester_headers)
        subscribe(ws, ITEM_CHANGED, {"id": "P-1"})
        wait_until(lambda: app.state.gateway.changes.subscriber_count == 1)

        client.portal.call(project_portfolio, reporting_db, other.events + mine.events)  # type: ignore[union-attr]
        registered = ws.receive_json()
        mine.decided("DEC-1", state="approved", gate="G2")
        client.portal.call(project_portfolio, reporting_db, mine.events[-1:])  # type: ignore[union-attr]
        decided = ws.receive_json()
        # Told once committed: a query right after the notice reads that version.
        queried = client.post(
            "/graphql",
            json={"query": ITEM_QUERY, "variables": {"id": "P-1"}},
            headers=requester_headers,
        ).json()
        ws.send_json({"id": "1", "type": "complete"})

    assert registered == {
        "id": "1",
        "type": "next",
        "payload": {
            "data": {
                "portfolioItemChanged": {
                    "itemId": "P-1",
                    "version": 1,
                    "item": {"id": "P-1", "version": 1, "state": "CANDIDATE", "currentGate": "G1"},
                }
            }
        },
    }
    assert decided["payload"]["data"]["portfolioItemChanged"] == {
        "itemId": "P-1",
        "version": 2,
        "item": {"id": "P-1", "version": 2, "state": "APPROVED", "currentGate": "G2"},
    }
    assert queried == {"data": {"portfolioItem": {"id": "P-1", "version": 2, "state": "APPROVED"}}}


def test_a_subscriber_to_every_item_is_told_of_each_items_change_and_of_no_other_stream(
    settings: Settings, reporting_db: str, requester_headers: dict[str, str]
) -> None:
    app = create_app(settings)
    first, second = Item("P-1").registered(), Item("P-2").registered()
    with (
        TestClient(app) as client,
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws,
    ):
        connect(ws, requester_headers)
        subscribe(ws, ITEM_CHANGED, {})
        wait_until(lambda: app.state.gateway.changes.subscriber_count == 1)

        events = body("P-1").events + first.events + second.events  # a body with an item's id
        client.portal.call(project_portfolio, reporting_db, events)  # type: ignore[union-attr]
        # Then a later change: told right after the first two, nothing came between.
        client.portal.call(project_portfolio, reporting_db, Item("P-3").registered().events)  # type: ignore[union-attr]
        told = [ws.receive_json()["payload"]["data"]["portfolioItemChanged"] for _ in range(3)]
        ws.send_json({"id": "1", "type": "complete"})

    assert [(change["itemId"], change["version"]) for change in told] == [
        ("P-1", 1),
        ("P-2", 1),
        ("P-3", 1),
    ]


def test_portfolio_changed_tells_the_stream_type_id_and_version_of_the_types_asked_for(
    settings: Settings, reporting_db: str, analyst_headers: dict[str, str]
) -> None:
    app = create_app(settings)
    item, committee = Item("P-1").registered().revised(2), body("IC")
    with (
        TestClient(app) as client,
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws,
    ):
        connect(ws, analyst_headers)
        subscribe(ws, PORTFOLIO_CHANGED, {"types": ["GOVERNANCE_BODY"]})
        wait_until(lambda: app.state.gateway.changes.subscriber_count == 1)

        client.portal.call(project_portfolio, reporting_db, item.events + committee.events)  # type: ignore[union-attr]
        client.portal.call(project_portfolio, reporting_db, body("SC").events)  # type: ignore[union-attr]
        told = [ws.receive_json()["payload"]["data"]["portfolioChanged"] for _ in range(2)]
        ws.send_json({"id": "1", "type": "complete"})

    # One change per stream and batch, at the last version the batch reached; not the item's.
    assert told == [
        {"streamType": "GOVERNANCE_BODY", "streamId": "IC", "version": committee.version},
        {"streamType": "GOVERNANCE_BODY", "streamId": "SC", "version": committee.version},
    ]


def test_portfolio_changed_without_types_tells_every_stream_of_the_id_asked_for(
    settings: Settings, reporting_db: str, requester_headers: dict[str, str]
) -> None:
    app = create_app(settings)
    committee = body("X-1")
    events = committee.events + Item("X-1").registered().events + Item("X-2").registered().events
    later = Item("X-1").registered().revised(2).events[-1:]
    with (
        TestClient(app) as client,
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws,
    ):
        connect(ws, requester_headers)
        subscribe(ws, PORTFOLIO_CHANGED, {"id": "X-1"})
        wait_until(lambda: app.state.gateway.changes.subscriber_count == 1)

        client.portal.call(project_portfolio, reporting_db, events)  # type: ignore[union-attr]
        client.portal.call(project_portfolio, reporting_db, later)  # type: ignore[union-attr]
        told = [ws.receive_json()["payload"]["data"]["portfolioChanged"] for _ in range(3)]
        ws.send_json({"id": "1", "type": "complete"})

    # Notices of a batch come in stream key order; X-2's never comes.
    assert [(c["streamType"], c["streamId"], c["version"]) for c in told] == [
        ("GOVERNANCE_BODY", "X-1", committee.version),
        ("PORTFOLIO_ITEM", "X-1", 1),
        ("PORTFOLIO_ITEM", "X-1", 2),
    ]


@pytest.mark.parametrize("payload", [{}, {"Authorization": "Bearer forged"}])
def test_a_websocket_without_a_valid_token_gets_no_portfolio_subscription(
    settings: Settings, payload: dict[str, str]
) -> None:
    app = create_app(settings, listen=False)
    with (
        TestClient(app) as client,
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws,
    ):
        ws.send_json({"type": "connection_init", "payload": payload})
        subscribe(ws, ITEM_CHANGED, {})
        with pytest.raises(WebSocketDisconnect) as refused:
            ws.receive_json()

    assert refused.value.code == 4403
    assert app.state.gateway.changes.subscriber_count == 0


def test_a_subscriber_hears_only_of_the_items_and_streams_it_may_read(
    settings: Settings, reporting_db: str
) -> None:
    app = create_app(settings)
    erin = bearer(settings, "erin", "requester", department="HR")
    alices = Item("P-A").registered()  # Finance, requested by alice
    hers = Item("P-E").registered(department="HR", requester="erin")
    with (
        TestClient(app) as client,
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws,
    ):
        connect(ws, erin)
        subscribe(ws, PORTFOLIO_CHANGED, {})
        wait_until(lambda: app.state.gateway.changes.subscriber_count == 1)

        # Alice's item and a meeting (the portfolio readers') first: Erin hears of neither.
        for batch in (alices.events + meeting("M-9", []).events, body("IC").events, hers.events):
            client.portal.call(project_portfolio, reporting_db, batch)  # type: ignore[union-attr]
        told = [ws.receive_json()["payload"]["data"]["portfolioChanged"] for _ in range(2)]
        ws.send_json({"id": "1", "type": "complete"})

    assert [(c["streamType"], c["streamId"]) for c in told] == [
        ("GOVERNANCE_BODY", "IC"),
        ("PORTFOLIO_ITEM", "P-E"),
    ]
