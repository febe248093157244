"""A small portfolio for the reports: two programmes, scored and planned items, an envelope
per year, decisions of March 2026 by two bodies, and people of two roles, one over-allocated."""

from __future__ import annotations

from datetime import timedelta

from pmo_kernel.cloudevents import ReceivedEvent
from tests.reporting.capacity_factory import Capacity, project_capacity
from tests.reporting.portfolio_factory import T0, Item, decision, project_portfolio, scoring_model
from tests.reporting.portfolio_planning_factory import Envelope, assigned, planned, programme

SPONSOR = "cfo"  # the sponsor of programme PG-1 (portfolio_planning_factory.programme)


def portfolio_events() -> list[ReceivedEvent]:
    p1 = Item("P-1").registered("Invoice matching").scored("eve", 5, 0, 2).scored("fay", 4, 0, 3)
    p1.decided("DEC-1")
    planned(p1, "2026-Q2", "2027-Q1", {"2026": "60000.00", "2027": "40000.00"})
    assigned(p1, "PG-1")
    p2 = Item("P-2", at=T0 + timedelta(days=1)).registered("Payroll", cost="130000.00")
    p2.scored("eve", 3, 1, 4)
    made = decision("DEC-2", "P-2", at=p2.at, body_id="SC", body_kind="steering_committee")
    p2.decided("DEC-2", made=made)
    planned(p2, "2026-Q1", "2026-Q4", {"2026": "130000.00"})
    assigned(p2, "PG-2")
    p3 = Item("P-3", at=T0 + timedelta(days=2)).registered("Data lake", cost="80000.00")
    p3.scored("fay", 2, 0, 5)
    rejected = decision("DEC-3", "P-3", outcome="reject", at=p3.at)
    p3.decided("DEC-3", state="rejected", made=rejected)
    streams = [
        scoring_model(), p1, p2, p3,
        Envelope("BE-2026").opened(2026, "150000.00"), Envelope("BE-2027").opened(2027, "90000.00"),
        programme("PG-1"), programme("PG-2", "HR platform"),
    ]  # fmt: skip
    return [e for stream in streams for e in stream.events]


def capacity_events() -> list[ReceivedEvent]:
    capacity = Capacity()
    capacity.calendar("BE")
    capacity.person("ann", roles=("developer",))
    capacity.person("bob", roles=("architect",))
    capacity.allocate("ann", "A-1", "P-1", "2026-W10", "2026-W30", "30")
    capacity.allocate("bob", "A-2", "P-1", "2026-W10", "2026-W20", "30")
    capacity.allocate("bob", "A-3", "P-2", "2026-W12", "2026-W16", "20")  # 50 h of 40: over
    return capacity.events


async def seed(database_url: str) -> None:
    await project_portfolio(database_url, portfolio_events())
    await project_capacity(database_url, capacity_events())
