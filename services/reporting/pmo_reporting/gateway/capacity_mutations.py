"""Capacity mutations: one per capacity command, forwarded to the capacity service's REST API.

The same shape as the portfolio mutations (`portfolio_mutations.py`): a table of commands, each
with its mutation name, route, the stream its answer is about and its input; the trailing
arguments every command takes (expectedVersion → If-Match, idempotencyKey, waitForReadModel);
a `CapacityCommandResult`. The service answers `{id, version, ...}`: what else it said (the
allocation a command made, the event ids) is in `details`.

Read-your-writes: with waitForReadModel the mutation returns once the capacity projection has
applied the stream the command appended to, and the others it moved: a proposal's acceptance
also moves the person (the allocation) and the request (filled), which the service's answer
names in `details` (person_id / person_version, request_id / request_version); a draft's
adoption moves every request and person it books, which the answer lists in
`details.moved_streams`. The projection NOTIFYs the versions it reached
(changes.CAPACITY_CHANNEL); the result's `person`, `resourceRequest`, `staffingProposal` and
`staffingDraft` then read the read model afresh.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial
from typing import Any

import strawberry
from strawberry.scalars import JSON

from pmo_reporting.gateway import fields
from pmo_reporting.gateway.capacity import Person
from pmo_reporting.gateway.capacity_drafts import StaffingDraft, draft_seen
from pmo_reporting.gateway.capacity_inputs import (
    AddSkillInput,
    AdoptStaffingDraftInput,
    AllocationInput,
    AssignInStaffingDraftInput,
    CancelResourceRequestInput,
    DefineCalendarInput,
    DiscardStaffingDraftInput,
    ProposeAllocationInput,
    ProposedAssignmentInput,
    ProposeStaffingInput,
    RaiseResourceRequestInput,
    RecordLeavingInput,
    RegisterPersonInput,
    RenameStaffingDraftInput,
    ReportAvailabilityInput,
    ReviseResourceRequestInput,
    StartStaffingDraftInput,
    UnassignInStaffingDraftInput,
)
from pmo_reporting.gateway.capacity_staffing import (
    ResourceRequest,
    StaffingProposal,
    proposal_seen,
    request_seen,
)
from pmo_reporting.gateway.command_arguments import (
    Argument,
    CommandCall,
    command_field,
    moved_streams,
    mutation_type,
    rest_request,
)
from pmo_reporting.gateway.context import GatewayInfo

# `details` keys naming another stream a command moved: "<prefix>_id" and "<prefix>_version".
OTHER_STREAMS = {"person": "person", "request": "request"}


@dataclass(frozen=True)
class CapacityCommand:
    name: str  # the mutation, snake_case (strawberry camel-cases it)
    description: str
    route: str  # the REST route; {id} is the mutation's `id` argument
    stream_type: str  # the stream the answer's id and version are about
    input: type | None = None  # its `body()` is the REST body
    input_optional: bool = False


COMMANDS = (
    CapacityCommand("define_calendar", "Define a working calendar (resource manager)",
                    "/calendars", "calendar", DefineCalendarInput),
    CapacityCommand("add_skill", "Add a skill to the catalogue (resource manager)",
                    "/skills", "skills", AddSkillInput),
    CapacityCommand("register_person", "Register a person (resource manager)",
                    "/people", "person", RegisterPersonInput),
    CapacityCommand("record_leaving", "Record a person's last day (resource manager)",
                    "/people/{id}/leaving", "person", RecordLeavingInput),
    CapacityCommand("report_availability",
                    "Report a person's availability for a week or a month (their line manager)",
                    "/people/{id}/availability-reports", "person", ReportAvailabilityInput),
    CapacityCommand("propose_allocation",
                    "Propose a soft allocation; OVER_ALLOCATION names the weeks it would "
                    "overbook unless acceptOverAllocation",
                    "/people/{id}/allocations", "person", ProposeAllocationInput),
    CapacityCommand("confirm_allocation", "Confirm an allocation: hard (their line manager)",
                    "/people/{id}/allocations/{allocation_id}/confirmation", "person",
                    AllocationInput),
    CapacityCommand("release_allocation", "Release an allocation",
                    "/people/{id}/allocations/{allocation_id}/release", "person",
                    AllocationInput),
    CapacityCommand("raise_resource_request", "Ask for a person of a role and skills",
                    "/resource-requests", "request", RaiseResourceRequestInput),
    CapacityCommand("revise_resource_request", "Revise an open resource request",
                    "/resource-requests/{id}/revision", "request", ReviseResourceRequestInput),
    CapacityCommand("cancel_resource_request", "Cancel an open resource request",
                    "/resource-requests/{id}/cancellation", "request",
                    CancelResourceRequestInput),
    CapacityCommand("propose_staffing",
                    "Staff open requests optimally (MILP), beside a greedy baseline, and save "
                    "the proposal", "/staffing-proposals", "proposal", ProposeStaffingInput,
                    True),
    CapacityCommand("accept_proposed_assignment",
                    "Accept one assignment of a proposal: a soft allocation, the request filled",
                    "/staffing-proposals/{id}/assignments/{request_id}/acceptance", "proposal",
                    ProposedAssignmentInput),
    CapacityCommand("decline_proposed_assignment",
                    "Decline one assignment of a proposal: the request stays open",
                    "/staffing-proposals/{id}/assignments/{request_id}/decline", "proposal",
                    ProposedAssignmentInput),
    CapacityCommand("start_staffing_draft",
                    "Start a what-if staffing draft, empty or from a proposal's open assignments: "
                    "it books nobody until adopted", "/staffing-drafts", "draft",
                    StartStaffingDraftInput),
    CapacityCommand("assign_in_staffing_draft",
                    "Give a request to a person in a draft, replacing whom it gave it to",
                    "/staffing-drafts/{id}/assignments", "draft", AssignInStaffingDraftInput),
    CapacityCommand("unassign_in_staffing_draft", "Give a request to nobody in a draft",
                    "/staffing-drafts/{id}/assignments/{request_id}/removal", "draft",
                    UnassignInStaffingDraftInput),
    CapacityCommand("rename_staffing_draft", "Rename a staffing draft",
                    "/staffing-drafts/{id}/rename", "draft", RenameStaffingDraftInput),
    CapacityCommand("discard_staffing_draft",
                    "Drop a staffing draft: it changed nothing and takes no more changes",
                    "/staffing-drafts/{id}/discard", "draft", DiscardStaffingDraftInput, True),
    CapacityCommand("adopt_staffing_draft",
                    "Adopt a draft: every assignment a soft allocation filling its request, in "
                    "one write; OVER_ALLOCATION (naming each person and week) and nothing "
                    "written if any would overbook, unless acceptOverAllocation",
                    "/staffing-drafts/{id}/adoption", "draft", AdoptStaffingDraftInput, True),
)  # fmt: skip


@strawberry.type(description="A capacity command the service accepted")
class CapacityCommandResult:
    id: strawberry.ID = strawberry.field(description="The stream the command appended to")
    version: int = strawberry.field(description="That stream's version after the command")
    details: JSON = strawberry.field(
        description="What else the service said (the allocation id, the event ids, ...)"
    )
    read_model_caught_up: bool = strawberry.field(
        description="Whether the read model had the change when this returned"
    )
    stream_type: strawberry.Private[str]

    def _target(self, stream_type: str) -> str | None:
        """The id of the `stream_type` stream the command moved, once the read model has it."""
        if not self.read_model_caught_up:
            return None
        if self.stream_type == stream_type:
            return str(self.id)
        found = self.details.get(f"{stream_type}_id") if isinstance(self.details, dict) else None
        return str(found) if isinstance(found, str) else None

    # From the read model, not the loaders: their cache may hold rows from before the command.

    @fields.field("The person the command changed; null unless readModelCaughtUp and visible")
    async def person(self, info: GatewayInfo) -> Person | None:
        person_id = self._target("person")
        if person_id is None:
            return None
        found = await info.context.services.capacity_read_model.people_by_ids([person_id])
        return Person.visible(found.get(person_id), info)

    @fields.field("The resource request the command changed; null unless readModelCaughtUp")
    async def resource_request(self, info: GatewayInfo) -> ResourceRequest | None:
        request_id = self._target("request")
        return await request_seen(info, request_id) if request_id is not None else None

    @fields.field("The staffing proposal the command changed; null unless readModelCaughtUp")
    async def staffing_proposal(self, info: GatewayInfo) -> StaffingProposal | None:
        proposal_id = self._target("proposal")
        return await proposal_seen(info, proposal_id) if proposal_id is not None else None

    @fields.field("The staffing draft the command changed; null unless readModelCaughtUp")
    async def staffing_draft(self, info: GatewayInfo) -> StaffingDraft | None:
        draft_id = self._target("draft")
        return await draft_seen(info, draft_id) if draft_id is not None else None


async def run_capacity_command(
    command: CapacityCommand, info: GatewayInfo, values: dict[str, Any], call: CommandCall
) -> CapacityCommandResult:
    path_values, body = rest_request(values, takes_body=command.input is not None)
    services = info.context.services
    accepted = await services.capacity_api.forward(
        "POST",
        command.route,
        path_values,
        body,
        token=call.token,
        expected_version=call.expected_version,
        idempotency_key=call.idempotency_key,
    )
    timeout = call.wait_seconds(services)
    streams = moved_streams(
        command.stream_type, accepted.id, accepted.version, accepted.details, OTHER_STREAMS
    )
    reached = await asyncio.gather(
        *(services.changes.wait_for_capacity_stream(key, v, timeout) for key, v in streams.items())
    )
    details: Any = accepted.details
    return CapacityCommandResult(
        id=strawberry.ID(accepted.id),
        version=accepted.version,
        details=details,
        read_model_caught_up=all(reached),
        stream_type=command.stream_type,
    )


def capacity_field(command: CapacityCommand) -> Any:
    arguments = [Argument("id", strawberry.ID)] if "{id}" in command.route else []
    if command.input is not None and command.input_optional:
        arguments.append(Argument("input", command.input | None, None))
    elif command.input is not None:
        arguments.append(Argument("input", command.input))
    return command_field(
        command.name,
        command.description,
        arguments,
        CapacityCommandResult,
        partial(run_capacity_command, command),
    )


CapacityMutation = mutation_type(
    "CapacityMutation",
    {c.name: capacity_field(c) for c in COMMANDS},
    description="Capacity commands, forwarded to the capacity service",
)
