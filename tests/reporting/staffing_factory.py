"""Resource requests, staffing proposals and the skills catalogue as the projector receives
them, decided by the capacity domain's aggregates (ResourceRequest, StaffingProposal,
SkillCatalogue) beside the people of a `Capacity`; an acceptance moves the proposal, the
request and the person, as the capacity service's staffing does."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from pmo_capacity.domain import (
    CATALOGUE_ID,
    PersonRole,
    ProposeAllocation,
    ProposedAlternative,
    ProposedAssignment,
    RaiseResourceRequest,
    RequestSource,
    ResourceRequest,
    ReviseResourceRequest,
    SkillCatalogue,
    StaffingProposal,
    StaffingProposed,
    UnfilledHours,
    UnfilledRequest,
)
from tests.reporting.capacity_factory import RESOURCE_MANAGER, T0, Capacity, published

PROJECT_MANAGER = "pam"


@dataclass
class Staffing:
    """Requests, proposals and the catalogue over the people and calendars of `capacity`,
    their events appended to `capacity.events` in the order decided."""

    capacity: Capacity
    requests: dict[str, ResourceRequest] = field(default_factory=dict)
    proposals: dict[str, StaffingProposal] = field(default_factory=dict)
    catalogue: SkillCatalogue = field(default_factory=lambda: SkillCatalogue(CATALOGUE_ID))

    def skill(self, name: str, description: str | None = None) -> None:
        self.catalogue.add(name, description, RESOURCE_MANAGER, T0)
        self.capacity.events += published(self.catalogue, RESOURCE_MANAGER)

    def request(
        self,
        request_id: str,
        project: str = "erp",
        *,
        role: str = "developer",
        skills: tuple[tuple[str, int], ...] = (("python", 3),),
        weeks: tuple[str, str] = ("2027-W10", "2027-W12"),
        hours: str = "24",
        by: str = PROJECT_MANAGER,
    ) -> ResourceRequest:
        command = RaiseResourceRequest.model_validate(
            {
                "project_id": project, "role": role,
                "skills": [{"name": n, "min_level": level} for n, level in skills],
                "start_week": weeks[0], "end_week": weeks[1], "hours_per_week": hours,
                "note": "for the ERP roll-out",
            }
        )  # fmt: skip
        request = ResourceRequest.raise_request(request_id, command, RequestSource.DIRECT, by, T0)
        self.requests[request_id] = request
        self.capacity.events += published(request, by)
        return request

    def revise(self, request_id: str, hours: str) -> None:
        request = self.requests[request_id]
        command = ReviseResourceRequest(hours_per_week=Decimal(hours))
        request.revise(command, request.raised_by, ["project_manager"], T0)
        self.capacity.events += published(request, request.raised_by)

    def cancel(self, request_id: str, reason: str) -> None:
        request = self.requests[request_id]
        request.cancel(reason, request.raised_by, ["project_manager"], T0)
        self.capacity.events += published(request, request.raised_by)

    def propose(
        self, proposal_id: str, assigned: dict[str, str], unfilled: tuple[str, ...] = ()
    ) -> StaffingProposal:
        """A proposal giving each request of `assigned` to its person, leaving `unfilled`."""
        assignments = []
        for request_id, person_id in assigned.items():
            request = self.requests[request_id]
            others = [p for p in self.capacity.people.values() if p.id != person_id]
            assignments.append(
                ProposedAssignment(
                    request_id=request_id,
                    project_id=request.project_id,
                    person_id=person_id,
                    person_name=self.capacity.people[person_id].name,
                    role=request.role,
                    start_week=request.start_week,
                    end_week=request.end_week,
                    hours_per_week=request.hours_per_week,
                    value=Decimal("10.5"),
                    reasons=("python 4 against 3 asked", "free those weeks"),
                    alternatives=tuple(
                        ProposedAlternative(
                            person_id=p.id,
                            name=p.name,
                            value=Decimal("7.25"),
                            why_not="a lower skill match",
                        )
                        for p in others
                    ),
                )
            )
        proposed = StaffingProposed(
            proposal_id=proposal_id,
            request_ids=(*assigned, *unfilled),
            assignments=tuple(assignments),
            unfilled=tuple(
                UnfilledRequest(
                    request_id=r,
                    project_id=self.requests[r].project_id,
                    role=self.requests[r].role,
                    reason="nobody with sql 5 is free",
                )
                for r in unfilled
            ),
            unfilled_demand=tuple(
                UnfilledHours(
                    role=PersonRole.DEVELOPER, skill="sql", month="2027-03", hours=Decimal("96")
                )
                for _ in unfilled[:1]
            ),
            value=Decimal("21.00"),
            greedy_value=Decimal("17.50"),
            value_gap_percent=Decimal("20.00"),
            optimal=True,
            solver="HiGHS 1.7",
            solve_seconds=Decimal("0.04"),
            capacity_position=42,
            proposed_by=RESOURCE_MANAGER,
            proposed_at=T0,
        )
        proposal = StaffingProposal.record(proposed)
        self.proposals[proposal_id] = proposal
        self.capacity.events += published(proposal, RESOURCE_MANAGER)
        return proposal

    def accept(self, proposal_id: str, request_id: str, allocation_id: str) -> None:
        """As the service's staffing: the allocation on the person, the request filled, the
        assignment accepted; published proposal, request, person."""
        proposal = self.proposals[proposal_id]
        assignment = proposal.assignment(request_id)
        request = self.requests[request_id]
        person = self.capacity.people[assignment.person_id]
        calendar = self.capacity.calendars[person.calendar_id]
        command = ProposeAllocation(
            project_id=assignment.project_id, start_week=assignment.start_week,
            end_week=assignment.end_week, hours_per_week=assignment.hours_per_week,
        )  # fmt: skip
        person.propose_allocation(allocation_id, command, calendar, RESOURCE_MANAGER, T0)
        request.fill(person.id, allocation_id, RESOURCE_MANAGER, T0)
        proposal.accept(request_id, allocation_id, RESOURCE_MANAGER, T0)
        for aggregate in (proposal, request, person):
            self.capacity.events += published(aggregate, RESOURCE_MANAGER)

    def decline(self, proposal_id: str, request_id: str, reason: str) -> None:
        proposal = self.proposals[proposal_id]
        proposal.decline(request_id, reason, RESOURCE_MANAGER, T0)
        self.capacity.events += published(proposal, RESOURCE_MANAGER)
