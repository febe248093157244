"""Capacity against demand through the gateway, over read models projected from the capacity
domain's own events: capacityVsDemand by role and quarter (agreeing with the heatmap's role
filter), unfilledDemand by skill with its requests, a project's staffing, and a person's
timeline in pages."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from pmo_kernel.settings import Settings
from tests.reporting.capacity_factory import Capacity, project_capacity
from tests.reporting.staffing_factory import Staffing
from tests.reporting.support import error_codes, graphql
from tests.support import bearer

pytestmark = pytest.mark.integration


def staffed() -> Staffing:
    """Ann (developer and architect, 40 h), Bob (developer, 40 h); requests on erp, one
    filled by Bob, one cancelled, one open over W12..W15 (two quarters: Q1 then Q2)."""
    capacity = Capacity()
    capacity.calendar("BE")
    capacity.person("ann", roles=("developer", "architect"), skills=(("Python", 4),))
    capacity.person("bob", skills=(("python", 3), ("sql", 2)))
    capacity.report("ann", "2027-W13", available_percent=Decimal(50))
    capacity.allocate("ann", "A-1", "erp", "2027-W12", "2027-W13", "30")
    capacity.confirm("ann", "A-1")
    staffing = Staffing(capacity)
    staffing.request("R-OPEN", weeks=("2027-W12", "2027-W15"), hours="25",
                     skills=(("python", 3), ("sql", 1)))  # fmt: skip
    staffing.request("R-FILLED", weeks=("2027-W12", "2027-W13"), hours="16")
    staffing.request("R-GONE", weeks=("2027-W12", "2027-W13"), hours="8")
    staffing.cancel("R-GONE", "no longer needed")
    staffing.propose("P-1", {"R-FILLED": "bob"})
    staffing.accept("P-1", "R-FILLED", "B-1")
    return staffing


@pytest.fixture
def reader(settings: Settings) -> dict[str, str]:
    return bearer(settings, "rita", "resource_manager")


CAPACITY_VS_DEMAND = """query ($by: CapacityGrouping!, $period: CapacityPeriod!,
    $unit: CapacityUnit) {
  capacityVsDemand(by: $by, period: $period, fromWeek: "2027-W12", toWeek: "2027-W15",
      unit: $unit) {
    periods { name firstWeek lastWeek weeks }
    rows { key people cells { period available soft hard allocated openDemand gap short
      requestIds } }
    shortages { key period gap }
  }
}"""


async def test_capacity_against_demand_counts_people_under_each_role_and_requests_by_week(
    gateway: httpx.AsyncClient, reporting_db: str, reader: dict[str, str]
) -> None:
    await project_capacity(reporting_db, staffed().capacity.events)

    body = await graphql(gateway, CAPACITY_VS_DEMAND, {"by": "ROLE", "period": "QUARTER"}, reader)

    view = body["data"]["capacityVsDemand"]
    assert view["periods"] == [
        {"name": "2027-Q1", "firstWeek": "2027-W12", "lastWeek": "2027-W13", "weeks": 2},
        {"name": "2027-Q2", "firstWeek": "2027-W14", "lastWeek": "2027-W15", "weeks": 2},
    ]
    rows = {row["key"]: row for row in view["rows"]}
    assert (rows["architect"]["people"], rows["developer"]["people"]) == (1, 2)
    q1, q2 = rows["developer"]["cells"]
    # Q1: ann 40 + 20 (half of W13), bob 80; ann's 60 hard, bob's 32 soft (R-FILLED);
    # R-OPEN's two Q1 weeks at 25; R-GONE cancelled, R-FILLED an allocation now.
    assert q1 == {
        "period": "2027-Q1", "available": "140.00", "soft": "32.00", "hard": "60.00",
        "allocated": "92.00", "openDemand": "50.00", "gap": "-2.00", "short": True,
        "requestIds": ["R-OPEN"],
    }  # fmt: skip
    assert (q2["available"], q2["allocated"], q2["openDemand"], q2["gap"], q2["short"]) == (
        "160.00", "0.00", "50.00", "110.00", False,
    )  # fmt: skip
    assert rows["architect"]["cells"][0]["openDemand"] == "0.00"  # requests are developers'
    assert view["shortages"] == [{"key": "developer", "period": "2027-Q1", "gap": "-2.00"}]


async def test_a_roles_availability_is_the_heatmaps_for_that_role_and_units_convert(
    gateway: httpx.AsyncClient, reporting_db: str, reader: dict[str, str]
) -> None:
    await project_capacity(reporting_db, staffed().capacity.events)
    heatmap = """{ capacityHeatmap(fromWeek: "2027-W12", toWeek: "2027-W15", role: "developer")
      { totals { available allocated } } }"""

    totals = (await graphql(gateway, heatmap, {}, reader))["data"]["capacityHeatmap"]["totals"]
    weekly = await graphql(gateway, CAPACITY_VS_DEMAND, {"by": "ROLE", "period": "WEEK"}, reader)
    days = await graphql(
        gateway, CAPACITY_VS_DEMAND, {"by": "ROLE", "period": "QUARTER", "unit": "PERSON_DAYS"},
        reader,
    )  # fmt: skip

    [developer] = [r for r in weekly["data"]["capacityVsDemand"]["rows"] if r["key"] == "developer"]
    assert [(c["available"], c["allocated"]) for c in developer["cells"]] == [
        (t["available"], t["allocated"]) for t in totals
    ]
    [developer] = [r for r in days["data"]["capacityVsDemand"]["rows"] if r["key"] == "developer"]
    assert [(c["available"], c["openDemand"]) for c in developer["cells"]] == [
        ("17.50", "6.25"), ("20.00", "6.25"),  # 140 h / 8, 50 h / 8 (a nominal day)
    ]  # fmt: skip


async def test_unfilled_demand_by_skill_tells_the_open_hours_and_their_requests(
    gateway: httpx.AsyncClient, reporting_db: str, reader: dict[str, str]
) -> None:
    await project_capacity(reporting_db, staffed().capacity.events)
    query = """{ unfilledDemand(by: SKILL, period: MONTH, fromWeek: "2027-W10",
      toWeek: "2027-W20") { cells { key period hours requestIds } totalHours requestCount } }"""

    body = await graphql(gateway, query, {}, reader)

    # R-OPEN: W12 in March, W13..W15 in April; under each skill it requires.
    assert body["data"]["unfilledDemand"] == {
        "cells": [
            {"key": "python", "period": "2027-03", "hours": "25.00", "requestIds": ["R-OPEN"]},
            {"key": "python", "period": "2027-04", "hours": "75.00", "requestIds": ["R-OPEN"]},
            {"key": "sql", "period": "2027-03", "hours": "25.00", "requestIds": ["R-OPEN"]},
            {"key": "sql", "period": "2027-04", "hours": "75.00", "requestIds": ["R-OPEN"]},
        ],
        "totalHours": "100.00",
        "requestCount": 1,
    }


async def test_a_projects_staffing_sets_its_requests_against_its_allocations(
    gateway: httpx.AsyncClient, reporting_db: str, reader: dict[str, str]
) -> None:
    await project_capacity(reporting_db, staffed().capacity.events)
    query = """{ projectStaffing(itemId: "erp") {
      requests { id status role hoursPerWeek startWeek endWeek }
      allocations { allocation { id kind hoursPerWeek startWeek endWeek } personId
        person { id } confirmedAt hours }
      requestedHours openHours allocatedHours softHours hardHours
    } }"""

    staffing = (await graphql(gateway, query, {}, reader))["data"]["projectStaffing"]

    assert [(r["id"], r["status"]) for r in staffing["requests"]] == [
        ("R-FILLED", "FILLED"), ("R-GONE", "CANCELLED"), ("R-OPEN", "OPEN"),
    ]  # fmt: skip
    assert [
        (a["allocation"]["id"], a["allocation"]["kind"], a["person"]["id"], a["hours"])
        for a in staffing["allocations"]
    ] == [("A-1", "HARD", "ann", "60.00"), ("B-1", "SOFT", "bob", "32.00")]
    assert staffing["allocations"][0]["confirmedAt"] is not None
    assert (
        staffing["requestedHours"], staffing["openHours"], staffing["allocatedHours"],
        staffing["softHours"], staffing["hardHours"],
    ) == ("132.00", "100.00", "92.00", "32.00", "60.00")  # fmt: skip


async def test_a_persons_timeline_comes_earliest_first_in_pages(
    gateway: httpx.AsyncClient, reporting_db: str, reader: dict[str, str]
) -> None:
    staffing = staffed()
    staffing.capacity.release("ann", "A-1")
    await project_capacity(reporting_db, staffing.capacity.events)
    query = """query ($after: String) { person(id: "ann") { timeline(first: 3, after: $after) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { node { kind by week availablePercent allocationId projectId overAllocated } }
    } } }"""

    first = (await graphql(gateway, query, {}, reader))["data"]["person"]["timeline"]
    after = {"after": first["pageInfo"]["endCursor"]}
    second = (await graphql(gateway, query, after, reader))["data"]["person"]["timeline"]

    entries = [e["node"] for e in first["edges"] + second["edges"]]
    assert [(e["kind"], e["by"]) for e in entries] == [
        ("REGISTERED", None), ("AVAILABILITY_REPORTED", "marc"),
        ("ALLOCATION_PROPOSED", "pam"), ("ALLOCATION_CONFIRMED", "marc"),
        ("ALLOCATION_RELEASED", "pam"),
    ]  # fmt: skip
    assert (entries[1]["week"], entries[1]["availablePercent"]) == ("2027-W13", "50.00")
    assert (entries[2]["allocationId"], entries[2]["projectId"]) == ("A-1", "erp")
    assert entries[2]["overAllocated"] is True  # 30 h in W13, when ann had 20
    assert first["totalCount"] == second["totalCount"] == 5
    assert (first["pageInfo"]["hasNextPage"], first["pageInfo"]["hasPreviousPage"]) == (True, False)
    assert (second["pageInfo"]["hasNextPage"], second["pageInfo"]["hasPreviousPage"]) == (
        False, True,
    )  # fmt: skip


async def test_capacity_against_demand_checks_its_range(
    gateway: httpx.AsyncClient, reporting_db: str, reader: dict[str, str]
) -> None:
    query = """{ capacityVsDemand(by: ROLE, period: WEEK, fromWeek: "2027-W20",
      toWeek: "2027-W10") { rows { key } } }"""

    body = await graphql(gateway, query, {}, reader)

    assert error_codes(body) == ["BAD_USER_INPUT"]
