"""What-if scenarios solved by the optimiser and saved with their inputs, compared, archived and
adopted by a committee: the portfolio service on real PostgreSQL through its REST API."""

from __future__ import annotations

from typing import Any

from tests.portfolio.integration.support import ANALYST, BOARD, Portfolio


def candidate(item_id: str, score: str, cost: str, mandatory: bool = False) -> dict[str, Any]:
    return {"id": item_id, "title": f"Project {item_id}", "score": score,
            "cost_by_year": {"2027": cost}, "mandatory": mandatory}  # fmt: skip


def scenario(scenario_id: str, *candidates: dict[str, Any], budget: str = "700000",
             **inputs: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "scenario_id": scenario_id,
        "name": f"What if {scenario_id}",
        "description": "Best value within the 2027 envelope",
        "inputs": {"candidates": list(candidates), "budgets": {"2027": budget},
                   "currency": "EUR", **inputs},
    }  # fmt: skip


THREE = (
    candidate("crm", "8.5", "400000", mandatory=True),
    candidate("erp", "6", "300000"),
    candidate("hr", "5", "200000"),
)


async def test_a_scenario_is_solved_and_saved_with_its_inputs_and_result(
    portfolio: Portfolio,
) -> None:
    p = portfolio

    saved = await p.post("/scenarios", scenario("best", *THREE), ANALYST, 201)

    assert saved["details"]["selected"] == ["crm", "erp"]
    assert (saved["details"]["total_value"], saved["details"]["optimal"]) == ("14.5", True)
    shown = await p.get("/scenarios/best")
    assert shown["state"] == "saved"
    assert [c["id"] for c in shown["inputs"]["candidates"]] == ["crm", "erp", "hr"]
    result = shown["result"]
    assert (result["selected"], result["budget_used"], result["solver"]) == (
        ["crm", "erp"], {"2027": "700000"}, "milp-highs",
    )  # fmt: skip
    assert result["binding_constraints"] == ["budget 2027"]
    explanation = shown["explanation"]
    assert [(i["id"], i["blocked_by"]) for i in explanation["below_cut"]] == [
        ("hr", ["budget 2027"])
    ]
    assert [i["id"] for i in explanation["above_cut"]] == ["erp"]  # crm is mandatory
    assert len(explanation["frontier"]) == 10
    assert explanation["frontier"][-1]["value"] == "14.5"


async def test_an_infeasible_scenario_is_refused_naming_why_and_nothing_is_saved(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    over = scenario("too-much", *THREE, budget="350000")

    refused = await p.post("/scenarios", over, ANALYST, 422)

    assert refused["code"] == "infeasible_selection"
    assert "budget 2027" in refused["detail"]
    await p.get("/scenarios/too-much", 404)
    assert await p.stream("scenario", "too-much") == []


async def test_a_scenario_whose_inputs_do_not_hold_together_is_refused(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    dangling = scenario("dangling", *THREE, dependencies=[["erp", "nowhere"]])

    refused = await p.post("/scenarios", dangling, ANALYST, 422)

    assert "nowhere" in refused["detail"]


CRITERIA = [
    {"key": "value", "label": "Business value", "weight": "100",
     "scale": {"min": 0, "max": 10}, "direction": "higher_is_better", "dimension": "value"},
]  # fmt: skip


async def test_a_scenario_takes_its_candidates_from_the_portfolio_skipping_the_unscored(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    await p.post("/scoring-models", {"model_id": "sm", "name": "Value", "criteria": CRITERIA},
                 ANALYST, 201)  # fmt: skip
    await p.post("/scoring-models/sm/publication", None, ANALYST)
    for item_id, mark in (("crm", 9), ("erp", 6), ("hr", None)):
        await p.candidate(item_id, cost="300000")
        if mark is not None:
            score = {"model_id": "sm", "scores": {"value": mark},
                     "justifications": {"value": "Agreed"}}  # fmt: skip
            await p.post(f"/items/{item_id}/scores", score, BOARD)
    body = {"scenario_id": "from-portfolio", "name": "From the portfolio",
            "description": "Scored candidates within 2027",
            "inputs": {"from_portfolio": {"scoring_model_id": "sm"},
                       "budgets": {"2027": "500000"}, "currency": "EUR"}}  # fmt: skip

    saved = await p.post("/scenarios", body, ANALYST, 201)

    assert saved["details"]["selected"] == ["crm"]
    assert saved["details"]["skipped"] == ["hr"]
    inputs = (await p.get("/scenarios/from-portfolio"))["inputs"]
    assert [(c["id"], c["score"], c["cost_by_year"]) for c in inputs["candidates"]] == [
        ("crm", "90.00", {"2027": "300000"}),
        ("erp", "60.00", {"2027": "300000"}),
    ]


async def test_a_scenario_from_the_portfolio_leaves_out_what_the_delivery_capacity_cannot_staff(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    await p.post("/scoring-models", {"model_id": "sm", "name": "Value", "criteria": CRITERIA},
                 ANALYST, 201)  # fmt: skip
    await p.post("/scoring-models/sm/publication", None, ANALYST)
    meeting = await p.committee()
    # Three approved items planned over 2027, 200 person-days each: 50 a quarter.
    for item_id, mark in (("crm", 9), ("erp", 7), ("hr", 5)):
        await p.candidate(item_id, cost="100000", effort="200")
        await p.post(f"/items/{item_id}/scores", {"model_id": "sm", "scores": {"value": mark},
                     "justifications": {"value": "Agreed"}}, BOARD)  # fmt: skip
        await p.decide(meeting, item_id)
        await p.plan(item_id, "2027-Q1", "2027-Q4", {2027: "100000"})
    quarters = [f"2027-Q{q}" for q in range(1, 5)]

    def body(scenario_id: str, **inputs: Any) -> dict[str, Any]:
        return {"scenario_id": scenario_id, "name": scenario_id, "description": "2027",
                "inputs": {"from_portfolio": {"scoring_model_id": "sm"},
                           "budgets": {"2027": "1000000"}, "currency": "EUR",
                           **inputs}}  # fmt: skip

    unlimited = await p.post("/scenarios", body("unlimited"), ANALYST, 201)
    staffed = await p.post(
        "/scenarios", body("staffed", capacity={"delivery": dict.fromkeys(quarters, "100")}),
        ANALYST, 201,
    )  # fmt: skip

    assert unlimited["details"]["selected"] == ["crm", "erp", "hr"]
    assert staffed["details"]["selected"] == ["crm", "erp"]
    shown = await p.get("/scenarios/staffed")
    assert shown["result"]["binding_constraints"] == [f"capacity delivery {q}" for q in quarters]
    assert shown["result"]["capacity_used"] == {"delivery": dict.fromkeys(quarters, "100.00")}
    (left_out,) = shown["explanation"]["below_cut"]
    assert left_out["id"] == "hr"
    assert "capacity delivery 2027-Q1" in left_out["blocked_by"]
    demand = {c["id"]: c["demand_by_role_period"] for c in shown["inputs"]["candidates"]}
    assert demand["hr"] == {"delivery": dict.fromkeys(quarters, "50.00")}
    assert (await p.get("/scenarios/unlimited"))["result"]["binding_constraints"] == []


async def test_scenarios_are_compared_side_by_side(portfolio: Portfolio) -> None:
    p = portfolio
    await p.post("/scenarios", scenario("tight", *THREE), ANALYST, 201)
    await p.post("/scenarios", scenario("loose", *THREE, budget="900000"), ANALYST, 201)

    comparison = await p.get("/scenarios/comparison", ids=["tight", "loose"])

    assert comparison["common"] == ["crm", "erp"]
    assert [(r["scenario_id"], r["total_value"], r["only_here"]) for r in comparison["rows"]] == [
        ("tight", "14.5", []),
        ("loose", "19.5", ["hr"]),
    ]
    await p.get("/scenarios/comparison", 404, ids=["tight", "missing"])


async def test_an_archived_scenario_can_no_longer_be_adopted(portfolio: Portfolio) -> None:
    p = portfolio
    meeting = await p.committee()
    await p.post("/scenarios", scenario("old", *THREE), ANALYST, 201)

    await p.post("/scenarios/old/archive", {"reason": "Superseded"}, ANALYST)

    assert (await p.get("/scenarios/old"))["state"] == "archived"
    adoption = {"scenario_id": "old", "participants": ["ivy", "ian"], "rationale": "Fund it"}
    refused = await p.post(f"/meetings/{meeting}/scenario-adoptions", adoption, BOARD, 409)
    assert "it is archived" in refused["detail"]


async def test_a_committee_adopts_a_scenario_on_its_minutes_and_on_the_scenario_together(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    meeting = await p.committee()
    await p.post("/scenarios", scenario("best", *THREE), ANALYST, 201)
    adoption = {"scenario_id": "best", "participants": ["ivy", "ian"],
                "rationale": "The best value the 2027 envelope buys"}  # fmt: skip

    adopted = await p.post(f"/meetings/{meeting}/scenario-adoptions", adoption, BOARD, 201)

    decision_id = adopted["details"]["decision_id"]
    minutes = await p.get(f"/meetings/{meeting}")
    (recorded,) = minutes["scenario_adoptions"]
    assert (recorded["decision_id"], recorded["scenario_id"], recorded["selected"]) == (
        decision_id, "best", ["crm", "erp"],
    )  # fmt: skip
    assert minutes["decision_register"] == [decision_id]
    shown = await p.get("/scenarios/best")
    assert shown["state"] == "adopted"
    assert (shown["adoption"]["decision_id"], shown["adoption"]["body_id"]) == (decision_id, "ic")
    on_meeting, on_scenario = (
        (await p.stream("meeting", meeting))[-1],
        (await p.stream("scenario", "best"))[-1],
    )
    assert on_meeting.tx_id == on_scenario.tx_id
    again = await p.post(f"/meetings/{meeting}/scenario-adoptions", adoption, BOARD, 409)
    assert "already adopted" in again["detail"]


async def test_a_body_without_the_right_to_approve_at_g2_cannot_adopt_a_scenario(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    meeting = await p.committee("pc", "project_committee", gates=("G3",))
    await p.post("/scenarios", scenario("best", *THREE), ANALYST, 201)
    before = (len(await p.stream("meeting", meeting)), len(await p.stream("scenario", "best")))
    adoption = {"scenario_id": "best", "participants": ["ivy", "ian"], "rationale": "Fund it"}

    refused = await p.post(f"/meetings/{meeting}/scenario-adoptions", adoption, BOARD, 422)

    assert refused["code"] == "governance_rule_failed"
    assert [r["rule"] for r in refused["failed_rules"]] == ["decision-rights"]
    assert (
        len(await p.stream("meeting", meeting)),
        len(await p.stream("scenario", "best")),
    ) == before
