"""The GraphQL object types of governance meetings: the agenda, the minutes and the decision
register, which holds both kinds of decision (on an item at a gate, adopting a scenario).

Above the item and decision types and the planning types, since a meeting's register shows both.
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from pmo_reporting.gateway import fields
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.planning_types import ScenarioAdoptionDecision
from pmo_reporting.gateway.portfolio_loaders import portfolio
from pmo_reporting.gateway.portfolio_types import Decision, GovernanceBody
from pmo_reporting.gateway.readmodel import Row


@strawberry.type
class AgendaItem:
    item_id: strawberry.ID
    gate: str
    purpose: str
    added_at: datetime


@strawberry.type(description="A meeting of a governance body: its agenda and minutes")
class Meeting:
    id: strawberry.ID
    body_id: strawberry.ID
    title: str
    date: date
    closed: bool
    agenda: list[AgendaItem]

    @fields.field("The decisions recorded in the meeting, in the order they were taken")
    async def minutes(self, info: GatewayInfo) -> list[Decision]:
        return [Decision.of(row) for row in await portfolio(info).minutes.load(str(self.id))]

    @fields.field("The meeting's scenario adoptions, in the order they were decided")
    async def scenario_adoptions(self, info: GatewayInfo) -> list[ScenarioAdoptionDecision]:
        rows = await portfolio(info).meeting_adoptions.load(str(self.id))
        return [ScenarioAdoptionDecision.of(row) for row in rows]

    @fields.field(
        "The decision register: item decisions and scenario adoptions, in the order taken"
    )
    async def decision_register(self, info: GatewayInfo) -> list[DecisionRegisterEntry]:
        loaders = portfolio(info)
        decisions = await loaders.minutes.load(str(self.id))
        adoptions = await loaders.meeting_adoptions.load(str(self.id))
        return decision_register(decisions, adoptions)

    @fields.field("The body that met")
    async def body(self, info: GatewayInfo) -> GovernanceBody | None:
        row = await portfolio(info).body.load(str(self.body_id))
        return GovernanceBody.of(row) if row is not None else None

    @staticmethod
    def of(row: Row) -> Meeting:
        return Meeting(
            id=strawberry.ID(row["id"]),
            body_id=strawberry.ID(row["body_id"]),
            title=row["title"],
            date=row["date"],
            closed=row["closed"],
            agenda=[
                AgendaItem(
                    item_id=strawberry.ID(line["item_id"]),
                    gate=line["gate"],
                    purpose=line["purpose"],
                    added_at=datetime.fromisoformat(line["added_at"]),
                )
                for line in row["agenda"]
            ],
        )


@strawberry.type(
    description="A line of a meeting's decision register: a decision on an item at a gate, or "
    "the adoption of a scenario"
)
class DecisionRegisterEntry:
    decided_at: datetime
    decision: Decision | None
    scenario_adoption: ScenarioAdoptionDecision | None


def decision_register(decisions: list[Row], adoptions: list[Row]) -> list[DecisionRegisterEntry]:
    """Both kinds of decision, in the order they were taken."""
    entries = [
        DecisionRegisterEntry(
            decided_at=row["decided_at"], decision=Decision.of(row), scenario_adoption=None
        )
        for row in decisions
    ] + [
        DecisionRegisterEntry(
            decided_at=row["decided_at"],
            decision=None,
            scenario_adoption=ScenarioAdoptionDecision.of(row),
        )
        for row in adoptions
    ]
    return sorted(entries, key=lambda entry: entry.decided_at)
