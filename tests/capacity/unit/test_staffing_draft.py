"""A staffing draft records intentions only: each change is an event, and once adopted or
discarded it takes no more changes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pmo_capacity.domain import (
    AdoptedAssignment,
    DraftAssignment,
    DraftAssignmentMade,
    DraftAssignmentRemoved,
    DraftStatus,
    StaffingDraft,
    StaffingDraftAdopted,
    StaffingDraftDiscarded,
    StaffingDraftRenamed,
    StaffingDraftStarted,
)
from pmo_kernel.errors import DomainError, InvalidTransition, NotFound
from pmo_kernel.events import Actor, EventMetadata
from pmo_kernel.recorded import RecordedEvent

NOW = datetime(2027, 1, 4, 9, tzinfo=UTC)


def assignment(
    request_id: str = "r-1", person_id: str = "ann", hours: str = "16"
) -> DraftAssignment:
    return DraftAssignment(
        request_id=request_id, project_id="erp", person_id=person_id, start_week="2027-W10",
        end_week="2027-W12", hours_per_week=Decimal(hours),
    )  # fmt: skip


def given(*events: object) -> StaffingDraft:
    """A draft whose stored history is `events` (started first)."""
    history = [
        StaffingDraftStarted(draft_id="d-1", name="Plan B", started_by="rita", started_at=NOW),
        *events,
    ]
    draft = StaffingDraft("d-1")
    for event in history:
        draft.apply(event)  # type: ignore[arg-type]
    draft.mark_saved(len(history), None)
    return draft


def made(a: DraftAssignment) -> DraftAssignmentMade:
    return DraftAssignmentMade(draft_id="d-1", assignment=a, assigned_by="rita", assigned_at=NOW)


def test_a_started_draft_holds_the_assignments_it_was_started_with() -> None:
    draft = StaffingDraft.start(
        "d-1", "From P-1", "rita", NOW, from_proposal_id="p-1", request_ids=["r-2", "r-1"],
        assignments=[assignment("r-2"), assignment("r-1")],
    )  # fmt: skip

    (event,) = draft.pending
    assert isinstance(event, StaffingDraftStarted)
    assert event.request_ids == ("r-1", "r-2")
    assert [a.request_id for a in event.assignments] == ["r-1", "r-2"]
    assert draft.status is DraftStatus.ACTIVE
    assert sorted(draft.assignments) == ["r-1", "r-2"]


def test_assigning_a_request_again_replaces_whom_the_draft_gave_it_to() -> None:
    draft = given(made(assignment("r-1", "ann")))

    draft.assign(assignment("r-1", "bob", hours="8"), "rita", NOW)

    (event,) = draft.pending
    assert isinstance(event, DraftAssignmentMade)
    assert draft.assignments["r-1"].person_id == "bob"
    assert draft.assignments["r-1"].hours_per_week == 8


def test_an_assignment_that_changes_nothing_is_refused() -> None:
    draft = given(made(assignment()))

    with pytest.raises(DomainError, match="already gives"):
        draft.assign(assignment(), "rita", NOW)
    assert draft.pending == ()


def test_unassigning_removes_the_request_and_an_unassigned_one_is_not_found() -> None:
    draft = given(made(assignment("r-1")))

    draft.unassign("r-1", "rita", NOW)

    assert isinstance(draft.pending[0], DraftAssignmentRemoved)
    assert draft.assignments == {}
    with pytest.raises(NotFound, match="to nobody"):
        draft.unassign("r-1", "rita", NOW)


def test_renaming_records_the_new_name_unless_it_is_the_same() -> None:
    draft = given()

    draft.rename("Plan C", "rita", NOW)

    assert isinstance(draft.pending[0], StaffingDraftRenamed)
    assert draft.name == "Plan C"
    with pytest.raises(DomainError, match="already named"):
        draft.rename("Plan C", "rita", NOW)


def test_a_discarded_draft_takes_no_more_changes() -> None:
    draft = given(StaffingDraftDiscarded(draft_id="d-1", discarded_by="rita", discarded_at=NOW))

    for change in (
        lambda: draft.assign(assignment(), "rita", NOW),
        lambda: draft.unassign("r-1", "rita", NOW),
        lambda: draft.rename("Again", "rita", NOW),
        lambda: draft.discard(None, "rita", NOW),
        lambda: draft.require_adoptable(),
    ):
        with pytest.raises(InvalidTransition, match="was discarded") as refused:
            change()
        assert refused.value.status == 409
    assert draft.pending == ()


def test_adopting_records_the_allocation_of_every_assignment_and_then_freezes_the_draft() -> None:
    draft = given(made(assignment("r-1", "ann")), made(assignment("r-2", "bob", hours="8")))
    adopted = [
        AdoptedAssignment(request_id="r-2", person_id="bob", allocation_id="a-2"),
        AdoptedAssignment(request_id="r-1", person_id="ann", allocation_id="a-1"),
    ]

    draft.adopt(adopted, "rita", NOW)

    (event,) = draft.pending
    assert isinstance(event, StaffingDraftAdopted)
    assert [a.allocation_id for a in event.adopted] == ["a-1", "a-2"]
    assert event.filled_hours == 16 * 3 + 8 * 3
    assert draft.status is DraftStatus.ADOPTED
    with pytest.raises(InvalidTransition, match="was adopted"):
        draft.assign(assignment("r-3"), "rita", NOW)


def test_an_empty_draft_has_nothing_to_adopt() -> None:
    with pytest.raises(DomainError, match="nothing to adopt"):
        given().adopt([], "rita", NOW)


def test_an_adoption_must_cover_every_assignment() -> None:
    draft = given(made(assignment("r-1")), made(assignment("r-2")))

    with pytest.raises(ValueError, match="exactly once"):
        draft.adopt(
            [AdoptedAssignment(request_id="r-1", person_id="ann", allocation_id="a-1")],
            "rita",
            NOW,
        )


def test_a_draft_loads_from_its_stream_as_it_was_decided() -> None:
    decided = StaffingDraft.start("d-1", "Plan B", "rita", NOW)
    decided.assign(assignment("r-1"), "rita", NOW)
    decided.assign(assignment("r-2", "bob"), "rita", NOW)
    decided.unassign("r-1", "rita", NOW)
    history = [
        RecordedEvent.of(
            e,
            EventMetadata(actor=Actor(id="rita"), occurred_at=NOW),
            stream_type="draft",
            stream_id="d-1",
            stream_version=i,
            global_position=i,
            tx_id=1,
            recorded_at=NOW,
            hash=f"hash-{i}",
        )
        for i, e in enumerate(decided.pending, start=1)
    ]

    loaded = StaffingDraft.load("d-1", history)

    assert loaded.version == 4
    assert loaded.assignments == {"r-2": assignment("r-2", "bob")}
