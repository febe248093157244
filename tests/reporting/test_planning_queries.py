"""GraphQL queries on the planning read models through the gateway app: envelopes and their
versions, the roadmap, arbitration requests, scenarios and their comparison, programmes,
scenario adoptions in meeting registers, and the envelope frozen into a decision."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_reporting.gateway.portfolio_roadmap import build_roadmap
from tests.reporting.portfolio_factory import T0, Item, decision, meeting, project_portfolio
from tests.reporting.portfolio_planning_factory import (
    Envelope,
    Scenario,
    adoption_recorded,
    assigned,
    planned,
    programme,
)
from tests.reporting.support import error_codes, graphql

pytestmark = pytest.mark.integration

Headers = dict[str, str]


def planning_events() -> list[ReceivedEvent]:
    """2026: envelope 150,000 (revised from 100,000), P-1 and P-2 commit 170,000 (over by
    20,000). 2027: envelope 100,000, P-1 commits 60,000. 2025's envelope is closed. P-3 is
    planned but not approved. P-1 is in programme PG-1."""
    p1 = Item("P-1").registered("Invoice matching")
    p1.decided("DEC-1")
    planned(p1, "2026-Q3", "2027-Q2", {"2026": "40000.00", "2027": "60000.00"})
    assigned(p1, "PG-1")
    dec2 = decision("DEC-2", "P-2", at=T0 + timedelta(days=1), capacity_version=812)
    p2 = Item("P-2", at=T0 + timedelta(days=1)).registered("Payroll").decided("DEC-2", made=dec2)
    planned(p2, "2026-Q1", "2026-Q4", {"2026": "130000.00"})
    p3 = Item("P-3", at=T0 + timedelta(days=2)).registered("Data lake")
    planned(p3, "2026-Q1", "2026-Q2", {"2026": "10000.00"})
    e2026 = Envelope("BE-2026").opened(2026, "100000.00").revised("150000.00", "100000.00")
    e2026.arbitration(2026, "150000.00", "170000.00", "20000.00", ["P-2", "P-1"])
    e2027 = Envelope("BE-2027").opened(2027, "100000.00")
    e2025 = Envelope("BE-2025").opened(2025, "90000.00").closed()
    baseline = Scenario("SC-1").saved(["P-1", "P-2"], name="Baseline")
    baseline.adopted("DEC-9", "M-2", ["P-1", "P-2"])
    lean = Scenario("SC-2", at=T0 + timedelta(days=1)).saved(
        ["P-1", "P-3"], name="Lean", value="122.5", used={"2026": "50000", "2028": "5000"}
    )
    minutes = meeting("M-2", [decision("DEC-2", "P-2", meeting_id="M-2", capacity_version=812)])
    adoption_recorded(minutes, "DEC-9", "SC-1", ["P-1", "P-2"])
    streams = [p1, p2, p3, e2026, e2027, e2025, baseline, lean, programme("PG-1"), minutes]
    return [e for stream in streams for e in stream.events]


@pytest.fixture
async def seeded(reporting_db: str) -> None:
    await project_portfolio(reporting_db, planning_events())


async def ask(
    client: httpx.AsyncClient, query: str, headers: Headers, **variables: Any
) -> dict[str, Any]:
    body = await graphql(client, query, variables, headers)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_envelopes_with_their_versions(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    query = """query ($year: Int) {
        budgetEnvelopes(year: $year) { id year closed version amount { amount currency } }
        budgetEnvelope(id: "BE-2026") {
            description versions { version amount { amount } reason setBy }
        }
    }"""

    data = await ask(gateway, query, analyst_headers)
    one_year = await ask(gateway, query, analyst_headers, year=2027)

    assert [(e["id"], e["closed"], e["version"]) for e in data["budgetEnvelopes"]] == [
        ("BE-2025", True, 1),
        ("BE-2026", False, 2),
        ("BE-2027", False, 1),
    ]
    assert data["budgetEnvelopes"][1]["amount"] == {"amount": "150000.00", "currency": "EUR"}
    assert data["budgetEnvelope"]["versions"] == [
        {"version": 1, "amount": {"amount": "100000.00"}, "reason": None, "setBy": "pmo-1"},
        {"version": 2, "amount": {"amount": "150000.00"}, "reason": "Budget review",
         "setBy": "pmo-1"},
    ]  # fmt: skip
    assert [e["id"] for e in one_year["budgetEnvelopes"]] == ["BE-2027"]


ROADMAP = """query ($from: String, $to: String) {
    roadmap(fromQuarter: $from, toQuarter: $to) {
        currency arbitrationNeeded
        quarters { quarter starting { id } running { id } ending { id } }
        years {
            year envelope { amount } envelopeIds committed { amount } remaining { amount }
            overCommitted overBy { amount } unfunded
        }
        items { id title startQuarter endQuarter programme { id name } item { state } }
    }
}"""


async def test_the_roadmap_weighs_approved_planned_items_against_open_envelopes(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    roadmap = (await ask(gateway, ROADMAP, analyst_headers))["roadmap"]

    assert roadmap["currency"] == "EUR"
    assert roadmap["arbitrationNeeded"] == [2026]
    quarters = {q["quarter"]: q for q in roadmap["quarters"]}
    assert list(quarters) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2"]
    assert quarters["2026-Q1"]["starting"] == [{"id": "P-2"}]
    assert quarters["2026-Q3"] == {
        "quarter": "2026-Q3",
        "starting": [{"id": "P-1"}],
        "running": [{"id": "P-2"}],
        "ending": [],
    }
    assert quarters["2027-Q2"]["ending"] == [{"id": "P-1"}]
    assert roadmap["years"] == [
        {"year": 2026, "envelope": {"amount": "150000.00"}, "envelopeIds": ["BE-2026"],
         "committed": {"amount": "170000.00"}, "remaining": {"amount": "0.00"},
         "overCommitted": True, "overBy": {"amount": "20000.00"}, "unfunded": False},
        {"year": 2027, "envelope": {"amount": "100000.00"}, "envelopeIds": ["BE-2027"],
         "committed": {"amount": "60000.00"}, "remaining": {"amount": "40000.00"},
         "overCommitted": False, "overBy": {"amount": "0.00"}, "unfunded": False},
    ]  # fmt: skip
    assert roadmap["items"] == [
        {"id": "P-1", "title": "Invoice matching", "startQuarter": "2026-Q3",
         "endQuarter": "2027-Q2", "programme": {"id": "PG-1", "name": "Finance transformation"},
         "item": {"state": "APPROVED"}},
        {"id": "P-2", "title": "Payroll", "startQuarter": "2026-Q1", "endQuarter": "2026-Q4",
         "programme": None, "item": {"state": "APPROVED"}},
    ]  # fmt: skip


async def test_a_roadmap_between_two_quarters(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    roadmap = (await ask(gateway, ROADMAP, analyst_headers, **{"from": "2027-Q1"}))["roadmap"]
    assert [q["quarter"] for q in roadmap["quarters"]] == ["2027-Q1", "2027-Q2"]
    assert [i["id"] for i in roadmap["items"]] == ["P-1"]
    assert [y["year"] for y in roadmap["years"]] == [2027]

    body = await graphql(gateway, ROADMAP, {"from": "2027-Q3", "to": "2027-Q1"}, analyst_headers)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    body = await graphql(gateway, ROADMAP, {"from": "2027 Q3"}, analyst_headers)
    assert error_codes(body) == ["BAD_USER_INPUT"]


def test_a_year_without_an_envelope_is_unfunded_and_other_currencies_are_named() -> None:
    items = [
        {"id": "A", "planned_start_quarter": "2028-Q1", "planned_end_quarter": "2028-Q2",
         "cost_per_year": {"2028": {"amount": "10.00", "currency": "EUR"}}},
        {"id": "B", "planned_start_quarter": "2028-Q1", "planned_end_quarter": "2028-Q1",
         "cost_per_year": {"2028": {"amount": "5.00", "currency": "USD"}}},
    ]  # fmt: skip
    [year] = build_roadmap(items, []).years
    assert (year.unfunded, str(year.committed), year.other_currency_items) == (
        True,
        "10.00",
        ("B",),
    )


async def test_arbitration_requests_name_their_items(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    query = """{ arbitrationRequests {
        envelopeId year envelopeVersion envelope { amount } committed { amount }
        overBy { amount currency } itemIds items { id title } budgetEnvelope { version }
    } }"""

    [request] = (await ask(gateway, query, analyst_headers))["arbitrationRequests"]

    assert request == {
        "envelopeId": "BE-2026",
        "year": 2026,
        "envelopeVersion": 2,
        "envelope": {"amount": "150000.00"},
        "committed": {"amount": "170000.00"},
        "overBy": {"amount": "20000.00", "currency": "EUR"},
        "itemIds": ["P-2", "P-1"],
        "items": [{"id": "P-2", "title": "Payroll"}, {"id": "P-1", "title": "Invoice matching"}],
        "budgetEnvelope": {"version": 2},
    }


async def test_a_scenario_shows_its_inputs_result_and_adoption(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    query = """{
        scenarios(state: ADOPTED) { id }
        all: scenarios { id state }
        scenario(id: "SC-1") {
            name state
            inputs {
                currency budgets { year amount { amount currency } }
                candidates { id score mandatory costByYear { year amount { amount } } }
                dependencies { a b } capacity
            }
            result { selected totalValue budgetUsed { year amount { amount } } optimal solver
                     selectedItems { id } }
            adoption { decisionId meetingId adoptedBy
                       decision { rationale participants } }
        }
    }"""

    data = await ask(gateway, query, analyst_headers)

    assert data["scenarios"] == [{"id": "SC-1"}]
    assert data["all"] == [{"id": "SC-2", "state": "SAVED"}, {"id": "SC-1", "state": "ADOPTED"}]
    scenario = data["scenario"]
    assert scenario["inputs"]["budgets"] == [
        {"year": 2026, "amount": {"amount": "150000.00", "currency": "EUR"}},
        {"year": 2027, "amount": {"amount": "100000.00", "currency": "EUR"}},
    ]
    assert scenario["inputs"]["candidates"][1] == {
        "id": "P-2",
        "score": "40",
        "mandatory": True,
        "costByYear": [{"year": 2026, "amount": {"amount": "50000.00"}}],
    }
    assert scenario["inputs"]["dependencies"] == [{"a": "P-3", "b": "P-1"}]
    assert scenario["inputs"]["capacity"] == {"developer": {"2026-Q3": "300"}}
    assert scenario["result"]["selected"] == ["P-1", "P-2"]
    assert scenario["result"]["totalValue"] == "102.5"
    assert scenario["result"]["selectedItems"] == [{"id": "P-1"}, {"id": "P-2"}]
    assert scenario["adoption"] == {
        "decisionId": "DEC-9",
        "meetingId": "M-2",
        "adoptedBy": "carol",
        "decision": {
            "rationale": "Best value within the envelope",
            "participants": ["carol", "dave"],
        },
    }


async def test_scenarios_side_by_side(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    query = """query ($ids: [ID!]!) { scenarioComparison(ids: $ids) {
        currency years common
        rows { scenario { id } totalValue selectedCount budgetUsed { year amount { amount } }
               onlyHere added removed }
    } }"""

    comparison = (await ask(gateway, query, analyst_headers, ids=["SC-1", "SC-2"]))[
        "scenarioComparison"
    ]

    assert (comparison["currency"], comparison["years"], comparison["common"]) == (
        "EUR",
        [2026, 2027, 2028],
        ["P-1"],
    )
    first, second = comparison["rows"]
    assert first["onlyHere"] == ["P-2"]
    assert (first["added"], first["removed"]) == ([], [])
    assert second == {
        "scenario": {"id": "SC-2"},
        "totalValue": "122.5",
        "selectedCount": 2,
        "budgetUsed": [
            {"year": 2026, "amount": {"amount": "50000.00"}},
            {"year": 2027, "amount": {"amount": "0.00"}},
            {"year": 2028, "amount": {"amount": "5000.00"}},
        ],
        "onlyHere": ["P-3"],
        "added": ["P-3"],
        "removed": ["P-2"],
    }

    unknown = await graphql(gateway, query, {"ids": ["SC-1", "SC-X"]}, analyst_headers)
    assert error_codes(unknown) == ["NOT_FOUND"]
    twice = await graphql(gateway, query, {"ids": ["SC-1", "SC-1"]}, analyst_headers)
    assert error_codes(twice) == ["BAD_USER_INPUT"]


async def test_programmes_and_their_items(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    query = """{
        programmes { id name sponsor items { id } }
        programme(id: "PG-1") { description items { id programme { id } } }
        portfolioItems(filter: {programme: "PG-1"}) { totalCount edges { node { id } } }
    }"""

    data = await ask(gateway, query, analyst_headers)

    assert data["programmes"] == [
        {"id": "PG-1", "name": "Finance transformation", "sponsor": "cfo", "items": [{"id": "P-1"}]}
    ]
    assert data["programme"]["items"] == [{"id": "P-1", "programme": {"id": "PG-1"}}]
    assert data["portfolioItems"] == {"totalCount": 1, "edges": [{"node": {"id": "P-1"}}]}


async def test_a_meetings_register_lists_scenario_adoptions_with_item_decisions(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    query = """{ meeting(id: "M-2") {
        scenarioAdoptions { decisionId scenarioId selected scenario { name } }
        decisionRegister { decision { id } scenarioAdoption { decisionId } }
    } }"""

    found = (await ask(gateway, query, analyst_headers))["meeting"]

    assert found["scenarioAdoptions"] == [
        {"decisionId": "DEC-9", "scenarioId": "SC-1", "selected": ["P-1", "P-2"],
         "scenario": {"name": "Baseline"}}
    ]  # fmt: skip
    assert found["decisionRegister"] == [
        {"decision": {"id": "DEC-2"}, "scenarioAdoption": None},
        {"decision": None, "scenarioAdoption": {"decisionId": "DEC-9"}},
    ]


async def test_a_decision_shows_the_envelope_version_it_was_based_on(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    query = """{ decision(id: "DEC-2") { frozenInputs { budgetEnvelope {
        id version amount { amount } envelope { version amount { amount } }
    } } } }"""

    data = await ask(gateway, query, analyst_headers)

    # The factory's decisions froze BE-2026 v4, a version this read model never saw.
    assert data["decision"]["frozenInputs"]["budgetEnvelope"] == {
        "id": "BE-2026",
        "version": 4,
        "amount": None,
        "envelope": {"version": 2, "amount": {"amount": "150000.00"}},
    }


async def test_a_decision_shows_the_capacity_version_it_was_taken_on(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    query = """{ taken: decision(id: "DEC-2") { frozenInputs { capacityVersion } }
                 older: decision(id: "DEC-1") { frozenInputs { capacityVersion } } }"""

    data = await ask(gateway, query, analyst_headers)

    # DEC-1's payload is from before the portfolio consumed the capacity events.
    assert data["taken"]["frozenInputs"]["capacityVersion"] == 812
    assert data["older"]["frozenInputs"]["capacityVersion"] is None
