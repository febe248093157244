"""The GraphQL object types of portfolio planning: arbitration requests, the roadmap, scenarios
(inputs, result, adoption) and their comparison.

They build on the item types (portfolio_types) and the envelopes (envelope_types), which never
refer back to them; the meetings whose registers list scenario adoptions (meeting_types) sit above.

Money is the Money type (decimal string and currency); other decimals (scores, hours, values)
are decimal strings. Scenario inputs keep the portfolio's vocabulary: years, roles, periods.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from pmo_reporting.gateway import fields
from pmo_reporting.gateway.amounts import money, required_money, timestamp
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.envelope_types import BudgetEnvelope
from pmo_reporting.gateway.portfolio_loaders import portfolio
from pmo_reporting.gateway.portfolio_roadmap import QuarterColumn, YearFigures
from pmo_reporting.gateway.portfolio_roadmap import Roadmap as RoadmapFigures
from pmo_reporting.gateway.portfolio_scenarios import Comparison, ComparisonRow, by_year, selected
from pmo_reporting.gateway.portfolio_types import PortfolioItem, Programme, YearCost
from pmo_reporting.gateway.readmodel import Row
from pmo_reporting.gateway.types import Money


def _object(value: Any) -> Any:
    """A JSON object of the payload, {} when it is absent."""
    return value if value is not None else {}


def _ids(values: Any) -> list[strawberry.ID]:
    return [strawberry.ID(str(value)) for value in values]


async def _items(info: GatewayInfo, ids: list[strawberry.ID]) -> list[PortfolioItem]:
    """The items the read model has, in the order given (unknown ids left out)."""
    rows = await portfolio(info).item.load_many([str(one) for one in ids])
    return PortfolioItem.visible_ones(rows, info)


@strawberry.type(description="An over-committed envelope's items sent to arbitration")
class ArbitrationRequest:
    envelope_id: strawberry.ID
    year: int
    envelope_version: int = strawberry.field(description="The version the figures were based on")
    envelope: Money
    committed: Money
    over_by: Money
    item_ids: list[strawberry.ID] = strawberry.field(
        description="The items at stake, dearest first"
    )
    requested_by: str
    requested_at: datetime

    @fields.field("The items at stake as they are now, dearest (then) first")
    async def items(self, info: GatewayInfo) -> list[PortfolioItem]:
        return await _items(info, self.item_ids)

    @fields.field("The envelope as it is now")
    async def budget_envelope(self, info: GatewayInfo) -> BudgetEnvelope | None:
        row = await portfolio(info).envelope.load(str(self.envelope_id))
        return BudgetEnvelope.of(row) if row is not None else None

    @staticmethod
    def of(row: Row) -> ArbitrationRequest:
        currency = row["currency"]
        return ArbitrationRequest(
            envelope_id=strawberry.ID(row["envelope_id"]),
            year=row["year"],
            envelope_version=row["envelope_version"],
            envelope=required_money(row["envelope_amount"], currency),
            committed=required_money(row["committed"], currency),
            over_by=required_money(row["over_by"], currency),
            item_ids=_ids(row["item_ids"]),
            requested_by=row["requested_by"],
            requested_at=row["requested_at"],
        )


# -- the roadmap ------------------------------------------------------------------------------


@strawberry.type(description="An approved item on the roadmap: its quarters and yearly cost")
class RoadmapItem:
    id: strawberry.ID
    title: str
    start_quarter: str
    end_quarter: str
    cost_per_year: list[YearCost]
    programme_id: strawberry.ID | None
    item: PortfolioItem

    @fields.field("The programme the item belongs to, if any")
    async def programme(self, info: GatewayInfo) -> Programme | None:
        if self.programme_id is None:
            return None
        row = await portfolio(info).programme.load(str(self.programme_id))
        return Programme.of(row) if row is not None else None

    @staticmethod
    def of(row: Row) -> RoadmapItem:
        item = PortfolioItem.of(row)
        return RoadmapItem(
            id=item.id,
            title=item.title,
            start_quarter=row["planned_start_quarter"],
            end_quarter=row["planned_end_quarter"],
            cost_per_year=item.cost_per_year or [],
            programme_id=item.programme_id,
            item=item,
        )


@strawberry.type(description="One quarter: the items starting, running through and ending in it")
class RoadmapQuarter:
    quarter: str
    starting: list[RoadmapItem]
    running: list[RoadmapItem] = strawberry.field(description="Neither starting nor ending here")
    ending: list[RoadmapItem]


@strawberry.type(description="A calendar year's commitments against its open envelope(s)")
class RoadmapYear:
    year: int
    envelope: Money | None = strawberry.field(description="Null: no open envelope this year")
    envelope_ids: list[strawberry.ID]
    committed: Money
    remaining: Money = strawberry.field(description="0 when over-committed")
    over_committed: bool
    over_by: Money = strawberry.field(description="0 unless over-committed")
    unfunded: bool = strawberry.field(description="Money committed in a year with no envelope")
    other_currency_items: list[strawberry.ID] = strawberry.field(
        description="Items costing this year in another currency: not counted"
    )

    @staticmethod
    def of(figures: YearFigures) -> RoadmapYear:
        currency = figures.currency
        return RoadmapYear(
            year=figures.year,
            envelope=money(figures.envelope, currency),
            envelope_ids=_ids(figures.envelope_ids),
            committed=required_money(figures.committed, currency),
            remaining=required_money(figures.remaining, currency),
            over_committed=figures.over_committed,
            over_by=required_money(figures.over_by, currency),
            unfunded=figures.unfunded,
            other_currency_items=_ids(figures.other_currency_items),
        )


@strawberry.type(description="Approved, planned items by quarter; each year against its budget")
class Roadmap:
    currency: str
    quarters: list[RoadmapQuarter]
    years: list[RoadmapYear]
    arbitration_needed: list[int] = strawberry.field(description="The over-committed years")
    items: list[RoadmapItem]

    @staticmethod
    def of(figures: RoadmapFigures) -> Roadmap:
        items = {str(row["id"]): RoadmapItem.of(row) for row in figures.items}

        def column(quarter: QuarterColumn) -> RoadmapQuarter:
            return RoadmapQuarter(
                quarter=quarter.quarter,
                starting=[items[one] for one in quarter.starting],
                running=[items[one] for one in quarter.running],
                ending=[items[one] for one in quarter.ending],
            )

        return Roadmap(
            currency=figures.currency,
            quarters=[column(quarter) for quarter in figures.quarters],
            years=[RoadmapYear.of(year) for year in figures.years],
            arbitration_needed=figures.arbitration_needed,
            items=list(items.values()),
        )


# -- scenarios --------------------------------------------------------------------------------


@strawberry.enum(description="Where a saved scenario stands")
class ScenarioState(Enum):
    SAVED = "saved"
    ADOPTED = "adopted"
    ARCHIVED = "archived"


@strawberry.type
class YearAmount:
    year: int
    amount: Money


@strawberry.type(description="Two items tied together: a needs b (dependency) or not both")
class ItemPair:
    a: strawberry.ID
    b: strawberry.ID


@strawberry.type(description="An item the selection could take, as the scenario saw it")
class ScenarioCandidate:
    id: strawberry.ID
    title: str
    score: str = strawberry.field(description="Decimal string")
    cost_by_year: list[YearAmount]
    demand_by_role_period: JSON = strawberry.field(
        description="{role: {period: hours as a decimal string}}"
    )
    mandatory: bool


@strawberry.type(description="The whole selection problem, as it was when the scenario was saved")
class ScenarioInputs:
    candidates: list[ScenarioCandidate]
    budgets: list[YearAmount]
    currency: str
    capacity: JSON = strawberry.field(description="{role: {period: hours as a decimal string}}")
    capacity_version: int | None = strawberry.field(
        description="The capacity service's log position of the picture the capacity was "
        "taken from (null: the capacity was given with the inputs)"
    )
    dependencies: list[ItemPair] = strawberry.field(description="a is only selected with b")
    exclusions: list[ItemPair] = strawberry.field(description="a and b are not both selected")


@strawberry.type(description="What the optimiser answered for the inputs")
class ScenarioResult:
    selected: list[strawberry.ID]
    total_value: str = strawberry.field(description="Decimal string")
    budget_used: list[YearAmount]
    capacity_used: JSON = strawberry.field(description="{role: {period: hours}}")
    binding_constraints: list[str]
    optimal: bool
    solver: str
    solved_at: datetime

    @fields.field("The selected items as they are now")
    async def selected_items(self, info: GatewayInfo) -> list[PortfolioItem]:
        return await _items(info, self.selected)


@strawberry.type(description="A meeting's decision to adopt a scenario: a line of its register")
class ScenarioAdoptionDecision:
    decision_id: strawberry.ID
    meeting_id: strawberry.ID
    scenario_id: strawberry.ID
    body_id: strawberry.ID
    participants: list[str]
    rationale: str
    selected: list[strawberry.ID]
    decided_at: datetime

    @fields.field("The scenario adopted")
    async def scenario(self, info: GatewayInfo) -> Scenario | None:
        row = await portfolio(info).scenario.load(str(self.scenario_id))
        return Scenario.of(row) if row is not None else None

    @staticmethod
    def of(row: Row) -> ScenarioAdoptionDecision:
        return ScenarioAdoptionDecision(
            decision_id=strawberry.ID(row["decision_id"]),
            meeting_id=strawberry.ID(row["meeting_id"]),
            scenario_id=strawberry.ID(row["scenario_id"]),
            body_id=strawberry.ID(row["body_id"]),
            participants=list(row["participants"]),
            rationale=row["rationale"],
            selected=_ids(row["selected"]),
            decided_at=row["decided_at"],
        )


@strawberry.type(description="The governance decision that adopted the scenario")
class ScenarioAdoption:
    decision_id: strawberry.ID
    meeting_id: strawberry.ID
    body_id: strawberry.ID
    selected: list[strawberry.ID]
    adopted_by: str
    adopted_at: datetime

    @fields.field("The decision as the meeting recorded it (participants, rationale)")
    async def decision(self, info: GatewayInfo) -> ScenarioAdoptionDecision | None:
        row = await portfolio(info).adoption.load(str(self.decision_id))
        return ScenarioAdoptionDecision.of(row) if row is not None else None


@strawberry.type(description="A what-if selection saved with all its inputs and its result")
class Scenario:
    id: strawberry.ID
    name: str
    description: str
    state: ScenarioState
    inputs: ScenarioInputs
    result: ScenarioResult
    saved_by: str
    saved_at: datetime
    adoption: ScenarioAdoption | None
    archive_reason: str | None
    archived_at: datetime | None

    @staticmethod
    def of(row: Row) -> Scenario:
        inputs, result, adopted = row["inputs"], row["result"], row["adoption"]
        currency = str(inputs["currency"])

        def years(amounts: Any) -> list[YearAmount]:
            return [
                YearAmount(year=year, amount=required_money(value, currency))
                for year, value in sorted(by_year(amounts).items())
            ]

        def pairs(values: Any) -> list[ItemPair]:
            return [ItemPair(a=strawberry.ID(a), b=strawberry.ID(b)) for a, b in values or []]

        return Scenario(
            id=strawberry.ID(row["id"]),
            name=row["name"],
            description=row["description"],
            state=ScenarioState(row["state"]),
            inputs=ScenarioInputs(
                candidates=[
                    ScenarioCandidate(
                        id=strawberry.ID(c["id"]),
                        title=c["title"],
                        score=str(c["score"]),
                        cost_by_year=years(c.get("cost_by_year")),
                        demand_by_role_period=_object(c.get("demand_by_role_period")),
                        mandatory=bool(c.get("mandatory")),
                    )
                    for c in inputs["candidates"]
                ],
                budgets=years(inputs.get("budgets")),
                currency=currency,
                capacity=_object(inputs.get("capacity")),
                capacity_version=inputs.get("capacity_version"),
                dependencies=pairs(inputs.get("dependencies")),
                exclusions=pairs(inputs.get("exclusions")),
            ),
            result=ScenarioResult(
                selected=_ids(selected(row)),
                total_value=str(result["total_value"]),
                budget_used=years(result.get("budget_used")),
                capacity_used=_object(result.get("capacity_used")),
                binding_constraints=list(result.get("binding_constraints") or []),
                optimal=bool(result["optimal"]),
                solver=str(result["solver"]),
                solved_at=timestamp(result["solved_at"]),
            ),
            saved_by=row["saved_by"],
            saved_at=row["saved_at"],
            adoption=ScenarioAdoption(
                decision_id=strawberry.ID(adopted["decision_id"]),
                meeting_id=strawberry.ID(adopted["meeting_id"]),
                body_id=strawberry.ID(adopted["body_id"]),
                selected=_ids(adopted["selected"]),
                adopted_by=adopted["adopted_by"],
                adopted_at=timestamp(adopted["adopted_at"]),
            )
            if adopted
            else None,
            archive_reason=row["archive_reason"],
            archived_at=row["archived_at"],
        )


@strawberry.type(description="One scenario in a comparison")
class ScenarioComparisonRow:
    scenario: Scenario
    total_value: str
    selected: list[strawberry.ID]
    selected_count: int
    budget_used: list[YearAmount] = strawberry.field(
        description="Every year of the comparison, 0 where this scenario uses nothing"
    )
    capacity_used: JSON
    only_here: list[strawberry.ID] = strawberry.field(
        description="Selected by this scenario and by no other compared"
    )
    added: list[strawberry.ID] = strawberry.field(
        description="Selected here but not by the first scenario compared (in)"
    )
    removed: list[strawberry.ID] = strawberry.field(
        description="Selected by the first scenario compared but not here (out)"
    )

    @staticmethod
    def of(row: ComparisonRow, currency: str) -> ScenarioComparisonRow:
        scenario = Scenario.of(dict(row.scenario))
        return ScenarioComparisonRow(
            scenario=scenario,
            total_value=scenario.result.total_value,
            selected=scenario.result.selected,
            selected_count=len(scenario.result.selected),
            budget_used=[
                YearAmount(year=year, amount=required_money(amount, currency))
                for year, amount in row.budget_used.items()
            ],
            capacity_used=scenario.result.capacity_used,
            only_here=_ids(row.only_here),
            added=_ids(row.added),
            removed=_ids(row.removed),
        )


@strawberry.type(description="Scenarios side by side, in the order asked")
class ScenarioComparison:
    currency: str
    years: list[int]
    common: list[strawberry.ID] = strawberry.field(description="Selected by every scenario")
    rows: list[ScenarioComparisonRow]

    @staticmethod
    def of(comparison: Comparison) -> ScenarioComparison:
        return ScenarioComparison(
            currency=comparison.currency,
            years=list(comparison.years),
            common=_ids(comparison.common),
            rows=[ScenarioComparisonRow.of(row, comparison.currency) for row in comparison.rows],
        )
