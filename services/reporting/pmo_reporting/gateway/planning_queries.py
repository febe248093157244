"""The portfolio planning queries: budget envelopes, the roadmap, arbitration requests,
scenarios and their comparison, programmes. schema.py merges `PlanningQuery` into its `Query`."""

from __future__ import annotations

import strawberry

from pmo_reporting.gateway import fields
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.envelope_types import BudgetEnvelope
from pmo_reporting.gateway.errors import GatewayError, bad_input
from pmo_reporting.gateway.planning_types import (
    ArbitrationRequest,
    Roadmap,
    Scenario,
    ScenarioComparison,
    ScenarioState,
)
from pmo_reporting.gateway.portfolio_loaders import portfolio
from pmo_reporting.gateway.portfolio_roadmap import QuarterKey, build_roadmap, quarter_key
from pmo_reporting.gateway.portfolio_scenarios import NotComparable, compare
from pmo_reporting.gateway.portfolio_types import Programme


def _quarter(text: str | None, argument: str) -> QuarterKey | None:
    if text is None:
        return None
    key = quarter_key(text)
    if key is None:
        raise bad_input(
            f"{argument} must be a quarter like 2027-Q1, not {text!r}", argument=argument
        )
    return key


@strawberry.type
class PlanningQuery:
    @fields.field("Budget envelopes by year, of one year or all (closed ones too)")
    async def budget_envelopes(
        self, info: GatewayInfo, year: int | None = None
    ) -> list[BudgetEnvelope]:
        info.context.require_portfolio_reader("read the budget envelopes")
        rows = await portfolio(info).read_model.envelopes(year)
        return [BudgetEnvelope.of(row) for row in rows]

    @fields.field("One budget envelope with every version; null if the read model lacks it")
    async def budget_envelope(self, info: GatewayInfo, id: strawberry.ID) -> BudgetEnvelope | None:
        info.context.require_portfolio_reader("read the budget envelope")
        row = await portfolio(info).envelope.load(str(id))
        return BudgetEnvelope.of(row) if row is not None else None

    @fields.field(
        "The roadmap: approved, planned items by quarter, and each year's commitments against "
        "its open envelope; limited to the items active between two quarters when given"
    )
    async def roadmap(
        self,
        info: GatewayInfo,
        from_quarter: str | None = None,
        to_quarter: str | None = None,
    ) -> Roadmap:
        info.context.require_portfolio_reader("read the roadmap")
        first = _quarter(from_quarter, "fromQuarter")
        last = _quarter(to_quarter, "toQuarter")
        if first is not None and last is not None and last < first:
            raise bad_input("toQuarter comes before fromQuarter", argument="toQuarter")
        loaders = portfolio(info)
        items = await loaders.read_model.planned_items()
        for row in items:
            loaders.item.prime(row["id"], row)
        envelopes = await loaders.read_model.envelopes(open_only=True)
        return Roadmap.of(build_roadmap(items, envelopes, first=first, last=last))

    @fields.field("Arbitration requests, the latest first; of one year or all")
    async def arbitration_requests(
        self, info: GatewayInfo, year: int | None = None
    ) -> list[ArbitrationRequest]:
        info.context.require_portfolio_reader("read the arbitration requests")
        rows = await portfolio(info).read_model.arbitration_requests(year)
        return [ArbitrationRequest.of(row) for row in rows]

    @fields.field("Saved scenarios, the latest first; in one state or all")
    async def scenarios(
        self, info: GatewayInfo, state: ScenarioState | None = None
    ) -> list[Scenario]:
        info.context.require_portfolio_reader("read the scenarios")
        rows = await portfolio(info).read_model.scenarios(state.value if state else None)
        return [Scenario.of(row) for row in rows]

    @fields.field("One scenario: its inputs, result and adoption")
    async def scenario(self, info: GatewayInfo, id: strawberry.ID) -> Scenario | None:
        info.context.require_portfolio_reader("read the scenario")
        row = await portfolio(info).scenario.load(str(id))
        return Scenario.of(row) if row is not None else None

    @fields.field(
        "Scenarios side by side (in one currency): value, budget used per year, capacity "
        "used, selection, and what each takes in or leaves out against the first"
    )
    async def scenario_comparison(
        self, info: GatewayInfo, ids: list[strawberry.ID]
    ) -> ScenarioComparison:
        info.context.require_portfolio_reader("read the scenario comparison")
        wanted = [str(one) for one in ids]
        found = await portfolio(info).scenario.load_many(wanted)
        missing = [one for one, row in zip(wanted, found, strict=True) if row is None]
        if missing:
            raise GatewayError(
                f"no such scenario: {', '.join(missing)}", "NOT_FOUND", status=404, ids=missing
            )
        try:
            return ScenarioComparison.of(compare([row for row in found if row is not None]))
        except NotComparable as exc:
            raise bad_input(str(exc), argument="ids") from exc

    @fields.field("The programmes by name")
    async def programmes(self, info: GatewayInfo) -> list[Programme]:
        info.context.require_portfolio_reader("read the programmes")
        rows = await portfolio(info).read_model.programmes_by_ids(None)
        return [Programme.of(row) for row in rows.values()]

    @fields.field("One programme with its items")
    async def programme(self, info: GatewayInfo, id: strawberry.ID) -> Programme | None:
        info.context.require_portfolio_reader("read the programme")
        row = await portfolio(info).programme.load(str(id))
        return Programme.of(row) if row is not None else None
