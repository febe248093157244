"""The GraphQL object types of the read side, built from read-model rows."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from pmo_kernel.access import Sight
from pmo_reporting.gateway import fields
from pmo_reporting.gateway.access import masked, sight_of
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.readmodel import DemandFilterValues, Row

# Enums mirror the demand service's published vocabulary (values as in the event payloads);
# reporting does not import the demand service, the payloads are the contract.


@strawberry.enum(description="Where a demand is in its life")
class DemandState(Enum):
    SUBMITTED = "submitted"
    INFORMATION_REQUESTED = "information_requested"
    INFORMATION_PROVIDED = "information_provided"
    QUALIFIED = "qualified"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


@strawberry.enum
class DemandCategory(Enum):
    PROJECT = "project"
    PROGRAMME = "programme"
    CHANGE = "change"
    REGULATORY = "regulatory"


@strawberry.enum
class Urgency(Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@strawberry.type(description="An amount of money; the amount is a decimal string, never a float")
class Money:
    amount: str
    currency: str

    @staticmethod
    def of(value: Any) -> Money | None:
        if not isinstance(value, dict):
            return None
        return Money(amount=str(value["amount"]), currency=str(value["currency"]))


@strawberry.type(description="Why a demand is worth doing: its latest revision")
class BusinessCase:
    version: int
    problem: str | None
    objectives: list[str]
    estimated_cost: Money | None
    effort_person_days: str | None = strawberry.field(description="Decimal string")
    expected_benefits: str | None
    benefits_estimate: Money | None
    risks: list[str]
    options_considered: list[str]

    @staticmethod
    def of(case: Any, version: int | None, sight: Sight = Sight.FULL) -> BusinessCase | None:
        if not isinstance(case, dict):
            return None
        case = masked(case, sight)
        effort = case.get("effort_person_days")
        return BusinessCase(
            version=version or 1,
            problem=case.get("problem"),
            objectives=list(case.get("objectives") or []),
            estimated_cost=Money.of(case.get("estimated_cost")),
            effort_person_days=str(effort) if effort is not None else None,
            expected_benefits=case.get("expected_benefits"),
            benefits_estimate=Money.of(case.get("benefits_estimate")),
            risks=list(case.get("risks") or []),
            options_considered=list(case.get("options_considered") or []),
        )


@strawberry.type
class Actor:
    id: strawberry.ID
    name: str | None


@strawberry.type(description="One event in a demand's life, as people read it")
class DemandHistoryEntry:
    version: int
    event_type: str
    actor: Actor
    occurred_at: datetime
    summary: str
    changes: JSON = strawberry.field(description='{field: {"from": old, "to": new}}')
    details: JSON = strawberry.field(description="What the event said beyond the demand's fields")

    @staticmethod
    def of(row: Row, sight: Sight = Sight.FULL) -> DemandHistoryEntry:
        return DemandHistoryEntry(
            version=row["version"],
            event_type=row["event_type"],
            actor=Actor(id=strawberry.ID(row["actor_id"]), name=row["actor_name"]),
            occurred_at=row["occurred_at"],
            summary=row["summary"],
            changes=masked(row["changes"], sight),
            details=masked(row["details"], sight),
        )


@strawberry.type(description="A request for a project, as the read model has it")
class Demand:
    id: strawberry.ID
    version: int = strawberry.field(description="Stream version: use it as expectedVersion")
    state: DemandState
    title: str
    description: str
    requester: str
    sponsor: str | None
    department: str
    category: DemandCategory
    urgency: Urgency
    strategic_objectives: list[str]
    desired_start_quarter: str | None
    desired_end_quarter: str | None
    business_case: BusinessCase | None
    requires_investment_committee: bool | None = strawberry.field(
        description="Null until qualification has evaluated the governance rules"
    )
    rejection_reason: str | None
    withdrawal_reason: str | None
    open_questions: list[str]
    submitted_at: datetime
    qualified_at: datetime | None
    decided_at: datetime | None = strawberry.field(
        description="When it was accepted, rejected or withdrawn"
    )
    updated_at: datetime
    figures_hidden: bool = strawberry.field(
        description="Whether costs and benefits are withheld (null) from this caller: they see "
        "the demand as a colleague of its department, not as its requester, sponsor or the PMO"
    )
    sight: strawberry.Private[Sight]

    @fields.field("Every event of the demand, oldest first (amounts withheld as above)")
    async def history(self, info: GatewayInfo) -> list[DemandHistoryEntry]:
        rows = await info.context.loaders.history.load(str(self.id))
        return [DemandHistoryEntry.of(row, self.sight) for row in rows]

    @staticmethod
    def visible(row: Row | None, info: GatewayInfo) -> Demand | None:
        """The row as the caller may see it; None if they may not (as for an unknown id)."""
        if row is None:
            return None
        sight = sight_of(info.context.audience(delivered=False), row, delivered=False)
        return Demand.of(row, sight) if sight is not Sight.NONE else None

    @staticmethod
    def of(row: Row, sight: Sight = Sight.FULL) -> Demand:
        return Demand(
            id=strawberry.ID(row["id"]),
            version=row["version"],
            state=DemandState(row["state"]),
            title=row["title"],
            description=row["description"],
            requester=row["requester"],
            sponsor=row["sponsor"],
            department=row["department"],
            category=DemandCategory(row["category"]),
            urgency=Urgency(row["urgency"]),
            strategic_objectives=list(row["strategic_objectives"] or []),
            desired_start_quarter=row["desired_start_quarter"],
            desired_end_quarter=row["desired_end_quarter"],
            business_case=BusinessCase.of(
                row["business_case"], row["business_case_version"], sight
            ),
            requires_investment_committee=row["requires_investment_committee"],
            rejection_reason=row["rejection_reason"],
            withdrawal_reason=row["withdrawal_reason"],
            open_questions=list(row["open_questions"] or []),
            submitted_at=row["submitted_at"],
            qualified_at=row["qualified_at"],
            decided_at=row["decided_at"],
            updated_at=row["updated_at"],
            figures_hidden=sight is not Sight.FULL,
            sight=sight,
        )


# -- the demands list (Relay connection) -----------------------------------------------------


@strawberry.type
class DemandEdge:
    cursor: str
    node: Demand


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class DemandConnection:
    edges: list[DemandEdge]
    page_info: PageInfo
    filters: strawberry.Private[DemandFilterValues]

    @fields.field("Demands matching the filter, all pages (counted on demand)")
    async def total_count(self, info: GatewayInfo) -> int:
        return await info.context.services.read_model.count_demands(self.filters)


# -- KPIs -------------------------------------------------------------------------------------


@strawberry.type
class StateCount:
    state: DemandState
    count: int


@strawberry.type
class DepartmentCount:
    department: str
    count: int


@strawberry.type
class StateDepartmentCount:
    state: DemandState
    department: str
    count: int


@strawberry.type
class DemandKpis:
    total: int
    by_state: list[StateCount] = strawberry.field(description="Every state, zero included")
    by_department: list[DepartmentCount]
    by_state_and_department: list[StateDepartmentCount]
    median_days_to_qualification: float | None = strawberry.field(
        description="From submission to qualification, over the demands qualified so far"
    )


@strawberry.type(description="How far the projector has got")
class ReadModelStatus:
    events_applied: int
    last_event_at: datetime | None
    last_applied_at: datetime | None


# -- commands and changes ---------------------------------------------------------------------


@strawberry.type(description="What a command did, and the demand once the read model has it")
class DemandCommandResult:
    demand_id: strawberry.ID
    version: int = strawberry.field(description="The demand's version after the command")
    state: DemandState
    read_model_caught_up: bool = strawberry.field(
        description="Whether the read model had reached `version` when this returned"
    )

    @fields.field("From the read model; null unless readModelCaughtUp")
    async def demand(self, info: GatewayInfo) -> Demand | None:
        if not self.read_model_caught_up:
            return None
        # Not through the loader: its cache may hold this demand as it was before the command.
        rows = await info.context.services.read_model.demands_by_ids([str(self.demand_id)])
        return Demand.visible(rows.get(str(self.demand_id)), info)


@strawberry.type(description="The projector committed a change to a demand")
class DemandChange:
    demand_id: strawberry.ID
    version: int
    event_type: str

    @fields.field("The demand as the read model has it now")
    async def demand(self, info: GatewayInfo) -> Demand | None:
        return Demand.visible(await info.context.loaders.demand.load(str(self.demand_id)), info)
