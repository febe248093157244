"""GraphQL queries on the portfolio read models: items, scores, ranking, decisions, meetings,
bodies, rules, models and the trade-off chart, through the gateway app."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.money import Money
from pmo_portfolio.domain.scoring import (
    ItemScored,
    RankInput,
    ScoringModelVersion,
    portfolio_max_cost,
    wsjf_criteria,
    wsjf_model,
)
from pmo_portfolio.domain.scoring import consolidate as domain_consolidate
from pmo_portfolio.domain.scoring import rank as domain_rank
from pmo_portfolio.domain.scoring import tradeoff_point as domain_tradeoff_point
from pmo_reporting.gateway.portfolio_scoring import (
    axis_of,
    consolidate,
    evaluation_total,
    tradeoff_point,
)
from tests.reporting.portfolio_factory import (
    T0,
    Item,
    body,
    criterion,
    decision,
    meeting,
    project_portfolio,
    routing_rules,
    scoring_model,
    wsjf_scoring_model,
)
from tests.reporting.support import error_codes, graphql

pytestmark = pytest.mark.integration

Headers = dict[str, str]


def portfolio_events() -> list[ReceivedEvent]:
    """Six items scored with SM-1 v1 (value 50 %, regulatory 20 % mandatory at 1, delivery risk
    30 % inverse); P-1 decided at a meeting, then its business case revised."""

    def item(item_id: str, days: int) -> Item:
        return Item(item_id, at=T0 + timedelta(days=days))

    p1 = item("P-1", 0).registered("Invoice matching", cost="100000.00")
    p1.scored("eve", 4, 0, 2).scored("frank", 5, 0, 3).scored("eve", 3, 0, 2)  # 47.50, 65.00
    dec1 = decision("DEC-1", "P-1", at=p1.at)
    p1.decided("DEC-1", made=dec1).revised(2, "150000.00")
    p2 = item("P-2", 1).registered("Payroll", department="HR", cost="50000.00")
    p2.scored("eve", 2, 1, 4)  # 40.00, mandatory
    p3 = item("P-3", 2).registered("Data lake", department="IT", cost="80000.00")
    p3.scored("eve", 4, 0, 2)  # 60.00
    p4 = item("P-4", 3).registered("Robots", department="Operations", cost="60000.00")
    p4.scored("eve", 4, 0, 2)  # 60.00, cheaper than P-3
    p5 = item("P-5", 4).registered("Unscored idea", cost=None)
    p6 = item("P-6", 5).registered("Rejected idea", department="IT")
    p6.scored("eve", 5, 1, 1)
    rejection = decision("DEC-6", "P-6", gate="G1", outcome="reject", meeting_id="M-0")
    p6.decided("DEC-6", state="rejected", gate="G1", made=rejection)
    items = [p1, p2, p3, p4, p5, p6]
    return [
        *scoring_model().events,
        *body().events,
        *routing_rules().events,
        *(e for i in items for e in i.events),
        *meeting("M-1", [dec1]).events,
    ]


@pytest.fixture
async def seeded(reporting_db: str) -> None:
    await project_portfolio(reporting_db, portfolio_events())


async def ask(
    client: httpx.AsyncClient, query: str, headers: Headers, **variables: Any
) -> dict[str, Any]:
    body = await graphql(client, query, variables, headers)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


ITEMS = """
query ($filter: PortfolioItemFilter, $first: Int!, $after: String) {
  portfolioItems(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id state currentGate department } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""


async def test_items_are_listed_newest_first_filtered_and_paged(
    seeded: None, gateway: httpx.AsyncClient, requester_headers: Headers
) -> None:
    first = (await ask(gateway, ITEMS, requester_headers, first=4))["portfolioItems"]
    assert first["totalCount"] == 6
    assert [e["node"]["id"] for e in first["edges"]] == ["P-6", "P-5", "P-4", "P-3"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (
        await ask(gateway, ITEMS, requester_headers, first=4, after=first["pageInfo"]["endCursor"])
    )["portfolioItems"]
    assert [e["node"]["id"] for e in rest["edges"]] == ["P-2", "P-1"]
    assert rest["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "endCursor": rest["edges"][-1]["cursor"],
    }

    approved = (
        await ask(gateway, ITEMS, requester_headers, first=10, filter={"states": ["APPROVED"]})
    )["portfolioItems"]
    assert [e["node"] for e in approved["edges"]] == [
        {"id": "P-1", "state": "APPROVED", "currentGate": "G2", "department": "Finance"}
    ]
    it = (
        await ask(
            gateway, ITEMS, requester_headers, first=10, filter={"department": "IT", "gate": "G1"}
        )
    )["portfolioItems"]
    assert ([e["node"]["id"] for e in it["edges"]], it["totalCount"]) == (["P-6", "P-3"], 2)


ITEM = """
query ($id: ID!) {
  portfolioItem(id: $id) {
    id title state currentGate passedGates businessCaseVersion businessCase
    estimatedCost { amount currency }
    scores { evaluator model modelVersion total criteria { key score justification }
             justification scoredAt }
    all: scores(includeSuperseded: true) { evaluator total }
    consolidatedScore(modelId: "SM-1", modelVersion: 1) { score spread evaluators mandatory }
    unscoredVersion: consolidatedScore(modelId: "SM-1", modelVersion: 2) { score }
    decisions {
      id outcome gate outdated latestBusinessCaseVersion
      frozenInputs { businessCaseVersion businessCase consolidatedScore }
    }
  }
}"""


async def test_an_item_shows_each_evaluators_latest_score_and_their_consolidation(
    seeded: None, gateway: httpx.AsyncClient, requester_headers: Headers
) -> None:
    item = (await ask(gateway, ITEM, requester_headers, id="P-1"))["portfolioItem"]

    assert item["state"] == "APPROVED"
    assert item["passedGates"] == ["G0", "G1", "G2"]
    assert item["businessCaseVersion"] == 2
    assert item["estimatedCost"] == {"amount": "150000.00", "currency": "EUR"}
    assert [(s["evaluator"], s["total"]) for s in item["scores"]] == [
        ("frank", "65.00"),
        ("eve", "47.50"),
    ]
    assert item["scores"][1]["criteria"][0] == {
        "key": "value",
        "score": 3,
        "justification": "value by eve",
    }
    assert item["scores"][1]["modelVersion"] == 1
    assert [(s["evaluator"], s["total"]) for s in item["all"]] == [
        ("eve", "60.00"),
        ("frank", "65.00"),
        ("eve", "47.50"),
    ]
    assert item["consolidatedScore"] == {
        "score": "56.25",
        "spread": "17.50",
        "evaluators": 2,
        "mandatory": False,
    }
    assert item["unscoredVersion"] is None


async def test_a_decision_keeps_its_frozen_inputs_and_is_outdated_after_a_revision(
    seeded: None, gateway: httpx.AsyncClient, requester_headers: Headers
) -> None:
    item = (await ask(gateway, ITEM, requester_headers, id="P-1"))["portfolioItem"]
    [made] = item["decisions"]
    assert made["outdated"] is True
    assert made["latestBusinessCaseVersion"] == 2
    assert made["frozenInputs"]["businessCaseVersion"] == 1
    assert made["frozenInputs"]["businessCase"]["cost"] == "100000.00"

    query = """
    query {
      decision(id: "DEC-1") {
        id itemId meetingId bodyId bodyKind gate outcome rationale participants recordedBy
        outdated item { id businessCaseVersion }
        frozenInputs {
          businessCaseVersion scoringModel scoringModelVersion consolidatedScore
          evaluatorCount ruleSetVersion facts budgetEnvelope { id version }
          appliedRules { ruleId gate bodyKind reason }
        }
      }
      missing: decision(id: "nope") { id }
    }"""
    data = await ask(gateway, query, requester_headers)
    decided = data["decision"]
    assert decided["bodyKind"] == "INVESTMENT_COMMITTEE"
    assert decided["outcome"] == "APPROVE"
    assert decided["recordedBy"] == "carol"
    assert decided["participants"] == ["carol", "dave"]
    assert decided["outdated"] is True
    assert decided["item"] == {"id": "P-1", "businessCaseVersion": 2}
    frozen = decided["frozenInputs"]
    assert frozen["scoringModel"] == "SM-1"
    assert (frozen["scoringModelVersion"], frozen["consolidatedScore"]) == (1, "62.50")
    assert (frozen["evaluatorCount"], frozen["ruleSetVersion"]) == (2, 3)
    assert frozen["budgetEnvelope"] == {"id": "BE-2026", "version": 4}
    assert frozen["facts"]["estimated_cost"] == {"amount": "100000.00", "currency": "EUR"}
    assert frozen["appliedRules"] == [
        {
            "ruleId": "big-spend",
            "gate": "G2",
            "bodyKind": "INVESTMENT_COMMITTEE",
            "reason": "estimated cost EUR 100,000.00 > EUR 50,000.00",
        }
    ]
    assert data["missing"] is None


async def test_a_decision_is_current_until_the_business_case_moves_on(
    reporting_db: str, gateway: httpx.AsyncClient, requester_headers: Headers
) -> None:
    item = Item("P-9").registered().decided("DEC-9")
    await project_portfolio(reporting_db, item.events)
    query = 'query { decision(id: "DEC-9") { outdated } }'
    assert (await ask(gateway, query, requester_headers))["decision"]["outdated"] is False

    item.revised(2)
    await project_portfolio(reporting_db, item.events[-1:])

    assert (await ask(gateway, query, requester_headers))["decision"]["outdated"] is True


RANKING = """
query ($version: Int!) {
  ranking(modelId: "SM-1", modelVersion: $version) {
    rank score mandatory item { id estimatedCost { amount } }
  }
}"""


async def test_the_ranking_puts_mandatory_items_first_then_score_then_cost(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    ranking = (await ask(gateway, RANKING, analyst_headers, version=1))["ranking"]

    assert [(r["rank"], r["item"]["id"], r["score"], r["mandatory"]) for r in ranking] == [
        (1, "P-2", "40.00", True),
        (2, "P-4", "60.00", False),  # same score as P-3, lower cost
        (3, "P-3", "60.00", False),
        (4, "P-1", "56.25", False),
        (5, "P-5", None, False),  # unscored last; P-6 (rejected) is not ranked
    ]


async def test_an_unknown_model_version_is_bad_input(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    body = await graphql(gateway, RANKING, {"version": 7}, analyst_headers)
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_tradeoff_points_place_value_risk_and_cost_on_zero_to_ten(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    query = """
    query { tradeoff(modelId: "SM-1", modelVersion: 1) { item { id } value risk cost } }"""
    points = (await ask(gateway, query, analyst_headers))["tradeoff"]

    assert [(p["item"]["id"], p["value"], p["risk"], p["cost"]) for p in points] == [
        # value: 10 × (50 × norm(value) + 20 × norm(regulatory)) / 70; risk: 10 × (1 − norm)
        ("P-1", "5.36", "3.75", "10.00"),  # means 4, 0, 2.5; the highest cost
        ("P-2", "4.64", "7.50", "3.33"),
        ("P-3", "5.36", "2.50", "5.33"),
        ("P-4", "5.36", "2.50", "4.00"),
    ]


async def test_meetings_show_their_agenda_and_minutes(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    query = """
    query {
      meetings(bodyId: "IC") { id title date closed body { name } }
      other: meetings(bodyId: "SC") { id }
      meeting(id: "M-1") {
        agenda { itemId gate purpose }
        minutes { id itemId outcome outdated recordedBy frozenInputs { businessCaseVersion } }
      }
    }"""
    data = await ask(gateway, query, analyst_headers)

    assert data["meetings"] == [
        {
            "id": "M-1",
            "title": "March investment committee",
            "date": "2026-03-20",
            "closed": True,
            "body": {"name": "Investment committee"},
        }
    ]
    assert data["other"] == []
    assert data["meeting"]["agenda"] == [
        {"itemId": "P-1", "gate": "G2", "purpose": "Business case approval"}
    ]
    assert data["meeting"]["minutes"] == [
        {
            "id": "DEC-1",
            "itemId": "P-1",
            "outcome": "APPROVE",
            "outdated": True,
            "recordedBy": "carol",
            "frozenInputs": {"businessCaseVersion": 1},
        }
    ]


async def test_bodies_rules_and_scoring_models(
    seeded: None, gateway: httpx.AsyncClient, requester_headers: Headers
) -> None:
    query = """
    query {
      governanceBodies { id kind name members { personId role } rights { gate outcomes } }
      routingRules { version baseCurrency exchangeRates rules
                     gates { gates { code name } entryGate planningGate } }
      first: routingRules(version: 1) { version rules gates { planningGate } }
      none: routingRules(version: 9) { version }
      scoringModels {
        id name kind status latestVersion
        versions { version criteria { key weight direction dimension
                                      scale { min max } mandatoryWhenAtLeast } }
      }
    }"""
    data = await ask(gateway, query, requester_headers)

    assert data["governanceBodies"] == [
        {
            "id": "IC",
            "kind": "INVESTMENT_COMMITTEE",
            "name": "Investment committee",
            "members": [
                {"personId": "carol", "role": "CHAIR"},
                {"personId": "dave", "role": "MEMBER"},
            ],
            "rights": [{"gate": "G2", "outcomes": ["APPROVE", "REJECT"]}],
        }
    ]
    assert data["routingRules"]["version"] == 3
    assert data["routingRules"]["exchangeRates"] == {"USD": "0.92"}
    assert data["routingRules"]["gates"] == {
        "gates": [{"code": "G0", "name": "idea"}, {"code": "G1", "name": "qualified"},
                  {"code": "G2", "name": "funded"}, {"code": "G3", "name": "closed"}],
        "entryGate": "G1",
        "planningGate": "G2",
    }  # fmt: skip
    assert data["first"]["gates"] is None  # published before schemes were part of the rules
    assert data["first"]["rules"][0]["condition"]["value"]["amount"] == "50000.00"
    assert data["none"] is None
    [model] = data["scoringModels"]
    assert (model["status"], model["latestVersion"]) == ("PUBLISHED", 1)
    assert model["versions"][0]["criteria"][2] == {
        "key": "delivery_risk",
        "weight": "30",
        "direction": "inverse",
        "dimension": "risk",
        "scale": {"min": 1, "max": 5},
        "mandatoryWhenAtLeast": None,
    }


async def test_portfolio_queries_need_a_token(seeded: None, gateway: httpx.AsyncClient) -> None:
    body = await graphql(gateway, "query { governanceBodies { id } }")
    assert error_codes(body) == ["UNAUTHENTICATED"]


def test_criteria_published_without_a_dimension_fall_back_on_direction_and_name() -> None:
    criteria = [
        criterion("value", "60", dimension=None),
        criterion("delivery_risk", "25", direction="inverse", dimension=None),
        criterion("complexity", "15", direction="inverse", dimension=None),
    ]
    version = {"kind": "weighted", "criteria": criteria}
    assert [axis_of(c) for c in criteria] == ["value", "risk", None]
    found = consolidate(version, [{"value": 5, "delivery_risk": 5, "complexity": 1}])
    assert found is not None
    assert (found.score, found.spread, found.evaluators) == (Decimal("75.00"), Decimal("0.00"), 1)
    point = tradeoff_point(version, found, None, None)
    assert (point.value, point.risk, point.cost) == (Decimal("10.00"), Decimal("10.00"), None)
    wsjf = {"kind": "wsjf", "criteria": [c.model_dump(mode="json") for c in wsjf_criteria()]}
    wsjf_scores = {"business_value": 8, "time_criticality": 5, "risk_reduction": 3, "job_size": 2}
    assert evaluation_total(wsjf, wsjf_scores) == Decimal("8.00")  # (8 + 5 + 3) / 2
    assert evaluation_total(wsjf, {"business_value": 8}) is None  # not a WSJF evaluation


def wsjf_portfolio_events() -> tuple[list[ReceivedEvent], list[Item]]:
    """SM-1 (weighted) and the built-in WSJF model, both published as version 1. P-1 is scored
    with SM-1 only, P-2 with WSJF only, P-3 with both; P-4 is not scored."""
    p1 = Item("P-1", T0).registered("Invoice matching", cost="100000.00")
    p1.scored("eve", 4, 0, 2)  # SM-1: 60.00
    p2 = Item("P-2", T0 + timedelta(days=1)).registered("Payroll", cost="50000.00")
    p2.wsjf_scored("eve", 8, 5, 3, 2).wsjf_scored("frank", 13, 8, 5, 3)  # WSJF 8.00, 8.67
    p3 = Item("P-3", T0 + timedelta(days=2)).registered("Data lake", cost="80000.00")
    p3.scored("eve", 2, 0, 4).wsjf_scored("eve", 3, 1, 1, 5)  # SM-1: 20.00; WSJF 1.00
    p4 = Item("P-4", T0 + timedelta(days=3)).registered("Unscored idea", cost="20000.00")
    items = [p1, p2, p3, p4]
    events = [
        *scoring_model().events,
        *wsjf_scoring_model().events,
        *(e for i in items for e in i.events),
    ]
    return events, items


def as_the_portfolio_domain_ranks_and_charts(
    model: ScoringModelVersion, items: list[Item]
) -> tuple[list[tuple[int, str, str | None, bool]], list[tuple[str, str | None, str | None, str]]]:
    """The ranking and the trade-off chart the portfolio domain gives for the same items and
    evaluations (its consolidate, rank and tradeoff_point), in the GraphQL answer's shape."""
    candidates: list[RankInput] = []
    for item in items:
        [registered] = [e.data for e in item.events if e.event_type == "CandidateRegistered"]
        evaluations = [
            ItemScored.model_validate(e.data) for e in item.events if e.event_type == "ItemScored"
        ]
        candidates.append(
            RankInput(
                item_id=item.subject,
                title=registered["title"],
                consolidated=domain_consolidate(model, evaluations),
                estimated_cost=Money.model_validate(registered["estimated_cost"]),
                submitted_at=registered["registered_at"],
            )
        )
    ranking = [
        (r.rank, r.item_id, str(r.score) if r.score is not None else None, r.mandatory)
        for r in domain_rank(candidates)
    ]
    scored = sorted((c for c in candidates if c.consolidated), key=lambda c: c.item_id)
    highest = portfolio_max_cost([c.estimated_cost for c in scored])
    points: list[tuple[str, str | None, str | None, str]] = []
    for c in scored:
        assert c.consolidated is not None
        point = domain_tradeoff_point(model, c.consolidated, c.estimated_cost, highest)
        value, risk = (
            str(axis) if axis is not None else None for axis in (point.value, point.risk)
        )
        points.append((c.item_id, value, risk, str(point.cost)))
    return ranking, points


WSJF_ITEM = """
query {
  portfolioItem(id: "P-2") {
    scores { evaluator model modelVersion total }
    wsjf: consolidatedScore(modelId: "WSJF", modelVersion: 1) { score spread evaluators }
    weighted: consolidatedScore(modelId: "SM-1", modelVersion: 1) { score }
  }
}"""
WSJF_RANKING = """
query ($model: ID!) {
  ranking(modelId: $model, modelVersion: 1) { rank score mandatory item { id } }
  tradeoff(modelId: $model, modelVersion: 1) { item { id } value risk cost }
}"""


async def test_a_wsjf_scored_item_has_its_score_and_ranks_as_the_portfolio_domain_ranks_it(
    reporting_db: str, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    events, items = wsjf_portfolio_events()
    await project_portfolio(reporting_db, events)

    item = (await ask(gateway, WSJF_ITEM, analyst_headers))["portfolioItem"]
    assert [(s["evaluator"], s["model"], s["total"]) for s in item["scores"]] == [
        ("eve", "WSJF", "8.00"),  # (8 + 5 + 3) / 2
        ("frank", "WSJF", "8.67"),  # (13 + 8 + 5) / 3
    ]
    assert item["wsjf"] == {"score": "8.34", "spread": "0.67", "evaluators": 2}
    assert item["weighted"] is None

    wsjf = await ask(gateway, WSJF_RANKING, analyst_headers, model="WSJF")
    ranking = [(r["rank"], r["item"]["id"], r["score"], r["mandatory"]) for r in wsjf["ranking"]]
    assert ranking == [
        (1, "P-2", "8.34", False),
        (2, "P-3", "1.00", False),
        (3, "P-4", None, False),  # scored with SM-1 only, or not at all: unscored here,
        (4, "P-1", None, False),  # lower cost first
    ]
    points = [(p["item"]["id"], p["value"], p["risk"], p["cost"]) for p in wsjf["tradeoff"]]
    assert points == [
        # value: 10 × the mean of the cost-of-delay components normalised on 1..20 (job size
        # is effort, on neither axis), no risk criterion; cost against the highest charted
        ("P-2", "3.16", None, "6.25"),  # means 10.5, 6.5, 4: 10 × (9.5 + 5.5 + 3) / 57
        ("P-3", "0.35", None, "10.00"),  # 3, 1, 1: 10 × 2 / 57
    ]
    assert (ranking, points) == as_the_portfolio_domain_ranks_and_charts(
        wsjf_model(model_id="WSJF"), items
    )

    weighted = await ask(gateway, WSJF_RANKING, analyst_headers, model="SM-1")
    assert [(r["item"]["id"], r["score"]) for r in weighted["ranking"]] == [
        ("P-1", "60.00"),
        ("P-3", "20.00"),
        ("P-4", None),
        ("P-2", None),  # its WSJF score does not count with SM-1
    ]


async def test_a_ranking_refuses_estimated_costs_in_different_currencies_as_the_domain_does(
    reporting_db: str, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    euros = Item("P-1").registered(cost="100000.00")
    dollars = Item("P-2", T0 + timedelta(days=1)).registered(cost="50000.00", currency="USD")
    euros.scored("eve", 4, 0, 2)
    dollars.scored("eve", 4, 0, 2)
    await project_portfolio(reporting_db, [*scoring_model().events, *euros.events, *dollars.events])

    for field in ("ranking", "tradeoff"):
        query = f'query {{ {field}(modelId: "SM-1", modelVersion: 1) {{ item {{ id }} }} }}'
        body = await graphql(gateway, query, {}, analyst_headers)

        assert error_codes(body) == ["DOMAIN_RULE_VIOLATED"], field
        assert body["errors"][0]["extensions"]["rule"] == "one_currency"
