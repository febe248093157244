"""The StaffingDraft aggregate: a what-if staffing plan.

    active ──assign / unassign / rename──> active
    active ──adopt──> adopted      (its allocations and fills appended in the same write)
    active ──discard──> discarded

A draft only records intentions: who would take which request, for how many hours a week over
which weeks. It books nobody and fills nothing; adopting it does, atomically, for all its
assignments (application.drafts). An adopted or discarded draft accepts no more changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Self

from pmo_capacity.domain.draft_events import (
    AdoptedAssignment,
    DraftAssignment,
    DraftAssignmentMade,
    DraftAssignmentRemoved,
    StaffingDraftAdopted,
    StaffingDraftDiscarded,
    StaffingDraftRenamed,
    StaffingDraftStarted,
)
from pmo_capacity.domain.model import week_count
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, InvalidTransition, NotFound
from pmo_kernel.events import DomainEvent, utcnow


class DraftStatus(StrEnum):
    ACTIVE = "active"
    ADOPTED = "adopted"
    DISCARDED = "discarded"


def hours_of(assignment: DraftAssignment) -> Decimal:
    """The hours the assignment books over all its weeks."""
    return assignment.hours_per_week * week_count(assignment.start_week, assignment.end_week)


class StaffingDraft(Aggregate):
    stream_type = "draft"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.name = ""
        self.status = DraftStatus.ACTIVE
        self.from_proposal_id: str | None = None
        self.request_ids: tuple[str, ...] = ()
        self.assignments: dict[str, DraftAssignment] = {}  # by request id
        self.adopted: tuple[AdoptedAssignment, ...] = ()

    # -- decide ---------------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        draft_id: str,
        name: str,
        by: str,
        now: datetime | None = None,
        *,
        from_proposal_id: str | None = None,
        request_ids: Iterable[str] = (),
        assignments: Iterable[DraftAssignment] = (),
    ) -> Self:
        draft = cls(draft_id)
        draft._record(
            StaffingDraftStarted(
                draft_id=draft_id, name=name, from_proposal_id=from_proposal_id,
                request_ids=tuple(sorted(set(request_ids))),
                assignments=tuple(sorted(assignments, key=lambda a: a.request_id)),
                started_by=by, started_at=now or utcnow(),
            )
        )  # fmt: skip
        return draft

    def assign(self, assignment: DraftAssignment, by: str, now: datetime | None = None) -> None:
        self._require_active("changed")
        if self.assignments.get(assignment.request_id) == assignment:
            raise DomainError(
                f"draft {self.id} already gives request {assignment.request_id} to "
                f"{assignment.person_id} so",
                request_id=assignment.request_id,
            )
        self._record(
            DraftAssignmentMade(
                draft_id=self.id, assignment=assignment, assigned_by=by,
                assigned_at=now or utcnow(),
            )
        )  # fmt: skip

    def unassign(self, request_id: str, by: str, now: datetime | None = None) -> None:
        self._require_active("changed")
        if request_id not in self.assignments:
            raise NotFound(
                f"draft {self.id} gives request {request_id} to nobody",
                draft_id=self.id,
                request_id=request_id,
            )
        self._record(
            DraftAssignmentRemoved(
                draft_id=self.id, request_id=request_id, removed_by=by,
                removed_at=now or utcnow(),
            )
        )  # fmt: skip

    def rename(self, name: str, by: str, now: datetime | None = None) -> None:
        self._require_active("renamed")
        if name == self.name:
            raise DomainError(f"draft {self.id} is already named {name!r}", draft_id=self.id)
        self._record(
            StaffingDraftRenamed(
                draft_id=self.id, name=name, renamed_by=by, renamed_at=now or utcnow()
            )
        )

    def discard(self, reason: str | None, by: str, now: datetime | None = None) -> None:
        self._require_active("discarded")
        self._record(
            StaffingDraftDiscarded(
                draft_id=self.id, reason=reason, discarded_by=by, discarded_at=now or utcnow()
            )
        )

    def require_adoptable(self) -> tuple[DraftAssignment, ...]:
        """Its assignments, by request id: the draft must be active and give out something."""
        self._require_active("adopted")
        if not self.assignments:
            raise DomainError(f"draft {self.id} assigns nobody: there is nothing to adopt")
        return tuple(self.assignments[r] for r in sorted(self.assignments))

    def adopt(
        self, adopted: Iterable[AdoptedAssignment], by: str, now: datetime | None = None
    ) -> None:
        """Record what the adoption made of every assignment (the application appends the
        allocations and fills beside this event, in one write)."""
        wanted = self.require_adoptable()
        made = tuple(sorted(adopted, key=lambda a: a.request_id))
        if [(a.request_id, a.person_id) for a in made] != [
            (a.request_id, a.person_id) for a in wanted
        ]:
            raise ValueError("an adoption covers each of the draft's assignments exactly once")
        self._record(
            StaffingDraftAdopted(
                draft_id=self.id, adopted=made,
                filled_hours=sum((hours_of(a) for a in wanted), Decimal(0)),
                adopted_by=by, adopted_at=now or utcnow(),
            )
        )  # fmt: skip

    def _require_active(self, done: str) -> None:
        if self.status is not DraftStatus.ACTIVE:
            raise InvalidTransition(
                f"draft {self.id} was {self.status.value}: it can no longer be {done}",
                draft_id=self.id,
                state=self.status.value,
            )

    # -- evolve ---------------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, StaffingDraftStarted):
            self.name = event.name
            self.from_proposal_id = event.from_proposal_id
            self.request_ids = event.request_ids
            self.assignments = {a.request_id: a for a in event.assignments}
        elif isinstance(event, DraftAssignmentMade):
            self.assignments[event.assignment.request_id] = event.assignment
        elif isinstance(event, DraftAssignmentRemoved):
            del self.assignments[event.request_id]
        elif isinstance(event, StaffingDraftRenamed):
            self.name = event.name
        elif isinstance(event, StaffingDraftDiscarded):
            self.status = DraftStatus.DISCARDED
        elif isinstance(event, StaffingDraftAdopted):
            self.status = DraftStatus.ADOPTED
            self.adopted = event.adopted
