"""`GET /items/{id}` shows an item's scores as GraphQL does: every evaluation with its total, and
the consolidated score per model version, computed by the portfolio's scoring rules."""

from __future__ import annotations

from typing import Any

from tests.portfolio.integration.support import ANALYST, Portfolio

CRITERIA = [
    {"key": "strategic_alignment", "label": "Strategic alignment", "weight": "40",
     "scale": {"min": 0, "max": 10}, "direction": "higher_is_better", "dimension": "value"},
    {"key": "business_value", "label": "Business value", "weight": "40",
     "scale": {"min": 0, "max": 10}, "direction": "higher_is_better", "dimension": "value"},
    {"key": "risk", "label": "Risk", "weight": "20", "scale": {"min": 0, "max": 10},
     "direction": "inverse", "dimension": "risk"},
]  # fmt: skip
KEYS = ("strategic_alignment", "business_value", "risk")


async def score(p: Portfolio, evaluator: str, *marks: int) -> None:
    scores = dict(zip(KEYS, marks, strict=True))
    body = {"model_id": "sm", "scores": scores,
            "justifications": dict.fromkeys(scores, f"{evaluator} says so")}  # fmt: skip
    await p.post("/items/crm/scores", body, (evaluator, "portfolio_board"))


async def scored_by_two_evaluators_one_of_whom_scored_again(p: Portfolio) -> dict[str, Any]:
    await p.candidate("crm")
    await p.post("/scoring-models", {"model_id": "sm", "name": "Value", "criteria": CRITERIA},
                 ANALYST, 201)  # fmt: skip
    await p.post("/scoring-models/sm/publication", None, ANALYST)
    await score(p, "paul", 8, 7, 3)  # 0.4 * 8/10 + 0.4 * 7/10 + 0.2 * (10 - 3)/10 -> 74.00
    await score(p, "bea", 6, 9, 5)  # -> 70.00
    await score(p, "paul", 9, 7, 3)  # re-scored -> 78.00, his first evaluation superseded
    return await p.get("/items/crm")


async def test_an_item_shows_every_evaluation_with_its_total_superseded_ones_flagged(
    portfolio: Portfolio,
) -> None:
    item = await scored_by_two_evaluators_one_of_whom_scored_again(portfolio)

    assert [
        (s["evaluator"], s["model"], s["model_version"], s["total"], s["superseded"])
        for s in item["scores"]
    ] == [
        ("paul", "sm", 1, "74.00", True),
        ("bea", "sm", 1, "70.00", False),
        ("paul", "sm", 1, "78.00", False),
    ]
    latest = item["scores"][-1]
    assert latest["criteria"] == [
        {"key": "strategic_alignment", "score": 9, "justification": "paul says so"},
        {"key": "business_value", "score": 7, "justification": "paul says so"},
        {"key": "risk", "score": 3, "justification": "paul says so"},
    ]
    assert latest["justification"] == dict.fromkeys(KEYS, "paul says so")
    assert latest["scored_at"]
    assert item["evaluations"] == 3  # still the count, for the clients that read it


async def test_an_item_shows_its_consolidated_score_per_model_version(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    await scored_by_two_evaluators_one_of_whom_scored_again(p)
    lighter_risk = [{**c, "weight": "20" if c["key"] != "risk" else "60"} for c in CRITERIA]
    await p.post("/scoring-models/sm/draft", {"criteria": lighter_risk}, ANALYST)
    await p.post("/scoring-models/sm/publication", None, ANALYST)
    await score(p, "bea", 10, 10, 0)  # version 2 -> 100.00

    item = await p.get("/items/crm")

    assert item["consolidated_scores"] == [
        {"model": "sm", "model_version": 1, "score": "74.00", "spread": "8.00",
         "evaluators": 2, "mandatory": False},
        {"model": "sm", "model_version": 2, "score": "100.00", "spread": "0.00",
         "evaluators": 1, "mandatory": False},
    ]  # fmt: skip
    assert item["scores"][-1]["model_version"] == 2
    assert item["evaluations"] == 4


async def test_an_unscored_item_has_no_scores(portfolio: Portfolio) -> None:
    p = portfolio
    await p.candidate("crm")

    item = await p.get("/items/crm")

    assert (item["evaluations"], item["scores"], item["consolidated_scores"]) == (0, [], [])
