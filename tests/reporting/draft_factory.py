"""Staffing drafts as the projector receives them, decided by the capacity domain's own
StaffingDraft over the requests and people of a `Staffing`; an adoption books and fills with
the capacity service's own `book_all` and publishes the draft, then each request and person,
in the order the service appends them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from pmo_capacity.application.drafts import book_all, open_assignments
from pmo_capacity.domain.draft import StaffingDraft
from pmo_capacity.domain.draft_events import DraftAssignment
from pmo_kernel.aggregate import Aggregate
from tests.reporting.capacity_factory import RESOURCE_MANAGER, T0, published
from tests.reporting.staffing_factory import Staffing


@dataclass
class Drafts:
    staffing: Staffing
    drafts: dict[str, StaffingDraft] = field(default_factory=dict)

    def _publish(self, *aggregates: Aggregate, by: str = RESOURCE_MANAGER) -> None:
        for aggregate in aggregates:
            self.staffing.capacity.events += published(aggregate, by)

    def start(
        self, draft_id: str, name: str = "Plan B", *, from_proposal: str | None = None,
        by: str = RESOURCE_MANAGER,
    ) -> StaffingDraft:  # fmt: skip
        proposal = self.staffing.proposals[from_proposal] if from_proposal else None
        made = proposal.proposed if proposal is not None else None
        draft = StaffingDraft.start(
            draft_id, name, by, T0, from_proposal_id=from_proposal,
            request_ids=made.request_ids if made else (),
            assignments=open_assignments(proposal) if proposal else (),
        )  # fmt: skip
        self.drafts[draft_id] = draft
        self._publish(draft, by=by)
        return draft

    def assign(
        self, draft_id: str, request_id: str, person_id: str, hours: str | None = None
    ) -> None:
        request = self.staffing.requests[request_id]
        assignment = DraftAssignment(
            request_id=request_id, project_id=request.project_id, person_id=person_id,
            start_week=request.start_week, end_week=request.end_week,
            hours_per_week=Decimal(hours) if hours else request.hours_per_week,
        )  # fmt: skip
        self.drafts[draft_id].assign(assignment, RESOURCE_MANAGER, T0)
        self._publish(self.drafts[draft_id])

    def unassign(self, draft_id: str, request_id: str) -> None:
        self.drafts[draft_id].unassign(request_id, RESOURCE_MANAGER, T0)
        self._publish(self.drafts[draft_id])

    def rename(self, draft_id: str, name: str) -> None:
        self.drafts[draft_id].rename(name, RESOURCE_MANAGER, T0)
        self._publish(self.drafts[draft_id])

    def discard(self, draft_id: str, reason: str | None = None) -> None:
        self.drafts[draft_id].discard(reason, RESOURCE_MANAGER, T0)
        self._publish(self.drafts[draft_id])

    def adopt(self, draft_id: str) -> None:
        draft = self.drafts[draft_id]
        assignments = draft.require_adoptable()
        capacity = self.staffing.capacity
        requests = {a.request_id: self.staffing.requests[a.request_id] for a in assignments}
        people = {a.person_id: capacity.people[a.person_id] for a in assignments}
        adopted = book_all(
            draft_id, assignments, people, capacity.calendars, requests, RESOURCE_MANAGER, T0,
            accept_over_allocation=False,
        )  # fmt: skip
        draft.adopt(adopted, RESOURCE_MANAGER, T0)
        self._publish(draft, *requests.values(), *people.values())
