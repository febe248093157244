"""The issue's scenario on the portfolio service, real PostgreSQL: a EUR 300K demand accepted →
candidate → scored by two evaluators → the project committee alone cannot approve it at G2
(refused, rule named) → the investment committee approves → on the roadmap; then its business
case is revised and the decision shows the old version, flagged outdated."""

from __future__ import annotations

from pmo_demand.domain import (
    AcceptDemand,
    BusinessCase,
    Demand,
    DemandContent,
    GovernanceRules,
    QualifyDemand,
    ReviseBusinessCase,
    SubmitDemand,
)
from pmo_kernel.cloudevents import ReceivedEvent, from_recorded
from pmo_kernel.events import Actor, EventMetadata
from pmo_kernel.money import Money
from pmo_kernel.recorded import RecordedEvent
from tests.portfolio.integration.support import ANALYST, BOARD, Portfolio


def demand_events(demand: Demand, start: int) -> list[ReceivedEvent]:
    """The demand's pending events as the portfolio would receive them from Kafka."""
    meta = EventMetadata(actor=Actor(id="alice", name="Alice", roles=("requester",)))
    out = []
    for offset, event in enumerate(demand.pending, start=start):
        recorded = RecordedEvent.of(
            event, meta, stream_type="demand", stream_id=demand.id, stream_version=offset
        )
        out.append(from_recorded("demand", recorded))
    demand.mark_saved(start + len(demand.pending) - 1, None)
    return out


def case(cost: str) -> BusinessCase:
    return BusinessCase(
        problem="Payroll is unsupported",
        objectives=["Supported payroll"],
        estimated_cost=Money.of(cost),
        effort_person_days=400,
        expected_benefits="No outage",
        benefits_estimate=Money.of("900000"),
    )


CRITERIA = [
    {"key": "strategic_alignment", "label": "Strategic alignment", "weight": "40",
     "scale": {"min": 0, "max": 10}, "direction": "higher_is_better", "dimension": "value"},
    {"key": "business_value", "label": "Business value", "weight": "40",
     "scale": {"min": 0, "max": 10}, "direction": "higher_is_better", "dimension": "value"},
    {"key": "risk", "label": "Risk", "weight": "20", "scale": {"min": 0, "max": 10},
     "direction": "inverse", "dimension": "risk"},
]  # fmt: skip


async def test_a_300k_demand_needs_the_investment_committee_and_its_decision_keeps_its_inputs(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    demand = Demand.submit(
        "d-payroll",
        SubmitDemand(
            content=DemandContent(
                title="Replace payroll", description="", sponsor="CFO", department="Finance",
                category="project", urgency="high",
            ),
            business_case=case("300000"),
        ),
        requester="alice",
    )  # fmt: skip
    demand.qualify(QualifyDemand(), GovernanceRules(), "paul")
    demand.accept(AcceptDemand(), "paul")
    await p.deliver(demand_events(demand, 1))

    item = (await p.client.get("/items/d-payroll", headers=p.as_(*ANALYST))).json()
    assert (item["state"], item["current_gate"], item["business_case_version"]) == (
        "candidate", "G1", 1,
    )  # fmt: skip

    await p.post("/scoring-models", {"model_id": "sm", "name": "Value", "criteria": CRITERIA},
                 ANALYST, 201)  # fmt: skip
    await p.post("/scoring-models/sm/publication", None, ANALYST)
    for evaluator, marks in (("paul", (8, 7, 3)), ("bea", (6, 9, 5))):
        scores = dict(zip(("strategic_alignment", "business_value", "risk"), marks, strict=True))
        await p.post(
            "/items/d-payroll/scores",
            {"model_id": "sm", "scores": scores,
             "justifications": dict.fromkeys(scores, f"{evaluator} says so")},
            (evaluator, "portfolio_board"),
        )  # fmt: skip

    for body_id, kind, members in (
        ("pc", "project_committee", ("pia", "pete")),
        ("ic", "investment_committee", ("ivy", "ian")),
    ):
        body = {"body_id": body_id, "kind": kind, "name": kind.replace("_", " ")}
        await p.post("/governance-bodies", body, ANALYST, 201)
        for person in members:
            await p.post(f"/governance-bodies/{body_id}/members", {"person_id": person}, ANALYST)
        right = {"gate": "G2", "outcomes": ["approve", "reject", "defer"]}
        await p.post(f"/governance-bodies/{body_id}/rights", right, ANALYST)
        meeting = {"meeting_id": f"{body_id}-jan", "body_id": body_id, "date": "2027-01-15",
                   "title": "January"}  # fmt: skip
        await p.post("/meetings", meeting, ANALYST, 201)
        agenda = {"item_id": "d-payroll", "gate": "G2", "purpose": "Approve the case"}
        await p.post(f"/meetings/{body_id}-jan/agenda", agenda, ANALYST)

    decision = {"item_id": "d-payroll", "gate": "G2", "outcome": "approve",
                "rationale": "Strong case", "scoring_model_id": "sm"}  # fmt: skip
    refused = await p.client.post(
        "/meetings/pc-jan/decisions", json={**decision, "participants": ["pia", "pete"]},
        headers=p.as_(*BOARD),
    )  # fmt: skip
    assert refused.status_code == 422
    assert refused.json()["code"] == "governance_rule_failed"
    assert "cost-over-250k" in [r["rule"] for r in refused.json()["failed_rules"]]

    await p.post("/meetings/ic-jan/decisions", {**decision, "participants": ["ivy", "ian"]},
                 BOARD, 201)  # fmt: skip
    costs = {"2027": {"amount": "200000", "currency": "EUR"},
             "2028": {"amount": "100000", "currency": "EUR"}}  # fmt: skip
    plan = {"start_quarter": "2027-Q2", "end_quarter": "2028-Q1", "cost_per_year": costs}
    await p.post("/items/d-payroll/plan", plan, ANALYST)

    demand.revise_business_case(ReviseBusinessCase(business_case=case("340000")), "alice")
    await p.deliver(demand_events(demand, 4))

    item = (await p.client.get("/items/d-payroll", headers=p.as_(*ANALYST))).json()
    (taken,) = item["decisions"]
    assert (item["state"], item["current_gate"]) == ("approved", "G2")
    assert taken["body_kind"] == "investment_committee"
    assert taken["business_case_version"] == 1
    assert taken["business_case"]["estimated_cost"] == {"amount": "300000", "currency": "EUR"}
    assert taken["scoring_model_id"] == "sm"
    assert taken["scoring_model_version"] == 1
    assert taken["evaluator_count"] == 2
    assert taken["rule_set_version"] == 1
    assert taken["outdated"] is True
    assert item["business_case_version"] == 2
    minutes = (await p.client.get("/meetings/ic-jan", headers=p.as_(*ANALYST))).json()["minutes"]
    assert [m["decision_id"] for m in minutes] == [taken["decision_id"]]


async def test_redelivered_demand_events_register_the_candidate_once(portfolio: Portfolio) -> None:
    demand = Demand.submit(
        "d-twice",
        SubmitDemand(content=DemandContent(title="T", description="", department="IT",
                                           category="change", urgency="low"),
                     business_case=case("1000")),
        requester="alice",
    )  # fmt: skip
    demand.qualify(QualifyDemand(), GovernanceRules(), "paul")
    demand.accept(AcceptDemand(), "paul")
    events = demand_events(demand, 1)

    await portfolio.deliver(events)
    await portfolio.deliver(events)

    assert [
        e.stream_version
        for e in await portfolio.container.store.read_stream("portfolio-item", "d-twice")
    ] == [1]
