"""Demand mutations: one per demand command, forwarded to the demand service's REST API
(the portfolio's are in portfolio_mutations.py; schema.py merges both).

The commands are a table (`COMMANDS`), like the portfolio's: each names its mutation, the
action of its route (`POST /demands/{id}/<action>`; none: `POST /demands`, which submits) and
its own argument; `command_arguments.command_field` makes the strawberry field. An input's
`body()` is the REST body (or goes under `nested_under`); a plain argument is the body's one
key, left out when null.

The gateway decides nothing: the demand service checks roles, states and governance rules, and
its refusals come back as GraphQL errors with the problem's code. What the gateway adds is
read-your-writes: with waitForReadModel (the default) the mutation returns once the projector
has committed the version the command produced, so `demand` in the result shows the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import strawberry

from pmo_reporting.gateway.command_arguments import (
    Argument,
    CommandCall,
    command_field,
    mutation_type,
)
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.inputs import BusinessCaseInput, SubmitDemandInput
from pmo_reporting.gateway.types import DemandCommandResult, DemandState


@dataclass(frozen=True)
class DemandCommand:
    name: str  # the mutation, snake_case (strawberry camel-cases it)
    description: str
    action: str | None  # POST /demands/{id}/<action>, on the mutation's `id`; None: submit
    argument: Argument  # the mutation's own argument, after `id`
    nested_under: str | None = None  # an input's body goes under this key of the REST body

    def body(self, value: Any) -> dict[str, Any]:
        if hasattr(value, "body"):
            body: dict[str, Any] = value.body()
            return {self.nested_under: body} if self.nested_under else body
        return {} if value is None else {self.argument.name: value}


OPTIONAL_NOTE = Argument("note", str | None, None)

COMMANDS = (
    DemandCommand("submit_demand", "Submit a demand (requester), with or without a business case",
                  None, Argument("input", SubmitDemandInput)),
    DemandCommand("revise_business_case", "Revise the business case: a new numbered version",
                  "business-case", Argument("input", BusinessCaseInput), "business_case"),
    DemandCommand("request_information", "Ask the requester questions (PMO analyst)",
                  "information-requests", Argument("questions", list[str])),
    DemandCommand("provide_information", "Answer the open questions (requester)",
                  "information", Argument("answers", str)),
    DemandCommand("qualify_demand", "Qualify against the governance rules (PMO analyst)",
                  "qualification", OPTIONAL_NOTE),
    DemandCommand("reject_demand", "Reject, with a reason (PMO analyst)",
                  "rejection", Argument("reason", str)),
    DemandCommand("withdraw_demand", "Withdraw before a decision (requester)",
                  "withdrawal", Argument("reason", str | None, None)),
    DemandCommand("accept_demand", "Accept for the portfolio (PMO analyst)",
                  "acceptance", OPTIONAL_NOTE),
)  # fmt: skip


async def run_demand_command(
    command: DemandCommand, info: GatewayInfo, values: dict[str, Any], call: CommandCall
) -> DemandCommandResult:
    services = info.context.services
    demand_id = values.get("id")
    accepted = await services.demand_api.command(
        command.body(values.get(command.argument.name)),
        demand_id=None if demand_id is None else str(demand_id),
        action=command.action,
        token=call.token,
        expected_version=call.expected_version,
        idempotency_key=call.idempotency_key,
    )
    caught_up = await services.changes.wait_for(
        accepted.demand_id, accepted.version, call.wait_seconds(services)
    )
    return DemandCommandResult(
        demand_id=strawberry.ID(accepted.demand_id),
        version=accepted.version,
        state=DemandState(accepted.state),
        read_model_caught_up=caught_up,
    )


def demand_field(command: DemandCommand) -> Any:
    """The strawberry mutation of `command`: (id?, its argument, expectedVersion?,
    idempotencyKey, waitForReadModel) → DemandCommandResult. Submitting takes neither an id nor
    an expected version: there is no demand yet."""
    acts_on_demand = command.action is not None
    identity = [Argument("id", strawberry.ID)] if acts_on_demand else []
    return command_field(
        command.name,
        command.description,
        [*identity, command.argument],
        DemandCommandResult,
        partial(run_demand_command, command),
        expected_version=acts_on_demand,
    )


DemandMutation = mutation_type("DemandMutation", {c.name: demand_field(c) for c in COMMANDS})
