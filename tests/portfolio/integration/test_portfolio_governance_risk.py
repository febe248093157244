"""The demand intake gives a candidate the risk level of its business case, so routing rules that
test risk decide instead of staying undetermined."""

from __future__ import annotations

from pmo_demand.domain import (
    AcceptDemand,
    Demand,
    DemandContent,
    GovernanceRules,
    QualifyDemand,
    SubmitDemand,
)
from pmo_portfolio.domain.governance import (
    BodyKind,
    Condition,
    RiskLevel,
    RoutingRule,
    RoutingRules,
)
from tests.portfolio.integration.support import Portfolio
from tests.portfolio.integration.test_portfolio_governance_flow import case, demand_events

RISKY_TO_STEERING = RoutingRule(
    id="risky-to-steering",
    description="A high-risk item needs the steering committee's approval to pass G2.",
    condition=Condition(field="risk_level", op="gte", value="high"),
    gate="G2",
    body_kind=BodyKind.STEERING_COMMITTEE,
)


async def accepted(p: Portfolio, demand_id: str, risks: list[str]) -> None:
    demand = Demand.submit(
        demand_id,
        SubmitDemand(
            content=DemandContent(
                title="Replace payroll", sponsor="CFO", department="Finance",
                category="project", urgency="high",
            ),
            business_case=case("100000").model_copy(update={"risks": risks}),
        ),
        requester="alice",
    )  # fmt: skip
    demand.qualify(QualifyDemand(), GovernanceRules(), "paul")
    demand.accept(AcceptDemand(), "paul")
    await p.deliver(demand_events(demand, 1))


async def test_an_accepted_demand_with_a_rated_risk_registers_a_candidate_with_its_level(
    portfolio: Portfolio,
) -> None:
    await accepted(portfolio, "d-risky", ["Scope creep", "Key users away during rollout (P4 I4)"])

    item = await portfolio.container.service.items.get("d-risky")

    assert item.risk_level is RiskLevel.HIGH
    rules = RoutingRules(version=1, rules=(RISKY_TO_STEERING,))
    (evaluation,) = rules.evaluate(item.facts, "G2")
    assert evaluation.applies is True
    assert evaluation.reason == "risk level high >= high"


async def test_a_demand_whose_risks_are_not_rated_leaves_the_risk_rule_undetermined(
    portfolio: Portfolio,
) -> None:
    await accepted(portfolio, "d-unrated", ["Scope creep"])

    item = await portfolio.container.service.items.get("d-unrated")

    assert item.risk_level is None
    (evaluation,) = RoutingRules(version=1, rules=(RISKY_TO_STEERING,)).evaluate(item.facts, "G2")
    assert evaluation.applies is None
