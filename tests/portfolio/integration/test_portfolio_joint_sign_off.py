"""Joint sign-off on the portfolio service, real PostgreSQL, through its REST API: a EUR 400K
regulatory item needs the steering committee (regulatory-to-steering) and the investment
committee (cost-over-250k) at G2; the item's read-back shows the approvals given and awaited."""

from __future__ import annotations

from tests.portfolio.integration.support import ANALYST, BOARD, Portfolio


async def test_a_400k_regulatory_item_passes_g2_once_both_committees_approved(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    await p.candidate("reg", "400000", category="regulatory")
    meetings = {
        kind: await p.committee(body_id, kind)
        for body_id, kind in (
            ("pc", "project_committee"),
            ("sc", "steering_committee"),
            ("ic", "investment_committee"),
        )
    }

    # Before any decision, the read-back says who must approve at G2 and why
    item = await p.get("/items/reg")
    assert item["approvals"] == {
        "gate": "G2",
        "required": [
            {"body_kind": "steering_committee", "rule_ids": ["regulatory-to-steering"],
             "approved": False},
            {"body_kind": "investment_committee", "rule_ids": ["cost-over-250k"],
             "approved": False},
        ],
        "given": [],
        "awaiting": ["steering_committee", "investment_committee"],
        "lapsed": [],
    }  # fmt: skip

    # The project committee alone is refused, naming the rules
    agenda = {"item_id": "reg", "gate": "G2", "purpose": "Approve the case"}
    await p.post(f"/meetings/{meetings['project_committee']}/agenda", agenda, ANALYST)
    attempt = {"item_id": "reg", "gate": "G2", "outcome": "approve",
               "participants": ["ivy", "ian"], "rationale": "Worth it"}  # fmt: skip
    refused = await p.post(f"/meetings/{meetings['project_committee']}/decisions", attempt,
                           BOARD, 422)  # fmt: skip
    assert [r["rule"] for r in refused["failed_rules"]] == [
        "cost-over-250k",
        "regulatory-to-steering",
    ]

    # The steering committee approves: recorded, the item still a candidate awaiting the IC
    first = await p.decide(meetings["steering_committee"], "reg")
    assert first["details"]["item_state"] == "candidate"
    assert first["details"]["current_gate"] == "G1"
    assert first["details"]["awaiting_approval_from"] == ["investment_committee"]
    item = await p.get("/items/reg")
    assert (item["state"], item["current_gate"]) == ("candidate", "G1")
    (steering_decision,) = item["decisions"]
    assert steering_decision["awaiting_approval_from"] == ["investment_committee"]
    assert steering_decision["earlier_approvals"] == []
    approvals = item["approvals"]
    assert [(g["body_id"], g["body_kind"], g["outcome"]) for g in approvals["given"]] == [
        ("sc", "steering_committee", "approve")
    ]
    assert approvals["given"][0]["decision_id"] == first["details"]["decision_id"]
    assert approvals["awaiting"] == ["investment_committee"]
    assert [r["approved"] for r in approvals["required"]] == [True, False]

    # The steering committee approving again in another meeting is a conflict
    await p.meeting("sc", "sc-feb")
    await p.post("/meetings/sc-feb/agenda", agenda, ANALYST)
    again = await p.post("/meetings/sc-feb/decisions", attempt, BOARD, 409)
    assert "already approved it" in again["detail"]

    # The investment committee approves: the item passes G2
    last = await p.decide(meetings["investment_committee"], "reg")
    assert (last["details"]["item_state"], last["details"]["current_gate"]) == ("approved", "G2")
    assert last["details"]["awaiting_approval_from"] == []
    item = await p.get("/items/reg")
    assert (item["state"], item["current_gate"]) == ("approved", "G2")
    assert item["decisions"][1]["earlier_approvals"] == [first["details"]["decision_id"]]
    assert item["approvals"]["gate"] == "G3"
    assert (item["approvals"]["given"], item["approvals"]["awaiting"]) == ([], [])
