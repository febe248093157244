"""The capacity queries through the gateway app, over read models projected from the capacity
domain's own events: people filtered and paged, a person with their calendar, allocations and
weekly loads (as the capacity service computes them), and the heatmap in hours, FTE and
person-days, with its range checked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from pmo_kernel.settings import Settings
from tests.reporting.capacity_factory import Capacity, project_capacity
from tests.reporting.support import error_codes, graphql
from tests.support import bearer

pytestmark = pytest.mark.integration

ASCENSION = date(2027, 5, 6)  # a Thursday of 2027-W18


def staff() -> Capacity:
    """Ann (Platform, 80 %, Belgian calendar), Bob (Platform, tester), Cleo (Data, 32 h)."""
    capacity = Capacity()
    capacity.calendar("BE", "40", (ASCENSION,))
    capacity.calendar("PT", "32")
    capacity.person("ann", part_time="80", skills=(("Python", 4), ("SQL", 2)))
    capacity.person("bob", roles=("tester",), skills=(("selenium", 3),))
    capacity.person("cleo", team="Data", calendar_id="PT", manager="nina", skills=(("spark", 3),))
    capacity.report("ann", "2027-W17", available_percent=Decimal(50))
    capacity.allocate("ann", "A-1", "P-1", "2027-W16", "2027-W18", "24")
    capacity.confirm("ann", "A-1")
    capacity.allocate("ann", "A-2", "P-2", "2027-W17", "2027-W17", "8")
    capacity.allocate("ann", "A-3", "P-3", "2027-W19", "2027-W19", percent="50")
    capacity.allocate("cleo", "C-1", "P-1", "2027-W16", "2027-W16", "40")
    capacity.allocate("cleo", "C-2", "P-3", "2027-W17", "2027-W17", "40")
    capacity.release("cleo", "C-2")
    return capacity


@pytest.fixture
def reader(settings: Settings) -> dict[str, str]:
    return bearer(settings, "rita", "resource_manager")


async def test_people_are_filtered_by_team_role_and_skill(
    gateway: httpx.AsyncClient, reporting_db: str, reader: dict[str, str]
) -> None:
    await project_capacity(reporting_db, staff().events)
    query = """query ($team: String, $role: String, $skill: String) {
      people(team: $team, role: $role, skill: $skill) { totalCount edges { node { id } } }
    }"""

    async def ids(**variables: str) -> list[str]:
        body = await graphql(gateway, query, variables, reader)
        people = body["data"]["people"]
        assert people["totalCount"] == len(people["edges"])
        return [edge["node"]["id"] for edge in people["edges"]]

    assert await ids() == ["ann", "bob", "cleo"]
    assert await ids(team="Platform") == ["ann", "bob"]
    assert await ids(role="tester") == ["bob"]
    assert await ids(skill="python") == ["ann"]  # any case
    assert await ids(team="Data", skill="python") == []


async def test_people_come_in_pages(
    gateway: httpx.AsyncClient, reporting_db: str, reader: dict[str, str]
) -> None:
    await project_capacity(reporting_db, staff().events)
    query = """query ($after: String) {
      people(first: 2, after: $after) {
        edges { node { id } } pageInfo { hasNextPage hasPreviousPage endCursor }
      }
    }"""

    first = (await graphql(gateway, query, {}, reader))["data"]["people"]
    second = (await graphql(gateway, query, {"after": first["pageInfo"]["endCursor"]}, reader))[
        "data"
    ]["people"]

    assert [e["node"]["id"] for e in first["edges"]] == ["ann", "bob"]
    assert first["pageInfo"]["hasNextPage"]
    assert not first["pageInfo"]["hasPreviousPage"]
    assert [e["node"]["id"] for e in second["edges"]] == ["cleo"]
    assert second["pageInfo"]["hasPreviousPage"]
    assert not second["pageInfo"]["hasNextPage"]
    bad = await graphql(gateway, '{ people(after: "nonsense") { totalCount } }', {}, reader)
    assert error_codes(bad) == ["BAD_USER_INPUT"]


async def test_a_person_shows_calendar_allocations_and_the_services_own_loads(
    gateway: httpx.AsyncClient, reporting_db: str, reader: dict[str, str]
) -> None:
    capacity = staff()
    await project_capacity(reporting_db, capacity.events)
    query = """{ person(id: "ann") {
      name team lineManager roles partTimePercent lastDay skills { name level }
      costRatePerDay { amount currency }
      calendar { id hoursPerWeek publicHolidays }
      allocations { id kind released hoursPerWeek percentOfAvailability overAllocated }
      weeks(fromWeek: "2027-W16", toWeek: "2027-W19") {
        week availableHours allocatedHours softHours hardHours overAllocated
      }
    } }"""

    person = (await graphql(gateway, query, {}, reader))["data"]["person"]

    assert person["skills"] == [{"name": "Python", "level": 4}, {"name": "SQL", "level": 2}]
    assert (person["team"], person["lineManager"], person["roles"]) == (
        "Platform", "marc", ["developer"],
    )  # fmt: skip
    assert person["costRatePerDay"] == {"amount": "640.00", "currency": "EUR"}
    assert person["calendar"] == {
        "id": "BE", "hoursPerWeek": "40.00", "publicHolidays": ["2027-05-06"],
    }  # fmt: skip
    assert [
        (a["id"], a["kind"], a["hoursPerWeek"], a["percentOfAvailability"])
        for a in person["allocations"]
    ] == [
        ("A-1", "HARD", "24.00", None), ("A-2", "SOFT", "8.00", None),
        ("A-3", "SOFT", None, "50.00"),
    ]  # fmt: skip
    ann = capacity.people["ann"]
    expected = ann.loads(capacity.calendars["BE"], "2027-W16", "2027-W19")
    assert person["weeks"] == [
        {
            "week": w.week, "availableHours": str(w.available_hours),
            "allocatedHours": str(w.allocated_hours), "softHours": str(w.soft_hours),
            "hardHours": str(w.hard_hours), "overAllocated": w.over_allocated,
        }
        for w in expected
    ]  # fmt: skip
    # 80 % of 40 h; half of it in W17, overbooked by 24 + 8; Ascension Thursday in W18.
    assert [w["availableHours"] for w in person["weeks"]] == ["32.00", "16.00", "25.60", "32.00"]
    assert [w["overAllocated"] for w in person["weeks"]] == [False, True, False, False]
    assert person["weeks"][3]["softHours"] == "16.00"  # half of W19's 32 h


HEATMAP = """query ($unit: CapacityUnit, $team: String) {
  capacityHeatmap(fromWeek: "2027-W16", toWeek: "2027-W17", unit: $unit, team: $team) {
    unit weeks
    rows {
      person { id } available allocated soft hard overAllocated
      cells { week available allocated soft hard overAllocated }
    }
    totals { week available allocated soft hard overAllocatedPeople }
  }
}"""


def cells(heatmap: dict[str, Any], person: str) -> list[tuple[str, str, str, str, bool]]:
    """The person's cells; their week series say the same, week by week."""
    [row] = [r for r in heatmap["rows"] if r["person"]["id"] == person]
    found = [
        (c["available"], c["allocated"], c["soft"], c["hard"], c["overAllocated"])
        for c in row["cells"]
    ]
    series = ("available", "allocated", "soft", "hard", "overAllocated")
    assert list(zip(*(row[name] for name in series), strict=True)) == found
    return found


async def test_the_heatmap_in_hours_fte_and_person_days(
    gateway: httpx.AsyncClient, reporting_db: str, reader: dict[str, str]
) -> None:
    await project_capacity(reporting_db, staff().events)

    hours = (await graphql(gateway, HEATMAP, {}, reader))["data"]["capacityHeatmap"]
    fte = (await graphql(gateway, HEATMAP, {"unit": "FTE"}, reader))["data"]["capacityHeatmap"]
    days = (await graphql(gateway, HEATMAP, {"unit": "PERSON_DAYS"}, reader))["data"][
        "capacityHeatmap"
    ]

    assert (hours["unit"], hours["weeks"]) == ("HOURS", ["2027-W16", "2027-W17"])
    assert [r["person"]["id"] for r in hours["rows"]] == ["ann", "bob", "cleo"]
    assert cells(hours, "ann") == [
        ("32.00", "24.00", "0.00", "24.00", False),
        ("16.00", "32.00", "8.00", "24.00", True),
    ]
    # Cleo's 32 h week: 40 h allocated in W16; W17's allocation was released.
    assert cells(hours, "cleo") == [
        ("32.00", "40.00", "40.00", "0.00", True),
        ("32.00", "0.00", "0.00", "0.00", False),
    ]
    totals = [(t["available"], t["allocated"], t["overAllocatedPeople"]) for t in hours["totals"]]
    assert totals == [("104.00", "64.00", 1), ("88.00", "32.00", 1)]
    # FTE: hours / the person's calendar's full-time hours (ann 40, cleo 32).
    assert cells(fte, "ann")[1] == ("0.40", "0.80", "0.20", "0.60", True)
    assert cells(fte, "cleo")[0] == ("1.00", "1.25", "1.25", "0.00", True)
    assert [t["available"] for t in fte["totals"]] == ["2.80", "2.40"]
    # Person-days: hours / (full-time hours / 5).
    assert cells(days, "ann")[0] == ("4.00", "3.00", "0.00", "3.00", False)
    assert cells(days, "cleo")[0] == ("5.00", "6.25", "6.25", "0.00", True)


async def test_the_heatmap_keeps_to_the_filtered_people(
    gateway: httpx.AsyncClient, reporting_db: str, reader: dict[str, str]
) -> None:
    await project_capacity(reporting_db, staff().events)

    data = (await graphql(gateway, HEATMAP, {"team": "Data"}, reader))["data"]

    assert [r["person"]["id"] for r in data["capacityHeatmap"]["rows"]] == ["cleo"]
    assert [t["allocated"] for t in data["capacityHeatmap"]["totals"]] == ["40.00", "0.00"]


async def test_the_heatmap_follows_the_read_models(
    gateway: httpx.AsyncClient, reporting_db: str, reader: dict[str, str]
) -> None:
    capacity = staff()
    await project_capacity(reporting_db, capacity.events)
    before = (await graphql(gateway, HEATMAP, {}, reader))["data"]["capacityHeatmap"]
    seen = len(capacity.events)

    capacity.allocate("bob", "B-1", "P-9", "2027-W17", "2027-W17", "50")
    await project_capacity(reporting_db, capacity.events[seen:])
    after = (await graphql(gateway, HEATMAP, {}, reader))["data"]["capacityHeatmap"]

    assert cells(before, "bob")[1] == ("40.00", "0.00", "0.00", "0.00", False)
    assert cells(after, "bob")[1] == ("40.00", "50.00", "50.00", "0.00", True)
    assert [t["overAllocatedPeople"] for t in after["totals"]] == [1, 2]


BAD_RANGES = [
    ("2027-W20", "2027-W19", "toWeek"),  # ends before it starts
    ("2027-W01", "2030-W02", "toWeek"),  # 158 weeks
    ("2027-17", "2027-W19", "fromWeek"),
    ("2027-W53", "2028-W19", "fromWeek"),  # 2027 has 52 weeks
]


async def test_a_range_one_may_not_read_is_a_bad_input(
    gateway: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    query = """query ($f: String!, $t: String!) {
      capacityHeatmap(fromWeek: $f, toWeek: $t) { weeks }
    }"""
    for from_week, to_week, argument in BAD_RANGES:
        body = await graphql(gateway, query, {"f": from_week, "t": to_week}, reader)

        assert error_codes(body) == ["BAD_USER_INPUT"], (from_week, to_week)
        assert body["errors"][0]["extensions"]["argument"] == argument
        assert body["data"] is None


async def test_three_years_of_weeks_may_be_read(
    gateway: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    body = await graphql(
        gateway, '{ capacityHeatmap(fromWeek: "2027-W01", toWeek: "2029-W52") { weeks } }', {},
        reader,
    )  # fmt: skip

    assert len(body["data"]["capacityHeatmap"]["weeks"]) == 156
