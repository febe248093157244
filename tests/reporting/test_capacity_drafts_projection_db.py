"""The capacity projection of staffing drafts against PostgreSQL, fed the capacity domain's own
event payloads: a draft started from a proposal, changed, renamed, adopted (its allocations
on the people, its requests filled) or discarded; its version recorded; redelivery changes
nothing; a change to a draft never started is a gap."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest

from pmo_kernel.consumer import Unprocessable
from tests.reporting.capacity_factory import Capacity, project_capacity
from tests.reporting.draft_factory import Drafts
from tests.reporting.staffing_factory import Staffing
from tests.reporting.test_capacity_staffing_projection_db import rows

pytestmark = pytest.mark.integration


def drafted() -> Drafts:
    """D-1 starts from P-1 (R-1 to ann, R-2 to bob), gives R-2 to ann instead, drops R-1,
    gives it back to bob, is renamed and adopted; D-2 is started empty and discarded."""
    capacity = Capacity()
    capacity.calendar("BE")
    capacity.person("ann", skills=(("python", 4),))
    capacity.person("bob", manager="mia", skills=(("python", 3),))
    staffing = Staffing(capacity)
    staffing.request("R-1", hours="16")
    staffing.request("R-2", "crm", hours="8")
    staffing.propose("P-1", {"R-1": "ann", "R-2": "bob"})
    drafts = Drafts(staffing)
    drafts.start("D-1", "From P-1", from_proposal="P-1")
    drafts.assign("D-1", "R-2", "ann", hours="12")
    drafts.unassign("D-1", "R-1")
    drafts.assign("D-1", "R-1", "bob")
    drafts.rename("D-1", "Ann on the CRM")
    drafts.adopt("D-1")
    drafts.start("D-2", "Nobody", by="paul")
    drafts.discard("D-2", "not needed")
    return drafts


async def drafts_by_id(database_url: str) -> dict[str, dict[str, Any]]:
    found = await rows(database_url, "SELECT * FROM reporting.staffing_drafts")
    for row in found:
        for column in ("request_ids", "assignments", "adopted"):
            row[column] = orjson.loads(row[column])
    return {row["id"]: row for row in found}


async def test_an_adopted_draft_keeps_its_assignments_and_the_allocations_it_made(
    reporting_db: str,
) -> None:
    drafts = drafted()
    await project_capacity(reporting_db, drafts.staffing.capacity.events)

    draft = (await drafts_by_id(reporting_db))["D-1"]
    assert (draft["version"], draft["name"], draft["status"]) == (6, "Ann on the CRM", "adopted")
    assert (draft["from_proposal_id"], draft["request_ids"]) == ("P-1", ["R-1", "R-2"])
    given = [(a["request_id"], a["person_id"], a["hours_per_week"]) for a in draft["assignments"]]
    assert given == [("R-1", "bob", "16.00"), ("R-2", "ann", "12.00")]
    made = {a.request_id: a.allocation_id for a in drafts.drafts["D-1"].adopted}
    assert [(a["request_id"], a["allocation_id"]) for a in draft["adopted"]] == sorted(made.items())
    assert draft["filled_hours"] == Decimal((16 + 12) * 3)
    assert (draft["closed_by"], draft["started_by"]) == ("rita", "rita")
    allocations = await rows(reporting_db, "SELECT id, person_id FROM reporting.allocations")
    assert sorted((a["person_id"], a["id"]) for a in allocations) == sorted(
        [("bob", made["R-1"]), ("ann", made["R-2"])]
    )
    requests = await rows(
        reporting_db, "SELECT id, status, allocation_id FROM reporting.resource_requests"
    )
    assert {r["id"]: (r["status"], r["allocation_id"]) for r in requests} == {
        "R-1": ("filled", made["R-1"]), "R-2": ("filled", made["R-2"]),
    }  # fmt: skip


async def test_a_discarded_draft_keeps_why_and_booked_nobody(reporting_db: str) -> None:
    await project_capacity(reporting_db, drafted().staffing.capacity.events)

    draft = (await drafts_by_id(reporting_db))["D-2"]
    assert (draft["status"], draft["discard_reason"], draft["closed_by"]) == (
        "discarded", "not needed", "rita",
    )  # fmt: skip
    assert (draft["started_by"], draft["assignments"], draft["adopted"]) == ("paul", [], [])
    assert draft["filled_hours"] is None


async def test_every_drafts_version_is_kept_and_a_redelivery_changes_nothing(
    reporting_db: str,
) -> None:
    events = drafted().staffing.capacity.events
    await project_capacity(reporting_db, events[:8])

    again = await project_capacity(reporting_db, events, batch=False)

    assert again.skipped == 8
    versions = await rows(
        reporting_db,
        "SELECT * FROM reporting.capacity_stream_versions WHERE stream_id LIKE 'draft/%'",
    )
    assert {v["stream_id"]: v["version"] for v in versions} == {"draft/D-1": 6, "draft/D-2": 2}
    assert {d: row["version"] for d, row in (await drafts_by_id(reporting_db)).items()} == {
        "D-1": 6, "D-2": 2,
    }  # fmt: skip


async def test_a_change_to_a_draft_never_started_is_a_gap(reporting_db: str) -> None:
    events = drafted().staffing.capacity.events
    rename = next(e for e in events if e.event_type == "StaffingDraftRenamed")

    with pytest.raises(Unprocessable, match="gap"):
        await project_capacity(reporting_db, [rename])
