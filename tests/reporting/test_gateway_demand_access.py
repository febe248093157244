"""Who sees which demand through GraphQL: every caller x department sharing off/on x the
demand queries (one by id, the list with its total, the KPIs, a demand's history), against the
rules of pmo_kernel.access. A demand the caller may not see is null by id and absent from every
list and count; one seen as a department colleague (SUMMARY) comes without its figures."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from pmo_kernel.access import Sight
from pmo_kernel.settings import Settings
from tests.reporting.access_support import Caller, gateway_sharing
from tests.reporting.factory import DemandStory, business_case
from tests.reporting.support import graphql, project
from tests.support import bearer

pytestmark = pytest.mark.integration

FULL, SUMMARY = Sight.FULL, Sight.SUMMARY

# Alice and Carol are in Finance, Erin in HR. The sponsors: the CFO (by subject) for Alice's
# and Erin's demands, Dana Sponsor (by display name, typed with odd spacing) for Carol's.
DEMANDS = {
    "D-ALICE": ("alice", "Finance", "CFO"),
    "D-CAROL": ("carol", "Finance", "  dana   SPONSOR "),
    "D-ERIN": ("erin", "HR", "CFO"),
}


EVERYTHING = dict.fromkeys(DEMANDS, FULL)
CALLERS = [
    Caller("its requester", "alice", ("requester",), "Finance",
           sees={"D-ALICE": FULL}, sees_with_sharing={"D-ALICE": FULL, "D-CAROL": SUMMARY}),
    Caller("a colleague of the same department", "carol", ("requester",), "Finance",
           sees={"D-CAROL": FULL}, sees_with_sharing={"D-CAROL": FULL, "D-ALICE": SUMMARY}),
    Caller("a requester of another department", "erin", ("requester",), "HR",
           sees={"D-ERIN": FULL}),
    Caller("a requester with no demand", "grace", ("requester",), "Sales"),
    Caller("a requester without a department claim", "henry", ("requester",)),
    Caller("the sponsor, by display name", "d.sponsor", ("requester",), name="Dana Sponsor",
           sees={"D-CAROL": FULL}),
    Caller("the sponsor, by subject", "cfo", ("requester",), name="Chief Financial Officer",
           sees={"D-ALICE": FULL, "D-ERIN": FULL}),
    Caller("a project manager (demands are not delivered)", "frank", ("project_manager",),
           "HR", sees_with_sharing={"D-ERIN": SUMMARY}),
    Caller("a resource manager", "ivan", ("resource_manager",)),
    Caller("a PMO analyst", "bob", ("pmo_analyst",), sees=EVERYTHING),
    Caller("the portfolio board", "board", ("portfolio_board",), sees=EVERYTHING),
    Caller("an executive", "exec", ("executive",), sees=EVERYTHING),
    Caller("an auditor", "audit", ("auditor",), sees=EVERYTHING),
    Caller("an admin", "root", ("admin",), sees=EVERYTHING),
]  # fmt: skip

QUERY = """query ($a: ID!, $c: ID!, $e: ID!) {
  a: demand(id: $a) { ...seen }
  c: demand(id: $c) { ...seen }
  e: demand(id: $e) { ...seen }
  demands(first: 50) { totalCount edges { node { id figuresHidden } } }
  demandKpis { total byDepartment { department count } byState { state count } }
  demandPipelineKpi { total byState { count } leadTimes { demands } }
}
fragment seen on Demand {
  id figuresHidden
  businessCase { estimatedCost { amount currency } benefitsEstimate { amount } problem }
  history { eventType changes details }
}"""


def stories() -> list[Any]:
    events = []
    for demand_id, (requester, department, sponsor) in DEMANDS.items():
        story = DemandStory(demand_id)
        story.submitted(
            f"Demand of {requester}", department=department, requester=requester,
            sponsor=sponsor, case=business_case(),
        )  # fmt: skip
        story.qualified(cost="120000.00")
        events += story.events
    return events


@pytest_asyncio.fixture(loop_scope="session", params=[False, True], ids=["own", "sharing"])
async def gateway_for(
    request: pytest.FixtureRequest, settings: Settings, reporting_db: str
) -> AsyncIterator[tuple[httpx.AsyncClient, Settings, bool]]:
    sharing: bool = request.param
    await project(reporting_db, stories())
    async with gateway_sharing(settings, sharing) as (client, configured):
        yield client, configured, sharing


def amounts_in(value: Any) -> bool:
    return '"amount"' in json.dumps(value)


@pytest.mark.parametrize("caller", CALLERS, ids=[c.label for c in CALLERS])
async def test_each_caller_sees_exactly_the_demands_the_rules_give_them(
    caller: Caller, gateway_for: tuple[httpx.AsyncClient, Settings, bool]
) -> None:
    client, settings, sharing = gateway_for
    headers = caller.headers(settings)
    body = await graphql(client, QUERY, {"a": "D-ALICE", "c": "D-CAROL", "e": "D-ERIN"}, headers)
    assert "errors" not in body, body
    data = body["data"]
    expected = caller.expected(sharing)

    by_id = {"D-ALICE": data["a"], "D-CAROL": data["c"], "D-ERIN": data["e"]}
    for demand_id, demand in by_id.items():
        sight = expected.get(demand_id, Sight.NONE)
        if sight is Sight.NONE:
            assert demand is None, f"{demand_id} should be hidden"
            continue
        assert demand["id"] == demand_id
        case = demand["businessCase"]
        assert case["problem"] == "Invoices are keyed by hand"  # the case itself is shown
        if sight is FULL:
            assert demand["figuresHidden"] is False
            assert case["estimatedCost"] == {"amount": "120000.00", "currency": "EUR"}
            assert case["benefitsEstimate"] == {"amount": "300000.00"}
            assert amounts_in(demand["history"])  # the qualification's cost is there
        else:
            assert demand["figuresHidden"] is True
            assert case["estimatedCost"] is None
            assert case["benefitsEstimate"] is None
            assert not amounts_in(demand["history"])
            assert [h["eventType"] for h in demand["history"]] == [
                "DemandSubmitted",
                "DemandQualified",
            ]

    listed = {
        edge["node"]["id"]: edge["node"]["figuresHidden"] for edge in data["demands"]["edges"]
    }
    assert listed == {demand_id: sight is not FULL for demand_id, sight in expected.items()}
    assert data["demands"]["totalCount"] == len(expected)

    kpis = data["demandKpis"]
    assert kpis["total"] == len(expected)
    departments: dict[str, int] = {}
    for demand_id in expected:
        department = DEMANDS[demand_id][1]
        departments[department] = departments.get(department, 0) + 1
    assert {d["department"]: d["count"] for d in kpis["byDepartment"]} == departments
    assert sum(s["count"] for s in kpis["byState"]) == len(expected)
    pipeline = data["demandPipelineKpi"]
    assert pipeline["total"] == sum(s["count"] for s in pipeline["byState"]) == len(expected)
    assert all(t["demands"] <= len(expected) for t in pipeline["leadTimes"])


async def test_a_hidden_demand_and_an_unknown_one_answer_alike(
    gateway_for: tuple[httpx.AsyncClient, Settings, bool],
) -> None:
    client, settings, _ = gateway_for
    headers = bearer(settings, "grace", "requester", department="Sales")
    hidden = await graphql(client, '{ demand(id: "D-ALICE") { id } }', headers=headers)
    unknown = await graphql(client, '{ demand(id: "D-NOPE") { id } }', headers=headers)
    assert hidden == unknown == {"data": {"demand": None}}


async def test_a_filter_cannot_widen_what_the_caller_sees(
    gateway_for: tuple[httpx.AsyncClient, Settings, bool],
) -> None:
    client, settings, _ = gateway_for
    headers = bearer(settings, "erin", "requester", department="HR")
    body = await graphql(
        client,
        '{ demands(filter: {requester: "alice"}) { totalCount edges { node { id } } } '
        'demandKpis(filter: {department: "Finance"}) { total } }',
        headers=headers,
    )
    assert body["data"] == {"demands": {"totalCount": 0, "edges": []}, "demandKpis": {"total": 0}}
