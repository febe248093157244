"""A small portfolio for the KPI tests, written as plain facts (tables below) from which both
the events are built and the tests compute what each KPI must be, with their own arithmetic.

Demands: six life stories in January 2026 and one in May. Items D-1 (alice's, Finance, PG-1)
and D-2 (erin's, HR, PG-2) come from demands D-1 and D-2 (their objectives); X-3 (rejected) and
X-4 (no programme) have no demand. Envelopes for 2026 and 2027, risks and benefits on the
items, and two people allocated to D-1 and D-2 in 2026-Q3.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pmo_kernel.cloudevents import ReceivedEvent
from tests.reporting.capacity_factory import Capacity, project_capacity
from tests.reporting.factory import DemandStory
from tests.reporting.portfolio_factory import Item, body, decision, project_portfolio
from tests.reporting.portfolio_planning_factory import Envelope, assigned, planned, programme
from tests.reporting.register_factory import BenefitRegister, RiskRegister
from tests.reporting.support import project

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Life:
    """A demand's story: days after T0 of each step (None: it did not happen)."""

    demand_id: str
    department: str
    requester: str
    submitted: float
    qualified: float | None
    decided: float | None
    end: str  # the state it ends in

    @property
    def submitted_at(self) -> datetime:
        return T0 + timedelta(days=self.submitted)


LIVES = [
    Life("D-1", "Finance", "alice", 0, 3, 10, "accepted"),
    Life("D-2", "HR", "erin", 1, 6, 8, "rejected"),
    Life("D-3", "Finance", "alice", 2, 8.5, None, "qualified"),
    Life("D-4", "HR", "erin", 3, None, 4, "withdrawn"),
    Life("D-6", "Finance", "carol", 4, 16, None, "qualified"),
    Life("D-5", "Finance", "alice", 119, None, 123, "rejected"),  # 2026-05-04
]


def demand_events() -> list[ReceivedEvent]:
    events: list[ReceivedEvent] = []
    for life in LIVES:
        story = DemandStory(life.demand_id, at=life.submitted_at)
        story.submitted(department=life.department, requester=life.requester, sponsor=None)
        if life.qualified is not None:
            story.at = T0 + timedelta(days=life.qualified)
            story.qualified()
        if life.decided is not None:
            story.at = T0 + timedelta(days=life.decided)
            if life.end == "accepted":
                story.accepted()
            elif life.end == "withdrawn":
                story.withdrawn()
            else:
                story.rejected("No budget")
        events += story.events
    return events


@dataclass(frozen=True)
class ItemFacts:
    item_id: str
    department: str
    requester: str
    cost: str
    programme: str | None
    decision: tuple[str, str, str, datetime] | None  # (id, body, outcome, when)
    plan: dict[str, str] | None  # cost per year


ITEMS = [
    ItemFacts("D-1", "Finance", "alice", "100000.00", "PG-1",
              ("DEC-1", "IC", "approve", datetime(2026, 3, 2, tzinfo=UTC)),
              {"2026": "40000.00", "2027": "60000.00"}),
    ItemFacts("D-2", "HR", "erin", "200000.00", "PG-2",
              ("DEC-2", "SC", "approve", datetime(2026, 5, 12, tzinfo=UTC)),
              {"2026": "150000.00"}),
    ItemFacts("X-3", "Finance", "carol", "50000.00", None,
              ("DEC-3", "IC", "reject", datetime(2026, 3, 20, tzinfo=UTC)), None),
    ItemFacts("X-4", "HR", "erin", "80000.00", None, None, None),
]  # fmt: skip
OBJECTIVE = "Operational excellence"  # every demand's (tests/reporting/factory.py)
PROGRAMMES = {"PG-1": "Finance transformation", "PG-2": "HR platform"}
ENVELOPES = {2026: "150000.00", 2027: "90000.00"}

# (item, risk, inherent P, I, residual P, I or None, closed)
RISKS = [
    ("D-1", "R1", 4, 5, (3, 3), False),
    ("D-1", "R2", 2, 2, None, False),
    ("D-2", "R3", 3, 4, None, False),
    ("D-2", "R5", 5, 5, None, True),
    ("X-3", "R4", 5, 5, None, False),  # a rejected item's: not in play
]
# (item, benefit, unit, baseline, target, starts, target date, {period: value})
BENEFITS = [
    ("D-1", "B1", "EUR", "0", "1200", "2026-01", "2026-12-31",
     {"2026-03": "200", "2026-06": "500"}),
    ("D-1", "B9", "hours", "0", "40", "2026-01", "2026-12-31", {"2026-02": "10"}),
    ("D-2", "B2", "EUR", "100", "700", "2026-01", "2026-07-31", {"2026-04": "300"}),
]  # fmt: skip


def portfolio_events() -> list[ReceivedEvent]:
    streams = [body("IC"), *(programme(pid, name) for pid, name in PROGRAMMES.items())]
    for facts in ITEMS:
        item = Item(facts.item_id).registered(
            facts.item_id, department=facts.department, requester=facts.requester,
            cost=facts.cost,
        )  # fmt: skip
        if facts.decision is not None:
            decision_id, body_id, outcome, at = facts.decision
            made = decision(decision_id, facts.item_id, outcome=outcome, at=at, body_id=body_id)
            item.decided(
                decision_id, state="approved" if outcome == "approve" else "rejected", made=made
            )
        if facts.plan is not None:
            planned(item, "2026-Q3", "2027-Q2", facts.plan)
        if facts.programme is not None:
            assigned(item, facts.programme)
        streams.append(item)
    for year, amount in ENVELOPES.items():
        streams.append(Envelope(f"BE-{year}").opened(year, amount))
    registers: dict[str, RiskRegister] = {}
    for item_id, risk_id, p, i, answered, closed in RISKS:
        register = registers.setdefault(item_id, RiskRegister(item_id))
        register.risk(risk_id, p, i)
        if answered is not None:
            register.answered(risk_id, *answered)
        if closed:
            register.closed(risk_id)
    benefit_registers: dict[str, BenefitRegister] = {}
    for item_id, benefit_id, unit, baseline, target, starts, due, realised in BENEFITS:
        found = benefit_registers.setdefault(item_id, BenefitRegister(item_id))
        found.benefit(
            benefit_id, unit=unit, baseline=baseline, target=target, starts=starts,
            target_date=due,
        )  # fmt: skip
        for period, value in realised.items():
            found.realised(benefit_id, period, value)
    streams += [*registers.values(), *benefit_registers.values()]
    return [e for stream in streams for e in stream.events]


# (person, role, line manager, allocation, project, first week, last week, hours, confirmed)
ALLOCATIONS = [
    ("ann", "developer", "marc", "A-1", "D-1", "2026-W27", "2026-W30", "30", True),
    ("bob", "architect", "marc", "A-2", "D-2", "2026-W27", "2026-W28", "20", False),
    ("cyd", "developer", "nina", "A-3", "X-4", "2026-W30", "2026-W31", "10", True),
]
HOURS_PER_WEEK = Decimal(40)
DAY_RATE = Decimal("640.00")


def capacity_events() -> list[ReceivedEvent]:
    capacity = Capacity()
    capacity.calendar("BE", str(HOURS_PER_WEEK))
    for person, role, manager, allocation, project_id, first, last, hours, hard in ALLOCATIONS:
        capacity.person(person, roles=(role,), manager=manager, rate=str(DAY_RATE))
        capacity.allocate(person, allocation, project_id, first, last, hours)
        if hard:
            capacity.confirm(person, allocation)
    return capacity.events


async def seed(database_url: str) -> None:
    await project(database_url, demand_events())
    await project_portfolio(database_url, portfolio_events())
    await project_capacity(database_url, capacity_events())
