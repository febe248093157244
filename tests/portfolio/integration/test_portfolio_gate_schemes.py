"""Configurable stage gates on the portfolio service, real PostgreSQL, through its REST API: the PMO
publishes a four-gate scheme (G0 idea, G1 qualified, G2 funded, G3 closed) with the routing rules;
a demand accepted afterwards enters under it, one accepted before keeps the default five gates."""

from __future__ import annotations

from typing import Any

from pmo_demand.domain import (
    AcceptDemand,
    Demand,
    DemandContent,
    GovernanceRules,
    QualifyDemand,
    SubmitDemand,
)
from pmo_portfolio.domain.governance import DEFAULT_ROUTING_RULES
from tests.portfolio.integration.support import ANALYST, BOARD, Portfolio
from tests.portfolio.integration.test_portfolio_governance_flow import case, demand_events

DEFAULT_GATES = {
    "gates": [
        {"code": "G0", "name": "idea"},
        {"code": "G1", "name": "qualified"},
        {"code": "G2", "name": "business case approved"},
        {"code": "G3", "name": "go for delivery"},
        {"code": "G4", "name": "closure"},
    ],
    "entry_gate": "G1",
    "planning_gate": "G2",
}
FOUR_GATES = {
    "gates": [
        {"code": "G0", "name": "idea"},
        {"code": "G1", "name": "qualified"},
        {"code": "G2", "name": "funded"},
        {"code": "G3", "name": "closed"},
    ],
    "entry_gate": "G1",
    "planning_gate": "G2",
}
RULES = [rule.model_dump(mode="json") for rule in DEFAULT_ROUTING_RULES]


async def accepted(p: Portfolio, demand_id: str) -> None:
    """A demand submitted, qualified and accepted, delivered to the intake as from Kafka."""
    demand = Demand.submit(
        demand_id,
        SubmitDemand(content=DemandContent(title=f"Demand {demand_id}", description="",
                                           department="IT", category="project", urgency="low"),
                     business_case=case("90000")),
        requester="alice",
    )  # fmt: skip
    demand.qualify(QualifyDemand(), GovernanceRules(), "paul")
    demand.accept(AcceptDemand(), "paul")
    await p.deliver(demand_events(demand, 1))


def gates_of(item: dict[str, Any]) -> list[str]:
    return [gate["code"] for gate in item["gate_scheme"]["gates"]]


async def test_a_published_gate_scheme_applies_to_new_items_and_old_ones_keep_theirs(
    portfolio: Portfolio,
) -> None:
    p = portfolio

    # Given the default configuration (version 1, published at start-up) and an item under it
    before = await p.get("/routing-rules")
    assert before["in_force"]["version"] == 1
    assert before["in_force"]["gates"] == DEFAULT_GATES
    assert before["gates"] == DEFAULT_GATES
    await accepted(p, "d-old")
    old = await p.get("/items/d-old")
    assert old["gate_scheme"] == DEFAULT_GATES

    # When the PMO publishes version 2 with a four-gate scheme
    answer = await p.post("/routing-rules/versions", {"rules": RULES, "gates": FOUR_GATES},
                          ANALYST, 201, if_match=1)  # fmt: skip
    assert answer["details"]["rules_version"] == 2

    # Then the configuration shows it in force, every version with its own scheme
    after = await p.get("/routing-rules")
    assert (after["version"], after["in_force"]["version"]) == (2, 2)
    assert after["in_force"]["gates"] == after["gates"] == FOUR_GATES
    assert [v["gates"] for v in after["versions"]] == [DEFAULT_GATES, FOUR_GATES]
    assert [r["id"] for r in after["in_force"]["rules"]] == [r["id"] for r in RULES]

    # and a demand accepted now enters under it; the older item keeps its five gates
    await accepted(p, "d-new")
    new = await p.get("/items/d-new")
    assert new["gate_scheme"] == FOUR_GATES
    assert (new["current_gate"], new["passed_gates"], new["next_gate"]) == (
        "G1", ["G0", "G1"], "G2",
    )  # fmt: skip
    old = await p.get("/items/d-old")
    assert gates_of(old) == ["G0", "G1", "G2", "G3", "G4"]

    # A body may still be granted a right at G4, the old item's closure gate, but not at G9
    refusal = await p.committee("pc", "project_committee", gates=("G2", "G3", "G4"))
    refused = await p.post("/governance-bodies/pc/rights",
                           {"gate": "G9", "outcomes": ["approve"]}, ANALYST, 422)  # fmt: skip
    assert "G0 idea, G1 qualified, G2 funded, G3 closed" in refused["detail"]

    # A decision at a gate the new item's scheme does not know is refused, naming its gates
    agenda = {"item_id": "d-new", "gate": "G4", "purpose": "Close"}
    await p.post(f"/meetings/{refusal}/agenda", agenda, ANALYST)
    attempt = {"item_id": "d-new", "gate": "G4", "outcome": "approve",
               "participants": ["ivy", "ian"], "rationale": "Done"}  # fmt: skip
    refused = await p.post(f"/meetings/{refusal}/decisions", attempt, BOARD, 422)
    assert (
        "G4 is not a stage gate of item d-new (gates: G0 idea, G1 qualified, G2 funded, G3 closed)"
        in refused["detail"]
    )

    # Funding at G2 approves the new item; G3 is its last gate and closes it
    funded = await p.decide(await p.meeting("pc", "pc-new-g2"), "d-new", "G2")
    assert (funded["details"]["item_state"], funded["details"]["current_gate"]) == (
        "approved", "G2",
    )  # fmt: skip
    closed = await p.decide(await p.meeting("pc", "pc-new-g3"), "d-new", "G3")
    assert (closed["details"]["item_state"], closed["details"]["current_gate"]) == (
        "closed", "G3",
    )  # fmt: skip
    assert (await p.get("/items/d-new"))["next_gate"] is None

    # The old item still goes G2, G3 and G4 under its own scheme
    for gate in ("G2", "G3", "G4"):
        meeting = await p.meeting("pc", f"pc-old-{gate.lower()}")
        decided = await p.decide(meeting, "d-old", gate)
        assert decided["details"]["current_gate"] == gate
    assert decided["details"]["item_state"] == "closed"

    # A later publication that names no scheme keeps the one in force
    await p.post("/routing-rules/versions", {"rules": RULES[:1]}, ANALYST, 201)
    latest = await p.get("/routing-rules")
    assert latest["in_force"]["version"] == 3
    assert latest["in_force"]["gates"] == FOUR_GATES
