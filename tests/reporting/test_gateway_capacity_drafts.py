"""Staffing drafts through GraphQL, from the capacity domain's own events projected into
PostgreSQL: one draft with its assignments, the proposal it started from and the allocations
its adoption made; the list in pages, by status and by who started them; and who reads them:
the capacity readers, as for proposals (the matrix in test_gateway_capacity_staffing.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pmo_kernel.settings import Settings
from tests.reporting.capacity_factory import Capacity, project_capacity
from tests.reporting.draft_factory import Drafts
from tests.reporting.staffing_factory import Staffing
from tests.reporting.support import graphql
from tests.support import bearer

pytestmark = pytest.mark.integration


def drafted() -> Drafts:
    """D-1 from proposal P-1, Bob given R-2 instead of ann, adopted; D-2 by paul, discarded;
    D-3 by paul, empty and active."""
    capacity = Capacity()
    capacity.calendar("BE")
    capacity.person("ann", skills=(("python", 4),))
    capacity.person("bob", manager="nina", skills=(("python", 3),))
    staffing = Staffing(capacity)
    staffing.request("R-1")
    staffing.request("R-2", "crm", hours="8")
    staffing.propose("P-1", {"R-1": "ann", "R-2": "ann"})
    drafts = Drafts(staffing)
    drafts.start("D-1", "From P-1", from_proposal="P-1")
    drafts.assign("D-1", "R-2", "bob")
    drafts.adopt("D-1")
    drafts.start("D-2", "Nobody", by="paul")
    drafts.discard("D-2", "not needed")
    drafts.start("D-3", "Later", by="paul")
    return drafts


DRAFT = """query { staffingDraft(id: "D-1") {
  id version name status fromProposalId fromProposal { id } requestIds filledHours
  startedBy changedBy closedBy discardReason
  assignments { requestId projectId personId person { id name } startWeek endWeek hoursPerWeek }
  adopted { requestId personId overAllocated allocation { id kind projectId hoursPerWeek } } } }"""


async def test_a_draft_shows_its_assignments_and_the_allocations_its_adoption_made(
    gateway: httpx.AsyncClient, reporting_db: str, settings: Settings
) -> None:
    drafts = drafted()
    await project_capacity(reporting_db, drafts.staffing.capacity.events)

    body = await graphql(gateway, DRAFT, headers=bearer(settings, "rita", "resource_manager"))

    assert "errors" not in body, body
    draft = body["data"]["staffingDraft"]
    assert (draft["version"], draft["name"], draft["status"]) == (3, "From P-1", "ADOPTED")
    assert (draft["fromProposalId"], draft["fromProposal"]) == ("P-1", {"id": "P-1"})
    assert (draft["requestIds"], draft["filledHours"]) == (["R-1", "R-2"], "96.00")
    assert (draft["startedBy"], draft["changedBy"], draft["closedBy"]) == ("rita",) * 3
    assert draft["assignments"] == [
        {"requestId": "R-1", "projectId": "erp", "personId": "ann",
         "person": {"id": "ann", "name": "Person ann"}, "startWeek": "2027-W10",
         "endWeek": "2027-W12", "hoursPerWeek": "24.00"},
        {"requestId": "R-2", "projectId": "crm", "personId": "bob",
         "person": {"id": "bob", "name": "Person bob"}, "startWeek": "2027-W10",
         "endWeek": "2027-W12", "hoursPerWeek": "8.00"},
    ]  # fmt: skip
    made = {a.request_id: a.allocation_id for a in drafts.drafts["D-1"].adopted}
    allocations = {a["requestId"]: a.pop("allocation") for a in draft["adopted"]}
    assert draft["adopted"] == [
        {"requestId": "R-1", "personId": "ann", "overAllocated": False},
        {"requestId": "R-2", "personId": "bob", "overAllocated": False},
    ]
    assert allocations == {
        "R-1": {"id": made["R-1"], "kind": "SOFT", "projectId": "erp", "hoursPerWeek": "24.00"},
        "R-2": {"id": made["R-2"], "kind": "SOFT", "projectId": "crm", "hoursPerWeek": "8.00"},
    }


LIST = """query ($status: StaffingDraftStatus, $by: String, $after: String) {
  staffingDrafts(status: $status, startedBy: $by, first: 1, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { id status discardReason } } } }"""


async def listed(client: httpx.AsyncClient, headers: dict[str, str], **wanted: Any) -> list[Any]:
    """Every page of the drafts `wanted`, one draft a page: (totalCount, nodes, last pageInfo)."""
    nodes, after, total, info = [], None, None, None
    while True:
        body = await graphql(client, LIST, {**wanted, "after": after}, headers)
        assert "errors" not in body, body
        page = body["data"]["staffingDrafts"]
        total, info = page["totalCount"], page["pageInfo"]
        nodes += [e["node"] for e in page["edges"]]
        if not info["hasNextPage"]:
            return [total, nodes, info]
        after = info["endCursor"]


async def test_drafts_list_in_pages_by_status_and_by_who_started_them(
    gateway: httpx.AsyncClient, reporting_db: str, settings: Settings
) -> None:
    await project_capacity(reporting_db, drafted().staffing.capacity.events)
    headers = bearer(settings, "pam", "project_manager")

    every = await listed(gateway, headers)
    pauls = await listed(gateway, headers, by="paul")
    discarded = await listed(gateway, headers, status="DISCARDED")
    pauls_active = await listed(gateway, headers, by="paul", status="ACTIVE")

    total, nodes, last = every
    assert (total, sorted(n["id"] for n in nodes)) == (3, ["D-1", "D-2", "D-3"])
    assert (last["hasNextPage"], last["hasPreviousPage"]) == (False, True)
    assert (pauls[0], sorted(n["id"] for n in pauls[1])) == (2, ["D-2", "D-3"])
    assert discarded[:2] == [
        1,
        [{"id": "D-2", "status": "DISCARDED", "discardReason": "not needed"}],
    ]
    assert pauls_active[:2] == [1, [{"id": "D-3", "status": "ACTIVE", "discardReason": None}]]


async def test_an_unknown_draft_and_a_bad_cursor_answer_as_elsewhere(
    gateway: httpx.AsyncClient, reporting_db: str, settings: Settings
) -> None:
    await project_capacity(reporting_db, drafted().staffing.capacity.events)
    headers = bearer(settings, "rita", "resource_manager")

    unknown = await graphql(gateway, '{ staffingDraft(id: "D-404") { id } }', None, headers)
    cursor = await graphql(gateway, LIST, {"after": "not a cursor"}, headers)

    assert unknown == {"data": {"staffingDraft": None}}
    assert cursor["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
