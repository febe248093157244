"""The GraphQL types of the KPI queries (kpi_queries.py). Amounts are Money (decimal strings
with their currency), durations days as floats rounded to three decimals, ratios percents as
decimal strings. The README's KPI table defines each figure."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry

from pmo_reporting.gateway.amounts import money, required_money
from pmo_reporting.gateway.kpi_figures import BenefitTotals, RoleUtilisation, ValueGroup
from pmo_reporting.gateway.register_types import Risk
from pmo_reporting.gateway.types import DemandState, Money


@strawberry.type(description="The period the KPIs were counted over: [start, end)")
class KpiPeriodInfo:
    name: str
    start: str = strawberry.field(description="ISO date, the first day")
    end: str = strawberry.field(description="ISO date, the first day after")


@strawberry.enum(description="A stretch of a demand's life whose duration is measured")
class LeadTimeStage(Enum):
    SUBMISSION_TO_QUALIFICATION = "submission_to_qualification"
    QUALIFICATION_TO_DECISION = "qualification_to_decision"
    SUBMISSION_TO_DECISION = "submission_to_decision"


@strawberry.type(description="How long a stage took, over the demands that went through it")
class LeadTime:
    stage: LeadTimeStage
    demands: int = strawberry.field(description="The demands measured")
    median_days: float | None = strawberry.field(description="Null when none was measured")
    p90_days: float | None = strawberry.field(
        description="90th percentile, interpolated between the nearest ranks"
    )


@strawberry.type
class PipelineCount:
    state: DemandState
    count: int


@strawberry.type(description="The demands submitted in the period, by state, and lead times")
class DemandPipelineKpi:
    period: KpiPeriodInfo | None
    total: int
    by_state: list[PipelineCount] = strawberry.field(description="Every state, zeros included")
    lead_times: list[LeadTime]


@strawberry.type(description="Decisions one body took with one outcome")
class DecisionCount:
    body_id: strawberry.ID
    body_name: str
    body_kind: str
    outcome: str
    count: int


@strawberry.type(description="The decisions taken in the period on the items the caller sees")
class DecisionsKpi:
    period: KpiPeriodInfo | None
    total: int
    by_body_and_outcome: list[DecisionCount]


@strawberry.type(description="Items of a programme or an objective: their cost and value")
class ValueGroupKpi:
    key: strawberry.ID | None = strawberry.field(
        description="The programme id or the objective; null for the items without one"
    )
    name: str
    items: int
    figures_hidden_items: int = strawberry.field(
        description="Items the caller sees without figures: counted, their amounts left out"
    )
    cost: Money = strawberry.field(description="Σ estimated cost")
    value: Money = strawberry.field(description="Σ planned monetary benefits at target")

    @staticmethod
    def of(group: ValueGroup, currency: str) -> ValueGroupKpi:
        return ValueGroupKpi(
            key=strawberry.ID(group.key) if group.key is not None else None,
            name=group.name,
            items=group.items,
            figures_hidden_items=group.figures_hidden_items,
            cost=required_money(group.cost, currency),
            value=required_money(group.value, currency),
        )


@strawberry.type(description="The items in play: cost and value by programme and objective")
class PortfolioValueKpi:
    currency: str
    items: int
    figures_hidden_items: int
    cost: Money
    value: Money
    by_programme: list[ValueGroupKpi]
    by_objective: list[ValueGroupKpi] = strawberry.field(
        description="An item with several objectives counts under each"
    )


@strawberry.type(description="A year's budget envelope against what is committed and spent")
class BudgetYearKpi:
    year: int
    budget: Money | None = strawberry.field(description="Σ open envelopes; null: none")
    committed: Money = strawberry.field(
        description="Σ the approved, planned items' cost of the year"
    )
    actual: Money = strawberry.field(
        description="Labour cost of the confirmed allocations to the committed items over the "
        "year's ISO weeks ended by now (the read models hold no spend reports yet)"
    )
    remaining: Money | None = strawberry.field(description="budget − committed; null: no budget")
    committed_percent: str | None = strawberry.field(
        description="committed / budget × 100, one decimal"
    )


@strawberry.type(description="Budget, committed and actual per year")
class BudgetKpi:
    currency: str
    years: list[BudgetYearKpi]


@strawberry.type(description="A role's allocated hours against its available hours")
class RoleUtilisationKpi:
    role: str
    people: int
    available_hours: str
    allocated_hours: str = strawberry.field(description="Soft + hard")
    hard_hours: str = strawberry.field(description="Confirmed only")
    utilisation_percent: str | None = strawberry.field(
        description="allocated / available × 100, one decimal; null when nobody is available"
    )

    @staticmethod
    def of(found: RoleUtilisation) -> RoleUtilisationKpi:
        percent = found.percent
        return RoleUtilisationKpi(
            role=found.role,
            people=found.people,
            available_hours=str(found.available_hours),
            allocated_hours=str(found.allocated_hours),
            hard_hours=str(found.hard_hours),
            utilisation_percent=str(percent) if percent is not None else None,
        )


@strawberry.type(description="Capacity utilisation by role over the period's ISO weeks")
class CapacityKpi:
    from_week: str
    to_week: str
    roles: list[RoleUtilisationKpi]


@strawberry.type(description="The open risks of the items the caller sees, worst first")
class TopRisksKpi:
    open_risks: int
    risks: list[Risk]


@strawberry.type
class BenefitMonthKpi:
    month: str
    planned: Money
    realised: Money | None = strawberry.field(description="Null before the first report")


@strawberry.type(description="Monetary benefits realised against planned, summed over items")
class BenefitsKpi:
    currency: str
    through: str = strawberry.field(description="The month the figures stand at")
    items: int = strawberry.field(description="Items with a monetary benefit, seen with figures")
    figures_hidden_items: int
    target: Money = strawberry.field(description="Every benefit at its target")
    planned: Money = strawberry.field(description="As planned by `through`")
    realised: Money = strawberry.field(description="As last reported by `through`")
    realised_percent_of_planned: str | None
    months: list[BenefitMonthKpi]

    @staticmethod
    def of(totals: BenefitTotals) -> BenefitsKpi:
        currency = totals.currency
        percent = (
            str((totals.realised * 100 / totals.planned).quantize(Decimal("0.1")))
            if totals.planned
            else None
        )
        return BenefitsKpi(
            currency=currency,
            through=totals.through,
            items=totals.items,
            figures_hidden_items=totals.figures_hidden_items,
            target=required_money(totals.target, currency),
            planned=required_money(totals.planned, currency),
            realised=required_money(totals.realised, currency),
            realised_percent_of_planned=percent,
            months=[
                BenefitMonthKpi(
                    month=month,
                    planned=required_money(planned, currency),
                    realised=money(realised, currency),
                )
                for month, planned, realised in totals.months
            ],
        )
