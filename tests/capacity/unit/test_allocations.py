"""Allocations: soft when proposed, hard once the line manager confirms; an overbooking is
refused unless accepted, then flagged."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from pmo_capacity.domain import (
    Allocation,
    AllocationKind,
    OverAllocation,
    ProposeAllocation,
    ReleaseAllocation,
    ReportAvailability,
)
from pmo_kernel.errors import InvalidTransition, PermissionDenied
from tests.capacity.unit.test_person_availability import calendar, person

BE = calendar("40")


def proposal(
    hours: int, start: str = "2027-W10", end: str = "2027-W12", **more: object
) -> ProposeAllocation:
    return ProposeAllocation.model_validate(
        {"project_id": "erp", "start_week": start, "end_week": end, "hours_per_week": hours, **more}
    )


def test_an_allocation_within_availability_is_proposed_soft() -> None:
    ann = person()
    ann.propose_allocation("a-1", proposal(24), BE, "paula")

    (allocation,) = ann.allocations.values()
    assert allocation.kind is AllocationKind.SOFT
    assert not allocation.over_allocated
    assert [w.allocated_hours for w in ann.loads(BE, "2027-W09", "2027-W13")] == [0, 24, 24, 24, 0]


def test_an_allocation_that_overbooks_is_refused_naming_the_overbooked_weeks() -> None:
    ann = person()
    ann.propose_allocation("a-1", proposal(24), BE, "paula")
    ann.report_availability(ReportAvailability(week="2027-W11", available_percent=50), "marc")
    ann.mark_saved(3, None)

    with pytest.raises(OverAllocation) as refused:
        ann.propose_allocation("a-2", proposal(16, "2027-W11", "2027-W12"), BE, "paula")

    assert refused.value.status == 422
    assert refused.value.extensions["overbooked_weeks"] == [
        {"week": "2027-W11", "available_hours": "20.00", "allocated_hours": "40.00"},
    ]
    assert ann.pending == ()


def test_an_accepted_over_allocation_is_recorded_and_flagged() -> None:
    ann = person()
    ann.propose_allocation("a-1", proposal(30), BE, "paula")
    ann.propose_allocation("a-2", proposal(20, accept_over_allocation=True), BE, "paula")

    assert ann.allocations["a-2"].over_allocated
    assert ann.pending[-1].overbooked_weeks[0].allocated_hours == 50  # type: ignore[attr-defined]
    assert all(w.over_allocated for w in ann.loads(BE, "2027-W10", "2027-W12"))


def test_a_leaver_cannot_be_allocated_after_leaving() -> None:
    from datetime import date

    from pmo_capacity.domain import RecordLeaving

    ann = person()
    ann.record_leaving(RecordLeaving(last_day=date(2027, 3, 5)), "rita")  # Friday of W09

    with pytest.raises(OverAllocation, match="2027-W10, 2027-W11, 2027-W12"):
        ann.propose_allocation("a-1", proposal(8), BE, "paula")


def kind_of(allocation: Allocation) -> AllocationKind:
    return allocation.kind


def test_only_the_line_manager_confirms_an_allocation() -> None:
    ann = person(line_manager="marc")
    ann.propose_allocation("a-1", proposal(8), BE, "paula")

    with pytest.raises(PermissionDenied):
        ann.confirm_allocation("a-1", "paula")
    assert kind_of(ann.allocations["a-1"]) is AllocationKind.SOFT

    ann.confirm_allocation("a-1", "marc")
    assert kind_of(ann.allocations["a-1"]) is AllocationKind.HARD
    assert ann.allocations["a-1"].confirmed_by == "marc"
    assert ann.loads(BE, "2027-W10", "2027-W10")[0].hard_hours == 8


def test_a_confirmed_allocation_cannot_be_confirmed_again() -> None:
    ann = person()
    ann.propose_allocation("a-1", proposal(8), BE, "paula")
    ann.confirm_allocation("a-1", "marc")

    with pytest.raises(InvalidTransition):
        ann.confirm_allocation("a-1", "marc")


def test_a_released_allocation_frees_its_hours_and_cannot_be_confirmed() -> None:
    ann = person()
    ann.propose_allocation("a-1", proposal(40), BE, "paula")
    ann.release_allocation("a-1", ReleaseAllocation(reason="project cancelled"), "paula")

    assert ann.loads(BE, "2027-W10", "2027-W10")[0].allocated_hours == 0
    ann.propose_allocation("a-2", proposal(40), BE, "paula")  # fits again
    with pytest.raises(InvalidTransition):
        ann.confirm_allocation("a-1", "marc")


@pytest.mark.parametrize(
    "body",
    [
        {"start_week": "2027-W12", "end_week": "2027-W10", "hours_per_week": 8},
        {"start_week": "2027-W10", "end_week": "2027-W12", "hours_per_week": -1},
        {"start_week": "2027-W10", "end_week": "2027-W12", "hours_per_week": 0},
        {"start_week": "2027-W10", "end_week": "2027-W12", "hours_per_week": 8, "who": "x"},
        {"start_week": "2027-W10", "end_week": "2031-W12", "hours_per_week": 8},
    ],
)
def test_a_malformed_proposal_is_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ProposeAllocation.model_validate({"project_id": "erp", **body})


def test_the_folded_stream_gives_the_same_person() -> None:
    from pmo_kernel.events import EventMetadata
    from pmo_kernel.recorded import RecordedEvent
    from tests.support import metadata

    ann = person()
    ann.propose_allocation("a-1", proposal(8), BE, "paula")
    ann.confirm_allocation("a-1", "marc")
    meta: EventMetadata = metadata()
    history = [
        RecordedEvent.of(e, meta, stream_type="person", stream_id="p-1", stream_version=i)
        for i, e in enumerate(ann.pending, start=1)
    ]

    again = type(ann).load("p-1", history)
    assert again.version == 3
    assert again.loads(BE, "2027-W10", "2027-W12") == ann.loads(BE, "2027-W10", "2027-W12")
    assert again.allocations["a-1"].hours_per_week == Decimal(8)
