"""The risk, issue and benefit registers over REST, on real PostgreSQL: a risk's life and the
portfolio roll-up, bad input answered 4xx (problem+json) with nothing written, who may write
and read (the item-visibility rule), and benefits from the business case with ROI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from pmo_kernel.application import CommandContext, event_metadata
from pmo_kernel.http.conditional import etag
from pmo_kernel.identity import Principal, Role
from pmo_kernel.money import Money
from pmo_portfolio.application.registers import RegisterService
from pmo_portfolio.domain.delivery.registers.periods import month_at, month_index, month_of
from pmo_portfolio.domain.governance.item import PortfolioItem
from pmo_portfolio.registers_demo import RISKS, seed_registers
from tests.portfolio.integration.support import ANALYST, Portfolio, eur

PM = ("pia", "project_manager")
REQUESTER = ("alice", "requester")
STRANGER = ("eve", "requester")
EXECUTIVE = ("ed", "executive")
TODAY = datetime.now(UTC).date()


def later(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def risk(probability: int = 4, impact: int = 3, **extra: Any) -> dict[str, Any]:
    return {
        "title": "Supplier late",
        "category": "supplier",
        "probability": probability,
        "impact": impact,
        "owner": "omar",
        "review_by": later(30),
        **extra,
    }


async def refused(
    p: Portfolio, path: str, body: dict[str, Any], who: tuple[str, str], status: int, **headers: str
) -> dict[str, Any]:
    """Send a command that must be refused with `status`, as problem+json, writing nothing."""
    before = await p.container.store.stats()
    response = await p.client.post(path, json=body, headers={**p.as_(*who), **headers})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await p.container.store.stats() == before, f"{path} wrote although refused"
    problem: dict[str, Any] = response.json()
    return problem


async def test_a_risk_is_rated_answered_acted_on_reviewed_materialises_and_closes(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    await p.candidate("crm")

    identified = await p.post("/items/crm/risks", risk(4, 4), ANALYST, 201)
    assert (identified["id"], identified["version"], identified["details"]) == (
        "crm",
        1,
        {"risk_id": "R1", "score": 16, "band": "high"},
    )
    await p.post(
        "/items/crm/risks/R1/response",
        {"response": "reduce", "residual_probability": 2, "residual_impact": 3},
        ANALYST,
        if_match=1,
    )
    action = await p.post(
        "/items/crm/risks/R1/actions",
        {"description": "Second supplier", "owner": "omar", "due_on": later(10)},
        ANALYST,
        201,
    )
    assert action["details"] == {"risk_id": "R1", "action_id": "A1"}
    await p.post("/items/crm/risks/R1/actions/A1/completion", {}, ANALYST)
    await p.post("/items/crm/risks/R1/review", {"next_review_by": later(60)}, ANALYST)
    issue = await p.post(
        "/items/crm/issues",
        {
            "title": "Supplier missed a date",
            "severity": "high",
            "owner": "omar",
            "due_on": later(5),
            "from_risk_id": "R1",
        },
        ANALYST,
        201,
    )
    assert issue["details"] == {"issue_id": "I1", "from_risk_id": "R1"}

    register = await p.get("/items/crm/risk-register")
    [r1] = register["risks"]
    assert (r1["inherent"]["band"], r1["residual"], r1["response"]) == (
        "high",
        {"probability": 2, "impact": 3, "score": 6, "band": "medium"},
        "reduce",
    )
    assert (r1["actions"][0]["done"], r1["reviews"], r1["review_by"], r1["materialised_as"]) == (
        True,
        1,
        later(60),
        ["I1"],
    )
    assert register["issues"][0]["from_risk_id"] == "R1"
    assert [e.event.event_type for e in await p.stream("risk-register", "crm")] == [
        "RiskIdentified",
        "RiskResponsePlanned",
        "RiskActionPlanned",
        "RiskActionCompleted",
        "RiskReviewed",
        "IssueRaised",
    ]

    await p.post("/items/crm/issues/I1/resolution", {"resolution": "Dates agreed"}, ANALYST)
    await p.post("/items/crm/risks/R1/closure", {"reason": "Supplier back on track"}, ANALYST)
    closed = await refused(p, "/items/crm/risks/R1/closure", {"reason": "again"}, ANALYST, 409)
    assert "R1 is closed" in closed["detail"]


async def test_the_portfolio_roll_up_counts_open_risks_and_ranks_the_top_ones(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    for item_id in ("crm", "erp"):
        await p.candidate(item_id)
    await p.post("/items/crm/risks", risk(5, 5), ANALYST, 201)  # R1: 25, then residual 4
    await p.post(
        "/items/crm/risks/R1/response",
        {"response": "transfer", "residual_probability": 2, "residual_impact": 2},
        ANALYST,
    )
    await p.post("/items/erp/risks", risk(3, 4), ANALYST, 201)  # 12
    await p.post("/items/erp/risks", risk(1, 1), ANALYST, 201)  # 1, closed below
    await p.post("/items/erp/risks/R2/closure", {"reason": "gone"}, ANALYST)
    for severity in ("low", "critical", "low"):
        await p.post(
            "/items/erp/issues",
            {"title": "t", "severity": severity, "owner": "o", "due_on": later(3)},
            ANALYST,
            201,
        )

    matrix = await p.get("/risk-matrix")
    top = await p.get("/top-risks", limit=5)
    issues = await p.get("/open-issues")

    assert matrix["open_risks"] == 2
    cells = {(c["probability"], c["impact"]): c["count"] for c in matrix["inherent"]["cells"]}
    assert (cells[(5, 5)], cells[(3, 4)], sum(cells.values())) == (1, 1, 2)
    assert matrix["residual"]["bands"] == {
        "critical": 0,
        "high": 1,
        "medium": 0,
        "low": 1,
        "minimal": 0,
    }
    assert [(r["item_id"], r["risk_id"]) for r in top["risks"]] == [("erp", "R1"), ("crm", "R1")]
    assert issues["counts"] == {"critical": 1, "high": 0, "medium": 0, "low": 2}


async def test_bad_input_is_a_4xx_that_writes_nothing(portfolio: Portfolio) -> None:
    p = portfolio
    await p.candidate("crm")
    await p.post("/items/crm/risks", risk(), ANALYST, 201)

    for probability in (6, 0):
        await refused(p, "/items/crm/risks", risk(probability), ANALYST, 422)
    early = await refused(
        p,
        "/items/crm/risks/R1/actions",
        {"description": "d", "owner": "o", "due_on": later(-1)},
        ANALYST,
        422,
    )
    assert "due before the risk was identified" in early["detail"]
    await refused(p, "/items/crm/risks", risk(review_by=later(-1)), ANALYST, 422)
    await refused(p, "/items/nowhere/risks", risk(), ANALYST, 404)
    await refused(p, "/items/crm/risks/R9/review", {"next_review_by": later(9)}, ANALYST, 404)
    await refused(
        p,
        "/items/crm/issues",
        {"title": "t", "severity": "low", "owner": "o", "due_on": later(1), "from_risk_id": "R9"},
        ANALYST,
        404,
    )
    await refused(
        p,
        "/items/crm/risks/R1/response",
        {"response": "accept", "residual_probability": 5, "residual_impact": 5},
        ANALYST,
        422,
    )
    stale = {"If-Match": etag(0)}
    await refused(p, "/items/crm/risks", risk(), ANALYST, 409, **stale)


async def test_analysts_and_project_managers_write_and_an_unseen_item_is_a_404(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    meeting = await p.committee()
    await p.candidate("crm")
    await p.candidate("pending")
    await p.decide(meeting, "crm")  # approved at G2: being delivered, project managers see it

    await refused(p, "/items/crm/risks", risk(), REQUESTER, 403)
    await refused(p, "/items/crm/risks", risk(), EXECUTIVE, 403)
    await refused(p, "/items/pending/risks", risk(), PM, 404)  # not delivered: unseen
    await p.post("/items/crm/risks", risk(), PM, 201)

    async def read(path: str, who: tuple[str, str]) -> httpx.Response:
        return await p.client.get(path, headers=p.as_(*who))

    assert (await read("/items/crm/risk-register", REQUESTER)).status_code == 200  # her demand
    assert (await read("/items/crm/risk-register", PM)).status_code == 200
    assert (await read("/items/crm/risk-register", STRANGER)).status_code == 404
    assert (await read("/risk-matrix", EXECUTIVE)).status_code == 200
    for who in (REQUESTER, PM):
        for path in ("/risk-matrix", "/top-risks", "/open-issues", "/benefits"):
            assert (await read(path, who)).status_code == 403, (path, who)


async def costed_item(p: Portfolio, item_id: str, cost: str, benefits: str | None) -> None:
    """An item as the intake registers it, its business case estimating `benefits`."""
    case: dict[str, Any] = {
        "estimated_cost": eur(cost),
        "expected_benefits": "Lower run costs and fewer incidents",
    }
    if benefits is not None:
        case["benefits_estimate"] = eur(benefits)
    item = PortfolioItem.register_candidate(
        item_id,
        title=f"Project {item_id}",
        department="IT",
        category="project",
        requester="alice",
        actor_id="system:test",
        estimated_cost=Money.of(cost),
        business_case=case,
        business_case_version=1,
    )
    system = Principal(subject="system:test", name="test", roles=frozenset({Role.ADMIN}))
    await p.container.service.items.save(item, event_metadata(CommandContext(system)))


async def test_benefits_from_the_business_case_are_realised_over_time_with_roi_and_payback(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    await costed_item(p, "crm", "100000", benefits="160000")
    await costed_item(p, "hr", "50000", benefits=None)
    now = month_index(month_of(TODAY))
    starts, target = month_at(now - 3), date.fromisoformat(f"{month_at(now + 1)}-15")

    planned = await p.post(
        "/items/crm/benefits/from-business-case",
        {"starts": starts, "target_date": target.isoformat(), "owner": "cfo"},
        ANALYST,
        201,
    )
    assert planned["details"] == {"benefit_id": "B1", "business_case_version": 1}
    for offset, value in ((3, "60000"), (1, "110000")):
        body = {"period": month_at(now - offset), "value": value}
        await p.post("/items/crm/benefits/B1/realisations", body, ANALYST, 201)
    no_estimate = await refused(
        p,
        "/items/hr/benefits/from-business-case",
        {"starts": starts, "target_date": target.isoformat(), "owner": "o"},
        ANALYST,
        422,
    )
    assert "no benefits estimate" in no_estimate["detail"]
    await refused(
        p,
        "/items/crm/benefits/B1/realisations",
        {"period": month_at(now + 1), "value": "1"},
        ANALYST,
        422,
    )
    await refused(
        p,
        "/items/crm/benefits/B1/realisations",
        {"period": month_at(now), "value": 1.5},
        ANALYST,
        422,
    )  # a float

    view = await p.get("/items/crm/benefits")
    [benefit] = view["benefits"]
    assert (benefit["measure"], benefit["unit"], benefit["target"], benefit["source"]) == (
        "Lower run costs and fewer incidents",
        "EUR",
        "160000",
        "business_case",
    )
    assert [m["realised"] for m in benefit["realised_vs_planned"]] == [
        "60000",
        "60000",
        "110000",
        "110000",
    ]
    returns = view["returns"]
    assert (returns["planned_roi"], returns["realised_roi"]) == ("0.6000", "0.1000")
    assert returns["realised_payback"] == {"months": 3, "month": month_at(now - 1)}
    assert (Decimal(returns["cost"]["amount"]), returns["cost"]["currency"]) == (
        Decimal(100000),
        "EUR",
    )

    portfolio_view = await p.get("/benefits")
    assert portfolio_view["portfolio"]["realised_roi"] == "0.1000"
    assert [row["item_id"] for row in portfolio_view["items"]] == ["crm"]


async def test_the_demo_step_fills_the_registers_of_the_demo_items(portfolio: Portfolio) -> None:
    p = portfolio
    meeting = await p.committee()
    for item_id, benefits in (("crm", "160000"), ("erp", None), ("hr", "90000"), ("bi", None)):
        await costed_item(p, item_id, "100000", benefits)
        if item_id != "bi":
            await p.decide(meeting, item_id)
    service = p.container.service
    items = [await service.items.get(item_id) for item_id in ("crm", "erp", "hr", "bi")]
    registers = RegisterService(service.store, service.access)
    now = datetime.now(UTC)

    summary = await seed_registers(registers, items, now - timedelta(days=365), now)

    risk_registers = await registers.risk_registers.load_all()
    risks = [r for register in risk_registers for r in register.risks.values()]
    benefit_registers = await registers.benefit_registers.load_all()
    plans = [b for register in benefit_registers for b in register.benefits.values()]
    assert len(risks) == RISKS
    assert summary.startswith(f"{RISKS} risks")
    assert any(not r.open for r in risks)
    assert any(r.planned_residual for r in risks)
    assert any(i.from_risk_id for register in risk_registers for i in register.issues.values())
    assert {b.item_id for b in plans} == {"crm", "erp", "hr"}  # the approved ones
    assert any(b.realised for b in plans)
    lessons = await registers.lessons.load_all()
    assert {r.id for r in lessons if r.lessons} == {"crm", "erp", "hr"}
    assert await seed_registers(registers, items, now - timedelta(days=365), now) == (
        "0 risks and 0 issues on 0 items; 0 benefit plans, 0 realisations reported; "
        "0 lessons learned"
    )


async def test_lessons_learned_are_recorded_per_item_and_searched_across_the_portfolio(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    for item_id in ("crm", "erp"):
        await p.candidate(item_id)
    for item_id, title, tags in (
        ("crm", "Fix supplier dates in the contract", ["contract"]),
        ("erp", "Penalties keep suppliers on time", ["contract", "sla"]),
    ):
        body = {"title": title, "description": f"{title}.", "category": "suppliers", "tags": tags}
        await p.post(f"/items/{item_id}/lessons", body, ANALYST, 201)
    await refused(p, "/items/crm/lessons", {"title": "t", "description": "d",
                  "category": "luck"}, ANALYST, 422)  # fmt: skip
    await refused(p, "/items/crm/lessons", {"title": "t", "description": "d",
                  "category": "risk", "tags": ["not a tag"]}, ANALYST, 422)  # fmt: skip

    found = await p.get("/lessons", category="suppliers", tag=["contract", "sla"])
    mine = await p.client.get("/items/crm/lessons", headers=p.as_(*REQUESTER))
    search = await p.client.get("/lessons", headers=p.as_(*REQUESTER))

    assert [(x["item_id"], x["lesson_id"]) for x in found["lessons"]] == [("erp", "L1")]
    assert [x["title"] for x in mine.json()["lessons"]] == ["Fix supplier dates in the contract"]
    assert search.status_code == 403
