"""Retries are safe on the portfolio API: the same Idempotency-Key with the same request
answers the first outcome and writes nothing (every test of this package retries each of its
commands, see Portfolio.post); with another request it is refused."""

from __future__ import annotations

import asyncio

from tests.portfolio.integration.support import ANALYST, BOARD, Portfolio


def programme(name: str = "ERP") -> dict[str, str]:
    return {"programme_id": "erp", "name": name, "description": "One ERP", "sponsor": "CFO"}


async def test_a_key_reused_for_another_request_is_refused_and_writes_nothing(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    headers = {**p.as_(*ANALYST), "Idempotency-Key": "erp-1"}
    first = await p.client.post("/programmes", json=programme(), headers=headers)
    stored = await p.container.store.stats()

    other = await p.client.post("/programmes", json=programme("Other"), headers=headers)

    assert first.status_code == 201
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert await p.container.store.stats() == stored


async def test_twins_sent_at_once_write_once_and_get_the_same_answer(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    await p.candidate("i-1")
    meeting = await p.committee()
    agenda = {"item_id": "i-1", "gate": "G2", "purpose": "Decide"}
    await p.post(f"/meetings/{meeting}/agenda", agenda, ANALYST)
    decision = {"item_id": "i-1", "gate": "G2", "outcome": "approve",
                "participants": ["ivy", "ian"], "rationale": "Worth it"}  # fmt: skip
    headers = {**p.as_(*BOARD), "Idempotency-Key": "decide-i-1"}

    answers = await asyncio.gather(
        *(
            p.client.post(f"/meetings/{meeting}/decisions", json=decision, headers=headers)
            for _ in range(3)
        )
    )

    assert [a.status_code for a in answers] == [201, 201, 201]
    assert all(a.json() == answers[0].json() for a in answers)
    assert sorted(a.headers["Idempotent-Replayed"] for a in answers) == ["false", "true", "true"]
    recorded = [e.event_type for e in await p.stream("meeting", meeting)]
    assert recorded.count("DecisionRecorded") == 1, recorded


async def test_keys_are_per_caller(portfolio: Portfolio) -> None:
    p = portfolio
    await p.candidate("i-1")
    criterion = {"key": "value", "label": "Value", "weight": "100", "dimension": "value",
                 "scale": {"min": 0, "max": 10}, "direction": "higher_is_better"}  # fmt: skip
    model = {"model_id": "sm", "name": "Value", "criteria": [criterion]}
    await p.post("/scoring-models", model, ANALYST, 201)
    await p.post("/scoring-models/sm/publication", None, ANALYST)
    score = {"model_id": "sm", "scores": {"value": 4}, "justifications": {"value": "why"}}

    for evaluator in ("bea", "bob"):
        headers = {**p.as_(evaluator, "portfolio_board"), "Idempotency-Key": "score-1"}
        response = await p.client.post("/items/i-1/scores", json=score, headers=headers)
        assert response.headers["Idempotent-Replayed"] == "false", response.text

    item = await p.get("/items/i-1")
    assert item["version"] == 3  # registered, then scored by each
