"""Who sees which person, their load and their cost rate through GraphQL: every caller x a
person of their own (whom they manage) and one of another team, through person(id) with its
timeline, the people list with its total, the heatmap, and capacity against demand (with
unfilled demand and a project's staffing: for capacity readers only, as the requests they
are made of, and as staffing drafts), against the capacity service's rule
(pmo_kernel.capacity.access): readers see everyone, a line manager their own people, anyone else
no one; cost rates for the cost readers and the line manager."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from pmo_kernel.capacity.access import COST_READER_ROLES, READER_ROLES
from pmo_kernel.settings import Settings
from tests.reporting.capacity_factory import Capacity, project_capacity
from tests.reporting.draft_factory import Drafts
from tests.reporting.staffing_factory import Staffing
from tests.reporting.support import graphql
from tests.support import bearer

pytestmark = pytest.mark.integration

OWN, OTHER = "ann", "bob"  # ann is managed by "marc" (Platform), bob by "nina" (Data)


def staff() -> Capacity:
    capacity = Capacity()
    capacity.calendar("BE")
    capacity.person(OWN, manager="marc", team="Platform")
    capacity.person(OTHER, manager="nina", team="Data")
    capacity.allocate(OWN, "A-1", "P-1", "2027-W16", "2027-W16", "60")
    capacity.allocate(OTHER, "B-1", "P-1", "2027-W16", "2027-W16", "8")
    staffing = Staffing(capacity)
    staffing.request("R-1", "P-1", weeks=("2027-W16", "2027-W16"), hours="10")
    drafts = Drafts(staffing)
    drafts.start("D-1")
    drafts.assign("D-1", "R-1", OTHER)
    return capacity


@dataclass(frozen=True)
class Caller:
    label: str
    subject: str
    roles: tuple[str, ...]
    sees: frozenset[str]
    costs: frozenset[str]

    @property
    def reads_staffing(self) -> bool:
        return bool(set(self.roles) & READER_ROLES)


BOTH, NONE = frozenset({OWN, OTHER}), frozenset[str]()
CALLERS = [
    *(
        Caller(f"a reader ({role})", role, (role,), BOTH,
               BOTH if role in COST_READER_ROLES else NONE)
        for role in sorted(READER_ROLES)
    ),
    Caller("the line manager, no reader role", "marc", ("requester",), frozenset({OWN}),
           frozenset({OWN})),
    Caller("the line manager, a reader without costs", "marc", ("project_manager",), BOTH,
           frozenset({OWN})),
    Caller("someone else's line manager", "nina", ("requester",), frozenset({OTHER}),
           frozenset({OTHER})),
    Caller("a requester who manages no one", "grace", ("requester",), NONE, NONE),
    Caller("no role at all", "zoe", (), NONE, NONE),
]  # fmt: skip

QUERY = """query ($own: ID!, $other: ID!) {
  own: person(id: $own) { ...seen }
  other: person(id: $other) { ...seen }
  people { totalCount edges { node { id costRatePerDay { amount } } } }
  capacityHeatmap(fromWeek: "2027-W16", toWeek: "2027-W16") {
    rows { person { id } cells { allocated overAllocated } }
    totals { allocated overAllocatedPeople }
  }
  capacityVsDemand(by: ROLE, period: WEEK, fromWeek: "2027-W16", toWeek: "2027-W16") {
    rows { key people cells { available openDemand } }
  }
  unfilledDemand(by: ROLE, period: WEEK, fromWeek: "2027-W16", toWeek: "2027-W16") {
    cells { requestIds } totalHours requestCount
  }
  projectStaffing(itemId: "P-1") {
    requests { id } allocations { personId } requestedHours allocatedHours
  }
  staffingDrafts { totalCount edges { node { id assignments { person { id } } } } }
  staffingDraft(id: "D-1") { id }
}
fragment seen on Person {
  id costRatePerDay { amount } allocations { id } timeline { totalCount edges { node { kind } } }
}"""


def what_it_sees(data: dict[str, Any]) -> dict[str, Any]:
    """What an answer to QUERY shows of the people, in the terms of `Caller`."""
    shown = {data[alias]["id"]: data[alias] for alias in ("own", "other") if data[alias]}
    listed = {e["node"]["id"]: e["node"]["costRatePerDay"] for e in data["people"]["edges"]}
    [total] = data["capacityHeatmap"]["totals"]
    return {
        "by id": set(shown),
        "costs by id": {p for p, person in shown.items() if person["costRatePerDay"]},
        "allocations by id": {p for p, person in shown.items() if person["allocations"]},
        "listed": set(listed),
        "costs listed": {p for p, cost in listed.items() if cost is not None},
        "total count": data["people"]["totalCount"],
        "heatmap rows": {row["person"]["id"] for row in data["capacityHeatmap"]["rows"]},
        # The totals are of the visible rows only: nothing of a hidden person shows through.
        "heatmap total": (total["allocated"], total["overAllocatedPeople"]),
        "timelines by id": {
            p: (person["timeline"]["totalCount"], len(person["timeline"]["edges"]))
            for p, person in shown.items()
        },
        "demand rows": [
            (row["key"], row["people"], cell["available"], cell["openDemand"])
            for row in data["capacityVsDemand"]["rows"]
            for cell in row["cells"]
        ],
        "unfilled": (
            [c["requestIds"] for c in data["unfilledDemand"]["cells"]],
            data["unfilledDemand"]["totalHours"],
            data["unfilledDemand"]["requestCount"],
        ),
        "project staffing": (
            [r["id"] for r in data["projectStaffing"]["requests"]],
            [a["personId"] for a in data["projectStaffing"]["allocations"]],
            data["projectStaffing"]["requestedHours"],
            data["projectStaffing"]["allocatedHours"],
        ),
        "drafts": (
            data["staffingDrafts"]["totalCount"],
            [
                [a["person"]["id"] for a in e["node"]["assignments"]]
                for e in data["staffingDrafts"]["edges"]
            ],
            data["staffingDraft"] is not None,
        ),
    }


def expected(caller: Caller) -> dict[str, Any]:
    allocated = {OWN: 60, OTHER: 8}
    return {
        "by id": caller.sees,
        "costs by id": caller.costs,
        "allocations by id": caller.sees,
        "listed": caller.sees,
        "costs listed": caller.costs,
        "total count": len(caller.sees),
        "heatmap rows": caller.sees,
        "heatmap total": (
            f"{sum(allocated[p] for p in caller.sees)}.00",
            1 if OWN in caller.sees else 0,
        ),
        # Registered, then the allocation proposed: both told, to whoever sees the person.
        "timelines by id": dict.fromkeys(caller.sees, (2, 2)),
        "demand rows": [("developer", 2, "80.00", "10.00")] if caller.reads_staffing else [],
        "unfilled": ([["R-1"]], "10.00", 1) if caller.reads_staffing else ([], "0.00", 0),
        "project staffing": (["R-1"], [OWN, OTHER], "10.00", "68.00")
        if caller.reads_staffing
        else ([], [], "0.00", "0.00"),
        "drafts": (1, [[OTHER]], True) if caller.reads_staffing else (0, [], False),
    }


async def test_each_caller_sees_exactly_the_people_the_rule_gives_them(
    gateway: httpx.AsyncClient, reporting_db: str, settings: Settings
) -> None:
    # One database for the whole matrix (each caller only reads it): a second, not fifteen.
    await project_capacity(reporting_db, staff().events)
    wrong = {}
    for caller in CALLERS:
        headers = bearer(settings, caller.subject, *caller.roles)
        body = await graphql(gateway, QUERY, {"own": OWN, "other": OTHER}, headers)
        assert "errors" not in body, (caller.label, body)
        seen, wanted = what_it_sees(body["data"]), expected(caller)
        if seen != wanted:
            wrong[caller.label] = {k: (seen[k], wanted[k]) for k in seen if seen[k] != wanted[k]}

    assert wrong == {}, "(seen, expected) by caller"


async def test_a_hidden_person_and_an_unknown_one_answer_alike(
    gateway: httpx.AsyncClient, reporting_db: str, settings: Settings
) -> None:
    await project_capacity(reporting_db, staff().events)
    headers = bearer(settings, "grace", "requester")
    query = '{ person(id: "%s") { id weeks(fromWeek: "2027-W16", toWeek: "2027-W17") { week } } }'

    hidden = await graphql(gateway, query % OWN, headers=headers)
    unknown = await graphql(gateway, query % "nobody", headers=headers)

    assert hidden == unknown == {"data": {"person": None}}


async def test_without_a_token_nothing_is_answered(gateway: httpx.AsyncClient) -> None:
    body = await graphql(gateway, "{ people { totalCount } }")

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
