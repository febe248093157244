"""GraphQL queries on the read models: one demand, the paged list, KPIs, auth and limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from pmo_reporting.gateway.readmodel import ReadModel
from tests.reporting.factory import T0, DemandStory, business_case
from tests.reporting.support import error_codes, graphql, project

pytestmark = pytest.mark.integration

Headers = dict[str, str]


def portfolio() -> list[Any]:
    """Seven demands, submitted an hour apart (G newest), in every state."""

    def story(demand_id: str, hours: int) -> DemandStory:
        return DemandStory(demand_id, at=T0 + timedelta(hours=hours))

    a = story("A", 0)
    a.submitted("Invoice matching", case=business_case("400000.00"))
    a.qualified(committee=True)  # 1 day after submission
    b = story("B", 1)
    b.submitted("Payroll upgrade", department="HR", category="change", case=business_case())
    b.information_requested("Which payroll provider?")
    b.information_provided("The current one")
    b.qualified()  # 3 days
    c = story("C", 2)
    c.submitted("GDPR register", department="Legal", category="regulatory")
    c.rejected("Already covered by the records programme")
    d = story("D", 3)
    d.submitted("Data lake", department="IT", category="programme", urgency="low")
    e = story("E", 4)
    e.submitted("100% uptime for the shop", department="IT")
    e.withdrawn("Merged into the resilience programme")
    f = story("F", 5)
    f.submitted("Warehouse robots", department="Operations", case=business_case())
    f.qualified()  # 1 day
    f.accepted()
    g = story("G", 6)
    g.submitted("Ledger_cleanup", category="change")
    return [event for s in (a, b, c, d, e, f, g) for event in s.events]


@pytest.fixture
async def seeded(reporting_db: str) -> None:
    await project(reporting_db, portfolio(), batch=True)


DEMAND = """
query ($id: ID!) {
  demand(id: $id) {
    id version state title department category urgency requester sponsor
    strategicObjectives desiredStartQuarter requiresInvestmentCommittee openQuestions
    submittedAt qualifiedAt decidedAt
    businessCase {
      version problem objectives effortPersonDays risks
      estimatedCost { amount currency } benefitsEstimate { amount currency }
    }
    history { version eventType actor { id name } occurredAt summary changes details }
  }
}"""


async def test_a_demand_shows_its_business_case_and_history_with_actors(
    seeded: None, gateway: httpx.AsyncClient, requester_headers: Headers
) -> None:
    body = await graphql(gateway, DEMAND, {"id": "A"}, requester_headers)

    assert "errors" not in body, body
    demand = body["data"]["demand"]
    assert demand["state"] == "QUALIFIED"
    assert demand["category"] == "PROJECT"
    assert demand["urgency"] == "HIGH"
    assert demand["requiresInvestmentCommittee"] is True
    assert demand["submittedAt"] == "2026-01-05T09:00:00+00:00"
    assert demand["qualifiedAt"] == "2026-01-06T09:00:00+00:00"
    assert demand["businessCase"]["estimatedCost"] == {"amount": "400000.00", "currency": "EUR"}
    assert demand["businessCase"]["effortPersonDays"] == "250.5"
    assert [
        (h["version"], h["eventType"], h["actor"], h["summary"]) for h in demand["history"]
    ] == [
        (1, "DemandSubmitted", {"id": "alice", "name": "Alice Martin"},
         "Demand “Invoice matching” submitted by Alice Martin with business case version 1"),
        (2, "DemandQualified", {"id": "bob", "name": "Bob Analyst"},
         "Qualified by Bob Analyst; the investment committee must decide"),
    ]  # fmt: skip
    assert demand["history"][1]["changes"]["state"] == {"from": "submitted", "to": "qualified"}
    assert demand["history"][1]["details"]["note"] == "Looks sound"


async def test_an_unknown_demand_is_null(
    seeded: None, gateway: httpx.AsyncClient, requester_headers: Headers
) -> None:
    body = await graphql(gateway, DEMAND, {"id": "nope"}, requester_headers)

    assert body == {"data": {"demand": None}}


PAGE = """
query ($first: Int, $after: String, $filter: DemandFilter) {
  demands(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def pages(
    client: httpx.AsyncClient, headers: Headers, first: int, filter: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    result, after = [], None
    while True:
        body = await graphql(
            client, PAGE, {"first": first, "after": after, "filter": filter}, headers
        )
        assert "errors" not in body, body
        page = body["data"]["demands"]
        result.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return result
        after = page["pageInfo"]["endCursor"]


def ids(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in page["edges"]]


async def test_demands_page_newest_first_with_opaque_cursors(
    seeded: None, gateway: httpx.AsyncClient, requester_headers: Headers
) -> None:
    first, second, third = await pages(gateway, requester_headers, first=3)

    assert [ids(first), ids(second), ids(third)] == [["G", "F", "E"], ["D", "C", "B"], ["A"]]
    assert {page["totalCount"] for page in (first, second, third)} == {7}
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    assert third["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": third["edges"][0]["cursor"],
        "endCursor": third["edges"][0]["cursor"],
    }


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"states": ["QUALIFIED", "ACCEPTED"]}, ["F", "B", "A"]),
        ({"department": "IT"}, ["E", "D"]),
        ({"category": "CHANGE"}, ["G", "B"]),
        ({"requiresInvestmentCommittee": True}, ["A"]),
        ({"requiresInvestmentCommittee": False}, ["F", "B"]),
        ({"requester": "alice", "department": "Finance"}, ["G", "A"]),
        ({"search": "100%"}, ["E"]),  # % and _ are literal, not wildcards
        ({"search": "ledger_"}, ["G"]),
        ({"search": "ROBOT"}, ["F"]),
        ({"states": []}, []),
    ],
)
async def test_demands_filter_and_count_what_matches(
    seeded: None,
    gateway: httpx.AsyncClient,
    requester_headers: Headers,
    filter: dict[str, Any],
    expected: list[str],
) -> None:
    found = await pages(gateway, requester_headers, first=2, filter=filter)

    assert [demand_id for page in found for demand_id in ids(page)] == expected
    assert found[0]["totalCount"] == len(expected)


async def test_kpis_count_by_state_and_department_and_time_qualification(
    seeded: None, gateway: httpx.AsyncClient, requester_headers: Headers
) -> None:
    query = """{ demandKpis {
        total medianDaysToQualification
        byState { state count }
        byDepartment { department count }
        byStateAndDepartment { state department count }
    } }"""

    kpis = (await graphql(gateway, query, headers=requester_headers))["data"]["demandKpis"]

    assert kpis["total"] == 7
    assert kpis["medianDaysToQualification"] == 1.0  # A: 1 day, B: 3 days, F: 1 day
    assert {s["state"]: s["count"] for s in kpis["byState"]} == {
        "SUBMITTED": 2,
        "INFORMATION_REQUESTED": 0,
        "INFORMATION_PROVIDED": 0,
        "QUALIFIED": 2,
        "ACCEPTED": 1,
        "REJECTED": 1,
        "WITHDRAWN": 1,
    }
    assert kpis["byDepartment"] == [
        {"department": "Finance", "count": 2},
        {"department": "IT", "count": 2},
        {"department": "HR", "count": 1},
        {"department": "Legal", "count": 1},
        {"department": "Operations", "count": 1},
    ]
    assert {"state": "SUBMITTED", "department": "IT", "count": 1} in kpis["byStateAndDepartment"]
    assert len(kpis["byStateAndDepartment"]) == 7


async def test_kpis_take_the_same_filter_as_the_list(
    seeded: None, gateway: httpx.AsyncClient, requester_headers: Headers
) -> None:
    query = """query ($f: DemandFilter) {
        demandKpis(filter: $f) { total medianDaysToQualification }
    }"""

    body = await graphql(gateway, query, {"f": {"department": "HR"}}, requester_headers)

    assert body["data"]["demandKpis"] == {"total": 1, "medianDaysToQualification": 3.0}


async def test_listing_demands_with_their_history_loads_all_histories_in_one_query(
    seeded: None,
    gateway: httpx.AsyncClient,
    requester_headers: Headers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batches: list[list[str]] = []
    history_for = ReadModel.history_for

    async def counted(self: ReadModel, demand_ids: Any) -> Any:
        batches.append(sorted(demand_ids))
        return await history_for(self, demand_ids)

    monkeypatch.setattr(ReadModel, "history_for", counted)
    query = "{ demands(first: 7) { edges { node { id history { version summary } } } } }"

    body = await graphql(gateway, query, headers=requester_headers)

    edges = body["data"]["demands"]["edges"]
    assert sum(len(edge["node"]["history"]) for edge in edges) == 15
    assert batches == [["A", "B", "C", "D", "E", "F", "G"]]


async def test_queries_need_a_valid_bearer_token(seeded: None, gateway: httpx.AsyncClient) -> None:
    missing = await graphql(gateway, "{ demands { totalCount } }")
    forged = await graphql(
        gateway, '{ demand(id: "A") { id } }', headers={"Authorization": "Bearer not-a-jwt"}
    )

    assert missing["data"] is None
    assert error_codes(missing) == ["UNAUTHENTICATED"]
    assert "bearer token is required" in missing["errors"][0]["message"]
    assert forged["data"] == {"demand": None}
    assert error_codes(forged) == ["UNAUTHENTICATED"]


async def test_a_query_nested_too_deep_is_refused_before_it_runs(
    seeded: None, gateway: httpx.AsyncClient, requester_headers: Headers
) -> None:
    deep = "{ demands { edges { node { history { actor " + "{ a " * 7 + "}" * 7 + " } } } } }"

    body = await graphql(gateway, deep, headers=requester_headers)

    assert body["data"] is None
    depth = [e for e in body["errors"] if "exceeds maximum operation depth of 10" in e["message"]]
    assert depth
    assert depth[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_too_many_aliases_are_refused(
    seeded: None, gateway: httpx.AsyncClient, requester_headers: Headers
) -> None:
    query = "{ " + " ".join(f'a{i}: demand(id: "A") {{ id }}' for i in range(31)) + " }"

    body = await graphql(gateway, query, headers=requester_headers)

    assert body["data"] is None
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.parametrize(
    ("variables", "argument"),
    [({"first": 101}, "first"), ({"first": 0}, "first"), ({"after": "garbage!"}, "after")],
)
async def test_bad_paging_arguments_are_bad_user_input(
    seeded: None,
    gateway: httpx.AsyncClient,
    requester_headers: Headers,
    variables: dict[str, Any],
    argument: str,
) -> None:
    body = await graphql(gateway, PAGE, variables, requester_headers)

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == argument


async def test_the_read_model_status_says_how_far_the_projector_got(
    seeded: None, gateway: httpx.AsyncClient, requester_headers: Headers
) -> None:
    query = "{ readModelStatus { eventsApplied lastEventAt lastAppliedAt } }"

    status = (await graphql(gateway, query, headers=requester_headers))["data"]["readModelStatus"]

    assert status["eventsApplied"] == len(portfolio())
    assert status["lastAppliedAt"] is not None
