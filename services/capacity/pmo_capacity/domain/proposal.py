"""The StaffingProposal aggregate: a saved optimiser answer, accepted request by request.

A proposal is a record of advice, never rewritten: accepting one of its assignments turns it
into a soft allocation on the person (refused, as any allocation, if the person's picture has
changed since and it would now overbook them) and fills the request; declining leaves the
request open. Each assignment is decided once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pmo_capacity.domain.proposal_events import (
    ProposedAssignment,
    ProposedAssignmentAccepted,
    ProposedAssignmentDeclined,
    StaffingProposed,
)
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import InvalidTransition, NotFound
from pmo_kernel.events import DomainEvent, utcnow


class StaffingProposal(Aggregate):
    stream_type = "proposal"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.proposed: StaffingProposed | None = None
        self.accepted: dict[str, str] = {}  # request id -> allocation id
        self.declined: set[str] = set()

    @classmethod
    def record(cls, proposed: StaffingProposed) -> Self:
        proposal = cls(proposed.proposal_id)
        proposal._record(proposed)
        return proposal

    # -- decide ---------------------------------------------------------------------------------

    def assignment(self, request_id: str) -> ProposedAssignment:
        """The proposal's assignment for `request_id`, which must still be undecided."""
        assert self.proposed is not None, "a loaded proposal has its StaffingProposed event"
        found = next((a for a in self.proposed.assignments if a.request_id == request_id), None)
        if found is None:
            unfilled = any(u.request_id == request_id for u in self.proposed.unfilled)
            says = "leaves it unfilled" if unfilled else "does not cover it"
            raise NotFound(
                f"proposal {self.id} has no assignment for request {request_id}: it {says}",
                proposal_id=self.id,
                request_id=request_id,
            )
        if request_id in self.accepted:
            raise InvalidTransition(
                f"the assignment of request {request_id} was already accepted",
                request_id=request_id,
            )
        if request_id in self.declined:
            raise InvalidTransition(
                f"the assignment of request {request_id} was declined", request_id=request_id
            )
        return found

    def accept(
        self, request_id: str, allocation_id: str, by: str, now: datetime | None = None
    ) -> ProposedAssignment:
        assignment = self.assignment(request_id)
        self._record(
            ProposedAssignmentAccepted(
                proposal_id=self.id, request_id=request_id, person_id=assignment.person_id,
                allocation_id=allocation_id, accepted_by=by, accepted_at=now or utcnow(),
            )
        )  # fmt: skip
        return assignment

    def decline(
        self, request_id: str, reason: str | None, by: str, now: datetime | None = None
    ) -> None:
        self.assignment(request_id)
        self._record(
            ProposedAssignmentDeclined(
                proposal_id=self.id, request_id=request_id, reason=reason, declined_by=by,
                declined_at=now or utcnow(),
            )
        )  # fmt: skip

    # -- evolve ---------------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, StaffingProposed):
            self.proposed = event
        elif isinstance(event, ProposedAssignmentAccepted):
            self.accepted[event.request_id] = event.allocation_id
        elif isinstance(event, ProposedAssignmentDeclined):
            self.declined.add(event.request_id)
