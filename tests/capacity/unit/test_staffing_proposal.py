"""A staffing proposal is saved advice: each assignment is accepted or declined once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pmo_capacity.domain.model import PersonRole
from pmo_capacity.domain.proposal import StaffingProposal
from pmo_capacity.domain.proposal_events import (
    ProposedAssignment,
    ProposedAssignmentAccepted,
    ProposedAssignmentDeclined,
    StaffingProposed,
    UnfilledRequest,
)
from pmo_kernel.errors import InvalidTransition, NotFound

NOW = datetime(2027, 1, 4, 9, tzinfo=UTC)


def proposed() -> StaffingProposal:
    proposal = StaffingProposal.record(
        StaffingProposed(
            proposal_id="p-1",
            request_ids=("r-1", "r-2"),
            assignments=(
                ProposedAssignment(
                    request_id="r-1",
                    project_id="erp",
                    person_id="ann",
                    person_name="Ann",
                    role=PersonRole.ARCHITECT,
                    start_week="2027-W10",
                    end_week="2027-W12",
                    hours_per_week=Decimal(16),
                    value=Decimal(48),
                    reasons=("is an architect",),
                ),
            ),
            unfilled=(
                UnfilledRequest(
                    request_id="r-2",
                    project_id="erp",
                    role=PersonRole.TESTER,
                    reason="nobody is a tester",
                ),
            ),
            unfilled_demand=(),
            value=Decimal(48),
            greedy_value=Decimal(40),
            value_gap_percent=Decimal(20),
            optimal=True,
            solver="HiGHS",
            solve_seconds=Decimal("0.01"),
            capacity_position=17,
            proposed_by="rita",
            proposed_at=NOW,
        )
    )
    proposal.mark_saved(1, None)
    return proposal


def test_accepting_an_assignment_records_the_allocation_it_became() -> None:
    proposal = proposed()

    assignment = proposal.accept("r-1", "alloc-1", "rita", NOW)

    assert assignment.person_id == "ann"
    (event,) = proposal.pending
    assert isinstance(event, ProposedAssignmentAccepted)
    assert (event.person_id, event.allocation_id) == ("ann", "alloc-1")
    assert proposal.accepted == {"r-1": "alloc-1"}


def test_an_assignment_is_decided_only_once() -> None:
    proposal = proposed()
    proposal.accept("r-1", "alloc-1", "rita", NOW)

    with pytest.raises(InvalidTransition, match="already accepted"):
        proposal.decline("r-1", "changed my mind", "rita", NOW)


def test_a_declined_assignment_cannot_be_accepted_afterwards() -> None:
    proposal = proposed()
    proposal.decline("r-1", "Ann is needed elsewhere", "rita", NOW)

    assert isinstance(proposal.pending[0], ProposedAssignmentDeclined)
    with pytest.raises(InvalidTransition, match="declined"):
        proposal.accept("r-1", "alloc-1", "rita", NOW)


def test_a_request_left_unfilled_has_no_assignment_to_accept() -> None:
    proposal = proposed()

    with pytest.raises(NotFound, match="leaves it unfilled"):
        proposal.accept("r-2", "alloc-2", "rita", NOW)
    with pytest.raises(NotFound, match="does not cover it"):
        proposal.accept("r-9", "alloc-2", "rita", NOW)
    assert proposal.pending == ()
