"""A command reads what it needs, not the whole portfolio: the year's open envelope through
the year's claim, a scenario's named items through their own streams."""

from __future__ import annotations

from typing import Any

import pytest

from pmo_kernel.application import CommandContext, event_metadata
from pmo_kernel.identity import Principal, Role
from pmo_kernel.money import Money
from pmo_portfolio.domain.governance.item import PortfolioItem
from pmo_portfolio.domain.planning import BudgetEnvelope
from tests.portfolio.integration.support import ANALYST, Portfolio

SYSTEM = Principal(subject="system:test", name="test", roles=frozenset({Role.ADMIN}))
CRITERIA = [{"key": "value", "label": "Value", "weight": "100", "scale": {"min": 0, "max": 10},
             "direction": "higher_is_better", "dimension": "value"}]  # fmt: skip


async def candidates(p: Portfolio, scored: tuple[str, ...], unscored: tuple[str, ...] = ()) -> None:
    """Candidates of EUR 300K, `scored` with the published model "sm" (7 of 10)."""
    await p.post("/scoring-models", {"model_id": "sm", "name": "Value", "criteria": CRITERIA},
                 ANALYST, 201)  # fmt: skip
    await p.post("/scoring-models/sm/publication", None, ANALYST)
    for item_id in (*scored, *unscored):
        await p.candidate(item_id, cost="300000")
    for item_id in scored:
        score = {"model_id": "sm", "scores": {"value": 7}, "justifications": {"value": "ok"}}
        await p.post(f"/items/{item_id}/scores", score, ("bea", "portfolio_board"))


@pytest.fixture
def scans(portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stream types a command reads whole (every stream of the type)."""
    store = portfolio.container.store
    read_all_of_type = store.read_streams_of_type
    seen: list[str] = []

    async def recording(stream_type: str) -> Any:
        seen.append(stream_type)
        return await read_all_of_type(stream_type)

    monkeypatch.setattr(store, "read_streams_of_type", recording)
    return seen


async def test_a_decision_finds_its_years_envelope_without_reading_every_envelope(
    portfolio: Portfolio, scans: list[str]
) -> None:
    p = portfolio
    meeting = await p.committee()
    await p.candidate("crm")
    for year in (2026, 2027, 2028):
        await p.envelope(f"it-{year}", year, "500000")
    scans.clear()

    decided = await p.decide(meeting, "crm")  # no envelope named: that of the decision's year

    assert decided["id"] == meeting
    assert BudgetEnvelope.stream_type not in scans
    [decision] = (await p.get("/items/crm"))["decisions"]
    assert decision["budget_envelope_id"] is not None


async def test_opening_an_envelope_for_a_claimed_year_reads_no_other_envelope(
    portfolio: Portfolio, scans: list[str]
) -> None:
    p = portfolio
    await p.envelope("it-2027", 2027, "500000")
    await p.post("/budget-envelopes/it-2027/closure", {"reason": "Replaced"}, ANALYST)
    scans.clear()

    await p.envelope("it-2027b", 2027, "600000")

    assert BudgetEnvelope.stream_type not in scans


async def test_a_scenario_over_named_items_reads_only_theirs(
    portfolio: Portfolio, scans: list[str]
) -> None:
    p = portfolio
    await candidates(p, scored=("crm", "erp", "hr", "pay"))
    scans.clear()
    body = {"scenario_id": "two", "name": "Two", "description": "Named items",
            "inputs": {"from_portfolio": {"scoring_model_id": "sm", "item_ids": ["hr", "crm"]},
                       "budgets": {"2027": "500000"}, "currency": "EUR"}}  # fmt: skip

    saved = await p.post("/scenarios", body, ANALYST, 201)

    assert saved["details"]["selected"] == ["crm"]
    assert PortfolioItem.stream_type not in scans


async def test_an_id_of_another_aggregate_type_is_not_found_rather_than_folded(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    await p.candidate("shared-id")
    body = {"body_id": "ic", "kind": "investment_committee", "name": "IC"}
    await p.post("/governance-bodies", body, ANALYST, 201)

    for path in ("/meetings/shared-id", "/programmes/shared-id", "/budget-envelopes/ic",
                 "/scenarios/ic", "/items/ic", "/scoring-models/shared-id"):  # fmt: skip
        response = await p.client.get(path, headers=p.as_(*ANALYST))
        assert response.status_code == 404, (path, response.text)
        assert response.json()["code"] == "not_found"


async def test_creating_with_an_id_another_type_holds_creates_another_stream(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    await p.candidate("erp")
    programme = {"programme_id": "erp", "name": "ERP", "description": "One", "sponsor": "CFO"}

    created = await p.post("/programmes", programme, ANALYST, 201)

    assert (created["id"], created["version"]) == ("erp", 1)
    assert (await p.get("/programmes/erp"))["name"] == "ERP"
    item = await p.get("/items/erp")
    assert (item["id"], item["version"]) == ("erp", 1)
    assert [e.stream_version for e in await p.stream("programme", "erp")] == [1]
    assert [e.stream_version for e in await p.stream("portfolio-item", "erp")] == [1]


async def test_an_item_and_a_body_of_the_same_id_coexist_each_from_version_1(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    await p.post("/governance-bodies", {"body_id": "0", "kind": "investment_committee",
                                        "name": "IC"}, ANALYST, 201)  # fmt: skip

    # Given only body 0, there is no item 0
    missing = await p.get("/items/0", 404)
    assert missing["code"] == "not_found"

    # When the candidate 0 arrives, both are there, each its own stream
    await p.candidate("0")
    item = await p.get("/items/0")
    assert (item["id"], item["version"]) == ("0", 1)
    await p.post("/governance-bodies/0/members", {"person_id": "ivy"}, ANALYST)
    assert [e.stream_type for e in await p.stream("portfolio-item", "0")] == ["portfolio-item"]
    body = await p.stream("governance-body", "0")
    assert [(e.stream_type, e.stream_version) for e in body] == [
        ("governance-body", 1),
        ("governance-body", 2),
    ]


async def approved(p: Portfolio, meeting: str, *item_ids: str) -> None:
    for item_id in item_ids:
        await p.candidate(item_id)
        await p.decide(meeting, item_id)


async def test_once_indexed_planning_and_the_roadmap_read_only_the_years_streams(
    portfolio: Portfolio, scans: list[str]
) -> None:
    p = portfolio
    meeting = await p.committee()
    await approved(p, meeting, "crm", "erp", "hr")
    await p.envelope("it-2027", 2027, "500000")
    await p.plan("crm", "2027-Q1", "2027-Q2", {2027: "200000"})  # indexes the roadmap, once
    scans.clear()

    planned = await p.plan("erp", "2027-Q2", "2028-Q1", {2027: "400000", 2028: "100000"})
    roadmap = await p.get("/roadmap")

    assert PortfolioItem.stream_type not in scans
    assert planned["details"]["arbitration_requested"] == [2027]  # 600K against 500K
    assert [item["item_id"] for item in roadmap["items"]] == ["crm", "erp"]
    assert roadmap["arbitration_needed"] == [2027]


async def test_items_planned_before_the_index_are_committed_to_their_years_once(
    portfolio: Portfolio, scans: list[str]
) -> None:
    p = portfolio
    meeting = await p.committee()
    await approved(p, meeting, "legacy", "new")
    await p.envelope("it-2027", 2027, "500000")
    # Planned as before budget years held commitments: the item's own stream only.
    service = p.container.service
    legacy = await service.items.get("legacy")
    legacy.plan("2027-Q1", "2027-Q4", {2027: Money.of("450000")}, actor_id="paul")
    await service.items.save(legacy, event_metadata(CommandContext(SYSTEM)))

    planned = await p.plan("new", "2027-Q3", "2027-Q4", {2027: "100000"})
    again = await p.plan("new", "2027-Q3", "2027-Q4", {2027: "90000"})

    assert planned["details"]["arbitration_requested"] == [2027]  # 450K + 100K > 500K
    assert again["details"]["arbitration_requested"] == [2027]
    assert scans.count(PortfolioItem.stream_type) == 1  # the index, built once
    roadmap = await p.get("/roadmap")
    assert [item["item_id"] for item in roadmap["items"]] == ["legacy", "new"]


async def test_a_planned_item_put_on_hold_leaves_the_roadmap_and_comes_back_approved(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    meeting = await p.committee()
    await approved(p, meeting, "crm")
    await p.plan("crm", "2027-Q1", "2027-Q2", {2027: "200000"})

    await p.post("/governance-bodies/ic/rights", {"gate": "G2", "outcomes": ["put_on_hold"]},
                 ANALYST)  # fmt: skip
    await p.decide(await p.meeting("ic", "ic-feb"), "crm", gate="G2", outcome="put_on_hold")
    held = await p.get("/roadmap")
    await p.decide(await p.meeting("ic", "ic-mar"), "crm", gate="G3")
    back = await p.get("/roadmap")

    assert held["items"] == []
    assert [item["item_id"] for item in back["items"]] == ["crm"]


async def test_a_programmes_items_are_looked_up_not_folded_from_the_whole_portfolio(
    portfolio: Portfolio, scans: list[str]
) -> None:
    p = portfolio
    for programme_id in ("erp", "crm"):
        body = {"programme_id": programme_id, "name": programme_id.upper(),
                "description": "A programme", "sponsor": "CFO"}  # fmt: skip
        await p.post("/programmes", body, ANALYST, 201)
    for item_id in ("a", "b", "c", "d"):
        await p.candidate(item_id)
    for item_id, programme_id in (("a", "erp"), ("b", "erp"), ("c", "crm"), ("b", "crm")):
        await p.post(f"/items/{item_id}/programme", {"programme_id": programme_id}, ANALYST)
    scans.clear()

    erp, crm = await p.get("/programmes/erp"), await p.get("/programmes/crm")

    assert PortfolioItem.stream_type not in scans
    assert (erp["item_ids"], crm["item_ids"]) == (["a"], ["b", "c"])  # b moved to crm


async def test_a_scenario_over_the_portfolio_folds_only_the_items_scored_with_its_model(
    portfolio: Portfolio, scans: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    p = portfolio
    await candidates(p, scored=("crm", "erp"), unscored=("hr", "pay"))
    folded: list[str] = []
    load = p.container.service.items.load

    async def recording(item_id: str) -> PortfolioItem:
        folded.append(item_id)
        return await load(item_id)

    monkeypatch.setattr(p.container.service.items, "load", recording)
    scans.clear()
    body = {"scenario_id": "all", "name": "All", "description": "The whole portfolio",
            "inputs": {"from_portfolio": {"scoring_model_id": "sm"},
                       "budgets": {"2027": "500000"}, "currency": "EUR"}}  # fmt: skip

    saved = await p.post("/scenarios", body, ANALYST, 201)

    assert PortfolioItem.stream_type not in scans
    assert sorted(set(folded)) == ["crm", "erp"]
    assert saved["details"]["skipped"] == ["hr", "pay"]
