"""Delivery tracking over REST on real PostgreSQL: an item approved at G2 and G3 is started as a
project, reports its months, breaches its tolerances (the exception reaching the committee that
approved it), slips a milestone another project hangs on (that project is alerted in the same
append); only the project's manager or a PMO analyst reports, and a refused report writes
nothing."""

from __future__ import annotations

from typing import Any

from tests.portfolio.integration.support import ANALYST, BOARD, REQUESTER, Portfolio, eur

PIA = ("pia", "project_manager")  # manages "ledger"
OTHER_PM = ("oscar", "project_manager")


def plan(start: str = "2026-01-01", end: str = "2026-12-31") -> dict[str, Any]:
    months = {f"2026-{m:02d}": eur("10000") for m in range(1, 11)}
    return {
        "start": start,
        "end": end,
        "milestones": [
            {"milestone_id": "design-done", "name": "Design signed off", "date": "2026-03-31"},
            {"milestone_id": "go-live", "name": "Go live", "date": "2026-12-15"},
        ],
        "work_packages": [
            {
                "work_package_id": "design",
                "name": "Design",
                "budget": eur("30000"),
                "milestone_id": "design-done",
            },
            {"work_package_id": "build", "name": "Build", "budget": eur("70000")},
        ],
        "budget_at_completion": eur("100000"),
        "planned_value": months,
    }


def status(period: str, **changes: Any) -> dict[str, Any]:
    green = {"rag": "green"}
    body: dict[str, Any] = {
        "period": period,
        "percent_complete": {"design": "100", "build": "20"},
        "actual_cost": eur("45000"),
        "forecast_at_completion": eur("100000"),
        "ratings": {"schedule": green, "cost": green, "scope": green, "overall": green},
        "achievements": ["Design signed off"],
        "next_steps": ["Build the ledger"],
    }
    body.update(changes)
    return body


async def approved_for_delivery(portfolio: Portfolio, *item_ids: str) -> None:
    meeting = await portfolio.committee()
    go_meeting = await portfolio.meeting("ic", "ic-feb")
    for item_id in item_ids:
        await portfolio.candidate(item_id)
        await portfolio.decide(meeting, item_id, "G2")
        await portfolio.decide(go_meeting, item_id, "G3")


async def start(portfolio: Portfolio, item_id: str, manager: str = "pia") -> dict[str, Any]:
    body = {"item_id": item_id, "project_manager": manager, "plan": plan()}
    return await portfolio.post("/projects", body, ANALYST, 201)


async def test_a_project_reports_breaches_and_its_slip_alerts_the_project_hanging_on_it(
    portfolio: Portfolio,
) -> None:
    await approved_for_delivery(portfolio, "ledger", "payroll")
    started = await start(portfolio, "ledger")
    await start(portfolio, "payroll", manager="oscar")
    await portfolio.post(
        "/projects/payroll/dependencies",
        {"predecessor_id": "ledger", "milestone_id": "design-done"},
        OTHER_PM,
        201,
    )

    amber = {"rag": "amber", "comment": "Design late, build started anyway"}
    reported = await portfolio.post(
        "/projects/ledger/status-reports",
        status(
            "2026-05",
            percent_complete={"design": "80", "build": "10"},
            forecast_at_completion=eur("115000"),
            milestone_forecasts={"design-done": "2026-06-30"},
            ratings={
                "schedule": amber,
                "cost": {"rag": "green"},
                "scope": {"rag": "green"},
                "overall": amber,
            },
        ),
        PIA,
        201,
    )

    assert started["details"]["decision_id"]
    assert reported["details"]["alerts"] == [
        "spi_below",
        "cpi_below",
        "forecast_over_bac_percent",
        "milestone_slip_days",
    ]
    assert reported["details"]["dependents_alerted"] == ["payroll"]
    ledger = await portfolio.get("/projects/ledger")
    (report,) = ledger["status_reports"]
    assert (report["decision_id"], report["plan_version"], report["baseline_number"]) == (
        started["details"]["decision_id"],
        1,
        1,
    )
    # PV 50,000 (five months); EV 80 % of 30,000 + 10 % of 70,000 = 31,000; AC 45,000
    assert report["earned_value"]["ev"] == eur("31000.00")
    assert (report["earned_value"]["spi"], report["earned_value"]["cpi"]) == ("0.6200", "0.6889")
    assert report["late"] is True  # May's report was due on June 10th
    (exception,) = ledger["exceptions"]
    assert exception["routed_to"] == [{"body_id": "ic", "body_kind": "investment_committee"}]
    assert "2026-01" in ledger["late_periods"]
    payroll = await portfolio.get("/projects/payroll")
    assert [(a["kind"], a["milestone_id"], a["slip_days"]) for a in payroll["alerts"]] == [
        ("DependencyAlertRaised", "design-done", 91)
    ]
    rolled = await portfolio.get("/earned-value")
    assert rolled["projects"] == ["ledger", "payroll"]
    assert rolled["by_currency"][0]["ev"] == eur("31000.00")  # payroll has not reported


async def test_a_baseline_approved_later_is_the_reference_and_variance_shows_both(
    portfolio: Portfolio,
) -> None:
    await approved_for_delivery(portfolio, "ledger")
    await start(portfolio, "ledger")
    later = plan(end="2027-03-31")
    later["milestones"][1]["date"] = "2027-03-15"
    await portfolio.post(
        "/projects/ledger/plan", {"plan": later, "reason": "Vendor slipped"}, PIA, if_match=3
    )
    await portfolio.post("/projects/ledger/baselines", {"name": "re-plan"}, PIA, 201)
    await portfolio.post("/projects/ledger/baselines/approval", {"number": 2}, BOARD)

    against_new = await portfolio.get("/projects/ledger/variance")
    against_initial = await portfolio.get("/projects/ledger/variance", baseline=1)

    assert (against_new["baseline"]["number"], against_new["baseline"]["approved"]) == (2, True)
    assert [m["days"] for m in against_new["milestones"]] == [0, 0]
    assert [m["days"] for m in against_initial["milestones"]] == [0, 90]


async def test_only_the_manager_or_an_analyst_reports_and_a_refused_report_writes_nothing(
    portfolio: Portfolio,
) -> None:
    await approved_for_delivery(portfolio, "ledger")
    await start(portfolio, "ledger")
    before = await portfolio.container.store.stats()

    for who in (OTHER_PM, REQUESTER, BOARD):
        await portfolio.post("/projects/ledger/status-reports", status("2026-05"), who, 403)
    for bad in (
        status("2026-05", percent_complete={"design": "101"}),
        status("2026-05", actual_cost=eur("-1")),
        status("2026-05", percent_complete={"testing": "10"}),
        status("2026-05", milestone_forecasts={"go-live": "2025-12-01"}),
        status(
            "2026-05",
            ratings={
                "schedule": {"rag": "red"},
                "cost": {"rag": "green"},
                "scope": {"rag": "green"},
                "overall": {"rag": "green"},
            },
        ),
    ):
        await portfolio.post("/projects/ledger/status-reports", bad, PIA, 422)

    assert await portfolio.container.store.stats() == before
    await portfolio.post("/projects/ledger/status-reports", status("2026-05"), ANALYST, 201)


async def test_an_item_short_of_its_delivery_gate_is_not_started(portfolio: Portfolio) -> None:
    meeting = await portfolio.committee()
    await portfolio.candidate("ledger")
    await portfolio.decide(meeting, "ledger", "G2")
    before = await portfolio.container.store.stats()

    refused = await portfolio.post(
        "/projects", {"item_id": "ledger", "project_manager": "pia", "plan": plan()}, ANALYST, 422
    )
    too_early = plan()
    too_early["milestones"][0]["date"] = "2025-12-01"
    await portfolio.post(
        "/projects",
        {"item_id": "ledger", "project_manager": "pia", "plan": too_early},
        ANALYST,
        422,
    )

    assert "has not passed its delivery gate" in refused["detail"]
    assert await portfolio.container.store.stats() == before


async def test_a_project_is_read_as_its_item_is_seen(portfolio: Portfolio) -> None:
    await approved_for_delivery(portfolio, "ledger")
    await start(portfolio, "ledger")
    await portfolio.post("/projects/ledger/status-reports", status("2026-05"), PIA, 201)

    as_manager = await portfolio.client.get("/projects/ledger", headers=portfolio.as_(*PIA))
    as_stranger = await portfolio.client.get(
        "/projects/ledger", headers=portfolio.as_("eve", "requester")
    )
    roll_up = await portfolio.client.get("/earned-value", headers=portfolio.as_(*PIA))

    hidden = as_manager.json()
    assert hidden["figures_hidden"] is True
    assert hidden["plan"]["budget_at_completion"] is None
    assert hidden["earned_value"]["ev"] is None
    assert hidden["earned_value"]["cpi"] is None
    assert hidden["earned_value"]["spi"] == "0.8800"  # schedule, not cost: EV 44,000 of PV 50,000
    assert (as_stranger.status_code, roll_up.status_code) == (404, 403)
