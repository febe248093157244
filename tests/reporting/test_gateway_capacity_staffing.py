"""Resource requests, staffing proposals and the skills catalogue through GraphQL, from the
capacity domain's own events: filters and pages, a proposal's assignments with their person,
reasons, alternatives, decision and allocation; and who reads them (and staffing drafts):
capacity readers do, anyone else finds nothing (empty, or null as for an unknown id), while the
catalogue is for all."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from pmo_kernel.capacity.access import READER_ROLES
from pmo_kernel.identity import Principal
from pmo_kernel.settings import Settings
from pmo_reporting.gateway.access import PeopleAudience
from pmo_reporting.gateway.capacity_staffing import StaffingProposal
from pmo_reporting.projections.capacity import fold
from pmo_reporting.projections.capacity_state import State
from tests.reporting.capacity_factory import Capacity, project_capacity
from tests.reporting.draft_factory import Drafts
from tests.reporting.staffing_factory import Staffing
from tests.reporting.support import graphql
from tests.support import bearer

pytestmark = pytest.mark.integration


def staffed() -> Staffing:
    capacity = Capacity()
    capacity.calendar("BE", "40", (date(2027, 5, 13),))
    capacity.person("ann", manager="marc", skills=(("python", 4),))
    capacity.person("bob", manager="nina", skills=(("python", 3),))
    staffing = Staffing(capacity)
    staffing.skill("python", "The language")
    staffing.skill("SQL")
    staffing.request("R-1")
    staffing.request("R-2", "crm")
    staffing.request("R-3", "crm", role="tester", skills=())
    staffing.propose("P-1", {"R-1": "ann", "R-2": "bob"}, unfilled=("R-3",))
    staffing.accept("P-1", "R-1", "A-1")
    staffing.decline("P-1", "R-2", "bob is needed elsewhere")
    staffing.cancel("R-3", "no longer needed")
    Drafts(staffing).start("D-1", from_proposal="P-1")
    return staffing


PROPOSAL = """query { staffingProposal(id: "P-1") {
  id version requestIds value greedyValue valueGapPercent mipGapPercent optimal solver
  capacityPosition
  unfilled { requestId reason } unfilledDemand { role skill month hours }
  assignments { requestId personId personName person { id name } reasons decision
    declineReason allocationId allocation { id kind projectId }
    alternatives { personId name whyNot person { id } } } } }"""


async def test_a_proposal_shows_each_assignment_with_its_person_and_decision(
    gateway: httpx.AsyncClient, reporting_db: str, settings: Settings
) -> None:
    await project_capacity(reporting_db, staffed().capacity.events)

    body = await graphql(gateway, PROPOSAL, headers=bearer(settings, "rita", "resource_manager"))

    assert "errors" not in body, body
    proposal = body["data"]["staffingProposal"]
    assert (proposal["version"], proposal["requestIds"]) == (3, ["R-1", "R-2", "R-3"])
    assert (proposal["value"], proposal["greedyValue"], proposal["valueGapPercent"]) == (
        "21.00", "17.50", "20.00",
    )  # fmt: skip
    assert proposal["mipGapPercent"] is None  # proven optimal: no gap to tell
    assert (proposal["optimal"], proposal["solver"], proposal["capacityPosition"]) == (
        True, "HiGHS 1.7", 42,
    )  # fmt: skip
    assert proposal["unfilled"] == [{"requestId": "R-3", "reason": "nobody with sql 5 is free"}]
    assert proposal["unfilledDemand"][0]["hours"] == "96"
    accepted, declined = proposal["assignments"]
    assert (accepted["person"], accepted["decision"]) == (
        {"id": "ann", "name": "Person ann"}, "ACCEPTED",
    )  # fmt: skip
    assert accepted["allocation"] == {"id": "A-1", "kind": "SOFT", "projectId": "erp"}
    assert accepted["reasons"] == ["python 4 against 3 asked", "free those weeks"]
    assert accepted["alternatives"][0] == {
        "personId": "bob", "name": "Person bob", "whyNot": "a lower skill match",
        "person": {"id": "bob"},
    }  # fmt: skip
    assert (declined["decision"], declined["declineReason"], declined["allocation"]) == (
        "DECLINED", "bob is needed elsewhere", None,
    )  # fmt: skip


async def test_requests_filter_by_status_project_and_role_in_pages(
    gateway: httpx.AsyncClient, reporting_db: str, settings: Settings
) -> None:
    await project_capacity(reporting_db, staffed().capacity.events)
    headers = bearer(settings, "pam", "project_manager")
    query = """query ($status: ResourceRequestStatus, $project: String, $after: String) {
      resourceRequests(status: $status, projectId: $project, first: 1, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { id status role skills { name minLevel } personId person { id }
                       allocation { id } cancelReason } } } }"""

    filled = await graphql(gateway, query, {"status": "FILLED"}, headers)
    crm = await graphql(gateway, query, {"project": "crm"}, headers)
    after = crm["data"]["resourceRequests"]["pageInfo"]["endCursor"]
    crm_next = await graphql(gateway, query, {"project": "crm", "after": after}, headers)
    one = await graphql(gateway, '{ resourceRequest(id: "R-3") { status cancelReason } }', None,
                        headers)  # fmt: skip

    [node] = [e["node"] for e in filled["data"]["resourceRequests"]["edges"]]
    assert (node["id"], node["personId"], node["person"], node["allocation"]) == (
        "R-1", "ann", {"id": "ann"}, {"id": "A-1"},
    )  # fmt: skip
    assert node["skills"] == [{"name": "python", "minLevel": 3}]
    page = crm["data"]["resourceRequests"]
    assert (page["totalCount"], page["pageInfo"]["hasNextPage"]) == (2, True)
    ids = [e["node"]["id"] for e in page["edges"] + crm_next["data"]["resourceRequests"]["edges"]]
    assert sorted(ids) == ["R-2", "R-3"]
    assert one["data"]["resourceRequest"] == {
        "status": "CANCELLED",
        "cancelReason": "no longer needed",
    }


async def test_the_skills_catalogue_is_for_every_caller(
    gateway: httpx.AsyncClient, reporting_db: str, settings: Settings
) -> None:
    await project_capacity(reporting_db, staffed().capacity.events)

    body = await graphql(gateway, "{ skills { name description addedBy } }", None,
                         bearer(settings, "grace", "requester"))  # fmt: skip

    assert body["data"]["skills"] == [
        {"name": "python", "description": "The language", "addedBy": "rita"},
        {"name": "SQL", "description": None, "addedBy": "rita"},
    ]


MATRIX = """query {
  resourceRequests { totalCount edges { node { id } } }
  resourceRequest(id: "R-1") { id }
  staffingProposals { totalCount edges { node { id assignments { personName person { id } } } } }
  staffingProposal(id: "P-1") { id }
  unknown: staffingProposal(id: "P-404") { id }
  staffingDrafts { totalCount edges { node { id } } }
  staffingDraft(id: "D-1") { id } }"""

# requests, R-1, proposals, P-1, names, drafts listed, D-1
Seen = tuple[int, bool, int, bool, list[str | None], int, bool]


def seen(data: dict[str, Any]) -> Seen:
    proposals = data["staffingProposals"]["edges"]
    names = [a["personName"] for e in proposals for a in e["node"]["assignments"]]
    return (
        data["resourceRequests"]["totalCount"],
        data["resourceRequest"] is not None,
        data["staffingProposals"]["totalCount"],
        data["staffingProposal"] is not None,
        names,
        len(data["staffingDrafts"]["edges"]) + data["staffingDrafts"]["totalCount"],
        data["staffingDraft"] is not None,
    )


async def test_requests_proposals_and_drafts_are_for_capacity_readers_only(
    gateway: httpx.AsyncClient, reporting_db: str, settings: Settings
) -> None:
    await project_capacity(reporting_db, staffed().capacity.events)
    callers = {
        **{f"reader {role}": bearer(settings, role, role) for role in sorted(READER_ROLES)},
        "ann's line manager, no reader role": bearer(settings, "marc", "requester"),
        "an outsider": bearer(settings, "grace", "requester"),
        "no role at all": bearer(settings, "zoe"),
    }
    everything: Seen = (3, True, 1, True, ["Person ann", "Person bob"], 2, True)
    nothing: Seen = (0, False, 0, False, [], 0, False)

    answers = {}
    for label, headers in callers.items():
        body = await graphql(gateway, MATRIX, None, headers)
        assert "errors" not in body, (label, body)
        assert body["data"]["unknown"] is None
        answers[label] = seen(body["data"])

    assert answers == {
        label: everything if label.startswith("reader") else nothing for label in callers
    }


def test_inside_a_proposal_a_line_manager_sees_only_their_peoples_names() -> None:
    # Only readers get proposals, and they see everyone; the person rule still holds inside
    # one, should a proposal ever reach someone else (a line manager outside READER_ROLES).
    state = State()
    for event in staffed().capacity.events:
        fold(state, event)
    people = {key: {"line_manager": row["line_manager"]} for key, row in state.people.items()}
    marc = PeopleAudience(Principal(subject="marc", roles=frozenset({"requester"})))

    proposal = StaffingProposal.of(state.proposals["P-1"], marc, people)

    ann, bob = proposal.assignments
    assert (ann.person_name, bob.person_name) == ("Person ann", None)
    assert [a.name for a in ann.alternatives] == [None]  # bob, managed by nina
    assert [a.name for a in bob.alternatives] == ["Person ann"]
