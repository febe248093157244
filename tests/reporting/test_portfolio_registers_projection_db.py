"""The portfolio projection of an item's risk and benefit registers against PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest

from pmo_kernel.db import asyncpg_dsn
from tests.reporting.portfolio_factory import project_portfolio
from tests.reporting.register_factory import BenefitRegister, RiskRegister

pytestmark = pytest.mark.integration


async def registers(url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        risks = await conn.fetchrow(
            "SELECT version, risks::text, issues::text FROM reporting.risk_registers"
        )
        benefits = await conn.fetchrow(
            "SELECT version, benefits::text FROM reporting.benefit_registers"
        )
    finally:
        await conn.close()
    assert risks is not None
    assert benefits is not None
    return (
        {
            "version": risks["version"],
            "risks": json.loads(risks["risks"]),
            "issues": json.loads(risks["issues"]),
        },
        {"version": benefits["version"], "benefits": json.loads(benefits["benefits"])},
    )


async def test_risks_issues_and_benefits_fold_once_whatever_the_batches(reporting_db: str) -> None:
    risk_register = RiskRegister("P-1").risk("R1", 4, 5).risk("R2", 2, 2)
    risk_register.on("RiskReassessed", "R1", probability=3, impact=5, reason=None)
    risk_register.answered("R1", 2, 3)
    risk_register.on(
        "RiskActionPlanned",
        "R1",
        action_id="A1",
        description="Test",
        owner="tom",
        due_on="2026-03-30",
    )
    risk_register.on("RiskActionCompleted", "R1", action_id="A1", note=None)
    risk_register.on("RiskReviewed", "R1", next_review_by="2026-05-01", note=None)
    risk_register.closed("R2").issue("I1", from_risk_id="R2").resolved("I1")
    benefit_register = BenefitRegister("P-1").benefit("B1").realised("B1", "2026-02", "150")
    benefit_register.realised("B1", "2026-02", "200.5")  # corrects the first report
    events = [*risk_register.events, *benefit_register.events]

    await project_portfolio(reporting_db, events[:5], batch=False)
    projection = await project_portfolio(reporting_db, events)  # the first five again

    assert projection.skipped == 5
    risks, benefits = await registers(reporting_db)
    assert risks["version"] == len(risk_register.events)
    r1, r2 = risks["risks"]
    assert r1["inherent"] == {"probability": 3, "impact": 5, "score": 15, "band": "high"}
    assert r1["residual"] == {"probability": 2, "impact": 3, "score": 6, "band": "medium"}
    assert (r1["response"], r1["state"], r1["review_by"]) == ("mitigate", "open", "2026-05-01")
    assert [(a["action_id"], a["done"]) for a in r1["actions"]] == [("A1", True)]
    assert (r2["state"], r2["inherent"]["band"], r2["residual"]) == ("closed", "low", None)
    [issue] = risks["issues"]
    assert (issue["from_risk_id"], issue["state"], issue["resolution"]) == (
        "R2",
        "resolved",
        "fixed",
    )
    [benefit] = benefits["benefits"]
    assert (benefit["target"], benefit["realised"]) == ("1200", {"2026-02": "200.5"})
