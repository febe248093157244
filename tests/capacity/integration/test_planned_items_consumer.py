"""The planned-items consumer against real PostgreSQL: the portfolio's events, in the JSON its
relay publishes (built from the portfolio's own event classes), handed to the handler in a
transaction as the Kafka consumer runner does, minus Kafka."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pmo_capacity.application.planned_items import PLANNER, PlannedItems
from pmo_capacity.domain import RequestStatus, ResourceRequest
from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.db import raw_connection
from pmo_kernel.money import Money
from pmo_kernel.store import NewEvent
from pmo_portfolio.domain.governance import ItemDecided, ItemPlanned
from tests.capacity.integration.conftest import PROJECT_MANAGER, CapacityApi
from tests.reporting.portfolio_factory import decision
from tests.reporting.records import received_event
from tests.support import metadata

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


class Item:
    """A portfolio item's stream as the consumer receives it."""

    def __init__(self, item_id: str) -> None:
        self.item_id = item_id
        self.version = 0

    def _next(self, event_type: str, data: dict[str, Any]) -> ReceivedEvent:
        self.version += 1
        at = T0 + timedelta(hours=self.version)
        return received_event("portfolio", "portfolio-item", self.item_id, self.version,
                              event_type, data, at=at, actor="paul")  # fmt: skip

    def planned(self, start: str, end: str, effort: dict[str, dict[str, str]]) -> ReceivedEvent:
        event = ItemPlanned(
            item_id=self.item_id, start_quarter=start, end_quarter=end,
            cost_per_year={int(start[:4]): Money.of("100000")},
            effort_by_role_quarter={role: {q: Decimal(days) for q, days in quarters.items()}
                                    for role, quarters in effort.items()},
            planned_by="paul", planned_at=T0,
        )  # fmt: skip
        return self._next("ItemPlanned", event.payload())

    def decided(self, state: str, outcome: str) -> ReceivedEvent:
        made = decision(f"dec-{self.version}", self.item_id, gate="G3", outcome=outcome)
        event = ItemDecided.model_validate(
            {"item_id": self.item_id, "decision": made, "state": state, "current_gate": "G2"}
        )
        return self._next("ItemDecided", event.payload())


async def deliver(api: CapacityApi, *events: ReceivedEvent) -> None:
    handler = PlannedItems(api.container.store)
    async with raw_connection(api.container.engine) as conn, conn.transaction():
        for event in events:
            await handler.handle(conn, event)


async def request(api: CapacityApi, request_id: str) -> ResourceRequest:
    history = await api.container.store.read_stream("request", request_id)
    return ResourceRequest.load(request_id, history)


def shape(r: ResourceRequest) -> tuple[str, str, str, Decimal]:
    return r.status.value, r.start_week, r.end_week, r.hours_per_week


async def test_a_planned_item_raises_a_request_per_role_and_quarter_once(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    item = Item("D-1")
    planned = item.planned("2027-Q1", "2027-Q2", {"developer": {"2027-Q1": "65", "2027-Q2": "65"},
                                                  "tester": {"2027-Q2": "13"}})  # fmt: skip

    await deliver(api, planned)
    stored = await api.events_stored()
    await deliver(api, planned)  # redelivered

    assert await api.events_stored() == stored
    listed = await api.client.get(
        "/resource-requests", params={"project_id": "D-1"}, headers=api.as_(*PROJECT_MANAGER)
    )
    assert {(r["id"], r["role"], r["start_week"], r["end_week"], r["hours_per_week"])
            for r in listed.json()} == {
        ("item-D-1-developer-2027-Q1", "developer", "2027-W01", "2027-W13", "40.00"),
        ("item-D-1-developer-2027-Q2", "developer", "2027-W14", "2027-W26", "40.00"),
        ("item-D-1-tester-2027-Q2", "tester", "2027-W14", "2027-W26", "8.00"),
    }  # fmt: skip
    assert {(r["source"], r["raised_by"], r["status"]) for r in listed.json()} == {
        ("portfolio", PLANNER.id, "open")
    }
    (first, *_) = await api.container.store.read_stream("request", "item-D-1-tester-2027-Q2")
    assert first.metadata.causation_id == str(planned.event_id)


async def test_a_replan_revises_raises_and_cancels_the_items_open_requests(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    item = Item("D-2")
    await deliver(api, item.planned("2027-Q1", "2027-Q2", {
        "developer": {"2027-Q1": "65", "2027-Q2": "65"}, "tester": {"2027-Q2": "13"},
    }))  # fmt: skip
    filled = await request(api, "item-D-2-tester-2027-Q2")
    filled.fill("p-9", "a-9", "rita")  # as the staffing flow will
    fill = [NewEvent(e, metadata("rita")) for e in filled.pending]
    await api.container.store.append("request", filled.id, filled.version, fill)

    replanned = item.planned("2027-Q2", "2027-Q3", {
        "developer": {"2027-Q2": "26", "2027-Q3": "39"}, "tester": {"2027-Q3": "13"},
    })  # fmt: skip
    await deliver(api, replanned)
    stored = await api.events_stored()
    await deliver(api, replanned)

    assert await api.events_stored() == stored
    assert {i: shape(await request(api, f"item-D-2-{i}")) for i in (
        "developer-2027-Q1", "developer-2027-Q2", "developer-2027-Q3",
        "tester-2027-Q2", "tester-2027-Q3",
    )} == {
        "developer-2027-Q1": ("cancelled", "2027-W01", "2027-W13", Decimal("40.00")),
        "developer-2027-Q2": ("open", "2027-W14", "2027-W26", Decimal("16.00")),
        "developer-2027-Q3": ("open", "2027-W27", "2027-W39", Decimal("24.00")),
        "tester-2027-Q2": ("filled", "2027-W14", "2027-W26", Decimal("8.00")),  # left as it is
        "tester-2027-Q3": ("open", "2027-W27", "2027-W39", Decimal("8.00")),
    }  # fmt: skip
    assert (await request(api, "item-D-2-developer-2027-Q1")).cancel_reason == (
        "no longer in the item's plan"
    )

    await deliver(api, item.planned("2027-Q1", "2027-Q1", {"developer": {"2027-Q1": "13"}}))

    again = await request(api, "item-D-2-developer-2027-Q1.2")  # the quarter is back
    assert shape(again) == ("open", "2027-W01", "2027-W13", Decimal("8.00"))


async def test_a_cancelled_item_cancels_its_requests_and_releases_its_allocations(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    pm = api.as_(*PROJECT_MANAGER)
    item = Item("D-3")
    await deliver(api, item.planned("2027-Q1", "2027-Q1", {"developer": {"2027-Q1": "13"}}))
    direct = await api.client.post("/resource-requests", headers=pm, json={
        "project_id": "D-3", "role": "architect", "start_week": "2027-W05",
        "end_week": "2027-W08", "hours_per_week": "8",
    })  # fmt: skip
    assert direct.status_code == 201
    await api.calendar("BE-planned")
    ann = await api.person("BE-planned")
    for project in ("D-3", "D-3", "other"):
        proposed = await api.client.post(f"/people/{ann}/allocations", headers=pm, json={
            "project_id": project, "start_week": "2027-W05", "end_week": "2027-W06",
            "hours_per_week": "8",
        })  # fmt: skip
        assert proposed.status_code == 200

    cancelled = item.decided("cancelled", "cancel")
    await deliver(api, cancelled)
    stored = await api.events_stored()
    await deliver(api, cancelled)

    assert await api.events_stored() == stored
    requests = await api.client.get("/resource-requests", params={"project_id": "D-3"},
                                    headers=pm)  # fmt: skip
    assert {(r["status"], r["cancel_reason"]) for r in requests.json()} == {
        (RequestStatus.CANCELLED.value, "project cancelled")
    }
    assert len(requests.json()) == 2
    person = (await api.client.get(f"/people/{ann}?from_week=2027-W05&to_week=2027-W05",
                                   headers=pm)).json()  # fmt: skip
    assert sorted((a["project_id"], a["released"]) for a in person["allocations"]) == [
        ("D-3", True), ("D-3", True), ("other", False),
    ]  # fmt: skip
    assert person["weeks"][0]["allocated_hours"] == "8.00"
    feed = (await api.client.get("/events", headers=api.as_("audrey", "auditor"))).json()
    released = [e for e in feed["events"] if e["event_type"] == "AllocationReleased"]
    assert {(e["payload"]["reason"], e["metadata"]["actor"]["id"]) for e in released} == {
        ("project cancelled", PLANNER.id)
    }


async def test_a_decision_that_does_not_end_the_item_changes_nothing(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    item = Item("D-4")
    await deliver(api, item.planned("2027-Q1", "2027-Q1", {"developer": {"2027-Q1": "13"}}))
    stored = await api.events_stored()

    await deliver(api, item.decided("approved", "approve"), item.decided("on_hold", "put_on_hold"))

    assert await api.events_stored() == stored
