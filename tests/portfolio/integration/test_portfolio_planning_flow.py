"""Budget envelopes, the roadmap against them, arbitration, and decisions that freeze the
envelope they were based on: the portfolio service on real PostgreSQL through its REST API."""

from __future__ import annotations

from pmo_kernel.http.conditional import etag
from tests.portfolio.integration.support import ANALYST, REQUESTER, Portfolio, eur


async def test_an_envelope_is_opened_revised_and_closed_and_keeps_every_version(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    await p.envelope("it-2027", 2027, "1000000")

    revised = await p.post(
        "/budget-envelopes/it-2027/revisions",
        {"amount": eur("1200000"), "reason": "Mid-year top-up"},
        ANALYST,
        if_match=1,
    )
    assert revised["details"]["envelope_version"] == 2
    await p.post("/budget-envelopes/it-2027/closure", {"reason": "Year over"}, ANALYST)

    response = await p.client.get("/budget-envelopes/it-2027", headers=p.as_(*ANALYST))
    envelope = response.json()
    assert response.headers["ETag"] == etag(3)
    assert (envelope["year"], envelope["closed"], envelope["envelope_version"]) == (2027, True, 2)
    assert envelope["amount"] == eur("1200000")
    assert [(v["version"], v["reason"]) for v in envelope["versions"]] == [
        (1, None),
        (2, "Mid-year top-up"),
    ]


async def test_a_year_has_one_open_envelope_at_a_time(portfolio: Portfolio) -> None:
    p = portfolio
    await p.envelope("it-2027", 2027, "1000000")
    second = {"envelope_id": "it-2027-bis", "year": 2027, "amount": eur("5"),
              "description": "Another"}  # fmt: skip

    refused = await p.post("/budget-envelopes", second, ANALYST, 409)
    assert "already has the open envelope it-2027" in refused["detail"]
    await p.post("/budget-envelopes/it-2027/closure", None, ANALYST)
    await p.post("/budget-envelopes", second, ANALYST, 201)


async def test_a_closed_envelope_is_no_longer_revised_and_a_stale_if_match_is_refused(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    await p.envelope("it-2027", 2027, "1000000")
    revision = {"amount": eur("900000"), "reason": "Cut"}
    await p.post("/budget-envelopes/it-2027/revisions", revision, ANALYST)

    stale = await p.post("/budget-envelopes/it-2027/closure", None, ANALYST, 409,
                         if_match=1)  # fmt: skip
    assert stale["code"] == "concurrency_conflict"
    await p.post("/budget-envelopes/it-2027/closure", None, ANALYST)
    closed = await p.post("/budget-envelopes/it-2027/revisions", revision, ANALYST, 409)
    assert "it is closed" in closed["detail"]


async def test_only_pmo_analysts_manage_envelopes(portfolio: Portfolio) -> None:
    body = {"envelope_id": "it-2027", "year": 2027, "amount": eur("1"), "description": "IT"}

    await portfolio.post("/budget-envelopes", body, REQUESTER, 403)

    await portfolio.get("/budget-envelopes/it-2027", 404)


async def test_a_plan_that_overruns_its_year_requests_arbitration_in_the_same_transaction(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    meeting = await p.committee()
    for item_id in ("crm", "erp"):
        await p.candidate(item_id)
        await p.decide(meeting, item_id)
    await p.envelope("it-2027", 2027, "500000")

    within = await p.plan("crm", "2027-Q1", "2027-Q4", {2027: "300000"})
    over = await p.plan("erp", "2027-Q2", "2028-Q2", {2027: "300000", 2028: "50000"})

    assert within["details"]["arbitration_requested"] == []
    assert over["details"] == {"arbitration_requested": [2027],
                               "arbitration_envelopes": ["it-2027"]}  # fmt: skip
    (request,) = (await p.get("/budget-envelopes/it-2027"))["arbitration_requests"]
    assert (request["committed"], request["over_by"]) == (eur("600000"), eur("100000"))
    assert request["item_ids"] == ["crm", "erp"]  # dearest first, then by id
    planned = (await p.stream("portfolio-item", "erp"))[-1]
    requested = (await p.stream("budget-envelope", "it-2027"))[-1]
    assert (planned.event_type, requested.event_type) == ("ItemPlanned", "ArbitrationRequested")
    assert planned.tx_id == requested.tx_id


async def test_a_refused_plan_writes_nothing_on_the_item_or_the_envelope(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    meeting = await p.committee()
    await p.candidate("crm")
    await p.decide(meeting, "crm")
    await p.envelope("it-2027", 2027, "100")
    before = (
        len(await p.stream("portfolio-item", "crm")),
        len(await p.stream("budget-envelope", "it-2027")),
    )
    in_dollars = {"start_quarter": "2027-Q1", "end_quarter": "2027-Q4",
                  "cost_per_year": {"2027": {"amount": "300000", "currency": "USD"}}}  # fmt: skip

    refused = await p.post("/items/crm/plan", in_dollars, ANALYST, 422)

    assert "mixes currencies" in refused["detail"]
    assert (
        len(await p.stream("portfolio-item", "crm")),
        len(await p.stream("budget-envelope", "it-2027")),
    ) == before


async def test_the_roadmap_shows_the_quarters_and_each_year_against_its_envelope(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    meeting = await p.committee()
    for item_id in ("crm", "erp", "hr"):
        await p.candidate(item_id)
        await p.decide(meeting, item_id)
    await p.envelope("it-2027", 2027, "500000")
    await p.envelope("it-2028", 2028, "400000")
    await p.plan("crm", "2027-Q1", "2027-Q2", {2027: "200000"})
    await p.plan("erp", "2027-Q2", "2028-Q1", {2027: "400000", 2028: "100000"})

    roadmap = await p.get("/roadmap")

    assert [q["quarter"] for q in roadmap["quarters"]] == [
        "2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4", "2028-Q1",
    ]  # fmt: skip
    assert roadmap["quarters"][1] == {"quarter": "2027-Q2", "starting": ["erp"],
                                      "running": [], "ending": ["crm"]}  # fmt: skip
    assert roadmap["quarters"][2]["running"] == ["erp"]
    y2027, y2028 = roadmap["years"]
    assert (y2027["envelope_id"], y2027["over_committed"], y2027["over_by"]) == (
        "it-2027", True, eur("100000"),
    )  # fmt: skip
    assert (y2028["committed"], y2028["remaining"], y2028["over_committed"]) == (
        eur("100000"), eur("300000"), False,
    )  # fmt: skip
    assert roadmap["arbitration_needed"] == [2027]
    assert [item["item_id"] for item in roadmap["items"]] == ["crm", "erp"]  # hr is unplanned


async def test_arbitration_is_requested_on_demand_only_for_an_over_committed_year(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    meeting = await p.committee()
    await p.candidate("crm")
    await p.decide(meeting, "crm")
    await p.envelope("it-2027", 2027, "500000")
    await p.plan("crm", "2027-Q1", "2027-Q4", {2027: "400000"})

    refused = await p.post("/budget-envelopes/it-2027/arbitration", None, ANALYST, 422)
    assert "2027 is not over-committed" in refused["detail"]

    await p.post("/budget-envelopes/it-2027/revisions",
                 {"amount": eur("300000"), "reason": "Budget cut"}, ANALYST)  # fmt: skip
    requested = await p.post("/budget-envelopes/it-2027/arbitration", None, ANALYST)
    assert requested["details"]["over_by"] == eur("100000")
    (request,) = (await p.get("/budget-envelopes/it-2027"))["arbitration_requests"]
    assert (request["envelope_version"], request["item_ids"]) == (2, ["crm"])


async def test_a_decision_freezes_the_envelope_version_and_a_later_revision_leaves_it(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    meeting = await p.committee()
    await p.candidate("crm")
    await p.envelope("it-2027", 2027, "500000")

    await p.decide(meeting, "crm", budget_envelope_id="it-2027")
    await p.plan("crm", "2027-Q1", "2027-Q4", {2027: "200000"})
    await p.post("/budget-envelopes/it-2027/revisions",
                 {"amount": eur("450000"), "reason": "Cut"}, ANALYST)  # fmt: skip
    later = await p.meeting("ic", "ic-feb")
    await p.decide(later, "crm", gate="G3")  # no envelope named: that of its start year
    await p.post("/budget-envelopes/it-2027/revisions",
                 {"amount": eur("400000"), "reason": "Cut again"}, ANALYST)  # fmt: skip

    g2, g3 = (await p.get("/items/crm"))["decisions"]
    assert (g2["budget_envelope_id"], g2["budget_envelope_version"]) == ("it-2027", 1)
    assert (g3["budget_envelope_id"], g3["budget_envelope_version"]) == ("it-2027", 2)


async def test_a_decision_cannot_be_based_on_a_closed_or_unknown_envelope(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    meeting = await p.committee()
    await p.candidate("crm")
    await p.envelope("it-2026", 2026, "500000")
    await p.post("/budget-envelopes/it-2026/closure", None, ANALYST)
    await p.post("/meetings/ic-jan/agenda", {"item_id": "crm", "gate": "G2", "purpose": "Fund"},
                 ANALYST)  # fmt: skip
    decision = {"item_id": "crm", "gate": "G2", "outcome": "approve",
                "participants": ["ivy", "ian"], "rationale": "Worth it"}  # fmt: skip

    closed = await p.post(f"/meetings/{meeting}/decisions",
                          {**decision, "budget_envelope_id": "it-2026"}, ANALYST, 409)  # fmt: skip
    unknown = await p.post(f"/meetings/{meeting}/decisions",
                           {**decision, "budget_envelope_id": "nope"}, ANALYST, 404)  # fmt: skip

    assert "it is closed" in closed["detail"]
    assert "nope" in unknown["detail"]
    assert (await p.get(f"/meetings/{meeting}"))["minutes"] == []
