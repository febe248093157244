"""The KPI queries: one root field per KPI, each with the same optional filter (programme,
department, period), so a dashboard asks for all of them in one request and a refused one
(budgetKpi for a caller who may not see budgets: FORBIDDEN) leaves the others answered.
schema.py merges `KpiQuery` into its `Query`.

Every KPI counts only what the caller may see (gateway/access.py): the demands and items they
see, amounts only of the items seen with figures (the others are counted in
`figuresHiddenItems`), the people of the capacity rule. Budgets are a portfolio-wide view:
for the portfolio's readers only, as `budgetEnvelopes` is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from weakref import WeakKeyDictionary

import strawberry

from pmo_kernel.access import Sight
from pmo_kernel.errors import PmoError
from pmo_reporting.gateway import fields
from pmo_reporting.gateway.access import item_sight
from pmo_reporting.gateway.amounts import money, required_money
from pmo_reporting.gateway.capacity import draw_heatmap
from pmo_reporting.gateway.capacity_loads import Unit
from pmo_reporting.gateway.capacity_readmodel import PeopleFilter
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.errors import from_pmo_error
from pmo_reporting.gateway.kpi_budget import budget_years
from pmo_reporting.gateway.kpi_figures import (
    benefit_totals,
    by_objective,
    by_programme,
    planned_value,
    portfolio_currency,
    utilisation_by_role,
    value_groups,
)
from pmo_reporting.gateway.kpi_filters import (
    InvalidKpiFilter,
    KpiFilter,
    KpiPeriod,
    KpiScope,
    kpi_scope,
    parse_kpi_period,
)
from pmo_reporting.gateway.kpi_readmodel import LEAD_TIME_STAGES, KpiReadModel, Row
from pmo_reporting.gateway.kpi_types import (
    BenefitsKpi,
    BudgetKpi,
    BudgetYearKpi,
    CapacityKpi,
    DecisionCount,
    DecisionsKpi,
    DemandPipelineKpi,
    KpiPeriodInfo,
    LeadTime,
    LeadTimeStage,
    PipelineCount,
    PortfolioValueKpi,
    RoleUtilisationKpi,
    TopRisksKpi,
    ValueGroupKpi,
)
from pmo_reporting.gateway.pagination import check_page_size
from pmo_reporting.gateway.portfolio_readmodel import PortfolioReadModel
from pmo_reporting.gateway.register_types import Risk, open_risks, rank_key
from pmo_reporting.gateway.types import DemandState

_READ_MODELS: WeakKeyDictionary[PortfolioReadModel, KpiReadModel] = WeakKeyDictionary()


def kpi_read_model(info: GatewayInfo) -> KpiReadModel:
    """The app's KPI statements, on the portfolio read model's engine and schema."""
    portfolio = info.context.services.portfolio_read_model
    found = _READ_MODELS.get(portfolio)
    if found is None:
        found = _READ_MODELS[portfolio] = KpiReadModel(portfolio.engine, portfolio.s.strip('"'))
    return found


async def scope_of(info: GatewayInfo, filter: KpiFilter | None) -> KpiScope:
    """The caller's filter, checked: INVALID_KPI_FILTER for a bad one. An unknown programme is
    refused only to those who may list programmes; to others it is a programme they see no
    item of (so its existence cannot be probed)."""
    info.context.principal()  # signed in first: UNAUTHENTICATED before any other answer
    try:
        scope = kpi_scope(filter)
        if (
            scope.programme is not None
            and info.context.audience(delivered=True).everything
            and not await kpi_read_model(info).programme_exists(scope.programme)
        ):
            raise InvalidKpiFilter(f"no programme {scope.programme!r}", argument="programme")
    except PmoError as exc:
        raise from_pmo_error(exc) from None
    return scope


def _period_info(period: KpiPeriod | None) -> KpiPeriodInfo | None:
    if period is None:
        return None
    return KpiPeriodInfo(name=period.name, start=period.start.isoformat(),
                         end=period.end.isoformat())  # fmt: skip


def _rounded(days: float | None) -> float | None:
    return round(days, 3) if days is not None else None


def _now() -> datetime:
    return datetime.now(UTC)


def _current_quarter() -> KpiPeriod:
    today = _now().date()
    return parse_kpi_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}")


async def _items_with_benefits(
    info: GatewayInfo, scope: KpiScope, *, in_play: bool
) -> tuple[list[Row], dict[str, Sight], str, dict[str, list[Row]]]:
    """The items the caller sees (in play only, or all), how much of each, the currency of
    those seen in full, and the items' benefits."""
    audience = info.context.audience(delivered=True)
    read_model = kpi_read_model(info)
    items = await read_model.items(scope, audience, in_play_only=in_play)
    sights = {row["id"]: item_sight(audience, row) for row in items}
    currency = portfolio_currency(r for r in items if sights[r["id"]] is Sight.FULL)
    benefits = await read_model.registers("benefit_registers", [r["id"] for r in items])
    return items, sights, currency, benefits


@strawberry.type
class KpiQuery:
    @fields.field(
        "The demands submitted in the period (all when none), by state, and how long they took "
        "from submission to qualification to decision (median and p90, in days)"
    )
    async def demand_pipeline_kpi(
        self, info: GatewayInfo, filter: KpiFilter | None = None
    ) -> DemandPipelineKpi:
        scope = await scope_of(info, filter)
        audience = info.context.audience(delivered=False)
        read_model = kpi_read_model(info)
        counts = await read_model.demand_counts(scope, audience)
        times = await read_model.lead_times(scope, audience)
        return DemandPipelineKpi(
            period=_period_info(scope.period),
            total=sum(counts.values()),
            by_state=[PipelineCount(state=s, count=counts.get(s.value, 0)) for s in DemandState],
            lead_times=[
                LeadTime(
                    stage=LeadTimeStage(name),
                    demands=times[name]["count"],
                    median_days=_rounded(times[name]["median"]),
                    p90_days=_rounded(times[name]["p90"]),
                )
                for name, _, _ in LEAD_TIME_STAGES
            ],
        )

    @fields.field(
        "Decisions taken in the period on the items the caller sees, per body and outcome"
    )
    async def decisions_kpi(
        self, info: GatewayInfo, filter: KpiFilter | None = None
    ) -> DecisionsKpi:
        scope = await scope_of(info, filter)
        rows = await kpi_read_model(info).decision_counts(
            scope, info.context.audience(delivered=True)
        )
        found = [
            DecisionCount(
                body_id=strawberry.ID(row["body_id"]), body_name=row["body_name"],
                body_kind=row["body_kind"], outcome=row["outcome"], count=int(row["count"]),
            )
            for row in rows
        ]  # fmt: skip
        return DecisionsKpi(
            period=_period_info(scope.period),
            total=sum(d.count for d in found),
            by_body_and_outcome=found,
        )

    @fields.field(
        "The items in play the caller sees: estimated cost and planned monetary benefits, by "
        "programme and by strategic objective"
    )
    async def portfolio_value_kpi(
        self, info: GatewayInfo, filter: KpiFilter | None = None
    ) -> PortfolioValueKpi:
        scope = await scope_of(info, filter)
        items, sights, currency, benefits = await _items_with_benefits(info, scope, in_play=True)
        values = {r["id"]: planned_value(r, benefits.get(r["id"], []), currency) for r in items}
        programmes = value_groups(items, sights, values, currency, by_programme)
        objectives = value_groups(items, sights, values, currency, by_objective)
        whole = value_groups(items, sights, values, currency, lambda _: [(None, "all")])
        hidden = sum(1 for sight in sights.values() if sight is not Sight.FULL)
        return PortfolioValueKpi(
            currency=currency,
            items=len(items),
            figures_hidden_items=hidden,
            cost=required_money(whole[0].cost if whole else 0, currency),
            value=required_money(whole[0].value if whole else 0, currency),
            by_programme=[ValueGroupKpi.of(g, currency) for g in programmes],
            by_objective=[ValueGroupKpi.of(g, currency) for g in objectives],
        )

    @fields.field(
        "Per year (of the period, or every year with money): the open budget envelopes, the "
        "approved items' committed cost and the actual cost; for the portfolio's readers"
    )
    async def budget_kpi(
        self, info: GatewayInfo, filter: KpiFilter | None = None
    ) -> BudgetKpi | None:
        scope = await scope_of(info, filter)
        info.context.require_portfolio_reader("read the budget KPIs")
        audience = info.context.audience(delivered=True)
        currency, years = await budget_years(
            kpi_read_model(info), info.context.services, scope, audience, _now()
        )
        return BudgetKpi(
            currency=currency,
            years=[
                BudgetYearKpi(
                    year=y.year,
                    budget=money(y.budget, currency),
                    committed=required_money(y.committed, currency),
                    actual=required_money(y.actual, currency),
                    remaining=money(y.remaining, currency),
                    committed_percent=str(y.committed_percent)
                    if y.committed_percent is not None
                    else None,
                )
                for y in years
            ],
        )

    @fields.field(
        "Allocated against available hours by role, over the period's ISO weeks (the current "
        "quarter when none), of the people the caller sees"
    )
    async def capacity_kpi(self, info: GatewayInfo, filter: KpiFilter | None = None) -> CapacityKpi:
        scope = await scope_of(info, filter)
        first, last = (scope.period or _current_quarter()).weeks
        heatmap = await draw_heatmap(
            info.context.services.capacity_read_model, PeopleFilter(),
            info.context.people_audience(), first, last, Unit.HOURS,
        )  # fmt: skip
        return CapacityKpi(
            from_week=first,
            to_week=last,
            roles=[RoleUtilisationKpi.of(found) for found in utilisation_by_role(heatmap)],
        )

    @fields.field(
        "The open risks of the items in play the caller sees, worst first: by residual score, "
        "then inherent score, then the oldest"
    )
    async def top_risks_kpi(
        self, info: GatewayInfo, filter: KpiFilter | None = None, first: int = 10
    ) -> TopRisksKpi:
        scope = await scope_of(info, filter)
        check_page_size(first)
        read_model = kpi_read_model(info)
        items = await read_model.items(scope, info.context.audience(delivered=True))
        registers = await read_model.registers("risk_registers", [r["id"] for r in items])
        risks = sorted(open_risks({"risks": risks} for risks in registers.values()), key=rank_key)
        return TopRisksKpi(open_risks=len(risks), risks=[Risk.of(r) for r in risks[:first]])

    @fields.field(
        "Monetary benefits of the items the caller sees with figures, realised against planned "
        "by the period's last month (this month when none), in the portfolio's currency"
    )
    async def benefits_kpi(self, info: GatewayInfo, filter: KpiFilter | None = None) -> BenefitsKpi:
        scope = await scope_of(info, filter)
        items, sights, currency, benefits = await _items_with_benefits(info, scope, in_play=False)
        now = _now()
        through = scope.period.last_month if scope.period else f"{now.year:04d}-{now.month:02d}"
        return BenefitsKpi.of(benefit_totals(items, sights, benefits, currency, through))
