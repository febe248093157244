"""Portfolio mutations: one per portfolio command, forwarded to the portfolio service's REST API.

The commands are a table (`COMMANDS`), like the service's own routes: each names its mutation,
its route, the stream its answer is about and its input type; `portfolio_field` makes the
strawberry field (with `command_arguments.command_field`, as the demand mutations do). Every
mutation takes the same trailing arguments as the demand ones (expectedVersion → If-Match,
idempotencyKey, waitForReadModel) and returns a `PortfolioCommandResult`.

Read-your-writes: the service answers the stream it appended to and its version, and in
`details` the other streams a command moved (a decision appends to the meeting and the item:
item_id / item_version; an adoption to the meeting and the scenario). With waitForReadModel the
mutation returns once the portfolio projection has applied every one of them (bounded: the
gateway's read_model_wait_seconds), woken by the projection's NOTIFY.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial
from typing import Any

import strawberry
from strawberry.scalars import JSON

from pmo_reporting.gateway import fields
from pmo_reporting.gateway.command_arguments import (
    Argument,
    CommandCall,
    command_field,
    moved_streams,
    mutation_type,
    rest_request,
)
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.envelope_types import BudgetEnvelope
from pmo_reporting.gateway.meeting_types import Meeting
from pmo_reporting.gateway.planning_types import Scenario
from pmo_reporting.gateway.portfolio_inputs import (
    AddAgendaItemInput,
    AddBodyMemberInput,
    AdoptScenarioInput,
    AssignToProgrammeInput,
    CreateScoringModelInput,
    EstablishGovernanceBodyInput,
    EstablishProgrammeInput,
    GrantDecisionRightInput,
    OpenBudgetEnvelopeInput,
    PlanItemInput,
    PublishRoutingRulesInput,
    ReasonInput,
    RecordDecisionInput,
    RemoveBodyMemberInput,
    ReviseBudgetEnvelopeInput,
    ReviseScoringModelDraftInput,
    RevokeDecisionRightInput,
    SaveScenarioInput,
    ScheduleMeetingInput,
    ScoreItemInput,
)
from pmo_reporting.gateway.portfolio_types import (
    Decision,
    GovernanceBody,
    PortfolioItem,
    Programme,
    ScoringModel,
)
from pmo_reporting.gateway.readmodel import Row

# `details` keys naming another stream a command moved: "<prefix>_id" and "<prefix>_version".
OTHER_STREAMS = {
    "item": "portfolio-item",
    "meeting": "meeting",
    "scenario": "scenario",
    "envelope": "budget-envelope",
    "programme": "programme",
}


@dataclass(frozen=True)
class PortfolioCommand:
    name: str  # the mutation, snake_case (strawberry camel-cases it)
    description: str
    route: str  # the REST route; {id} is the mutation's `id` argument
    stream_type: str  # the stream the answer's id and version are about
    input: type | None = None  # its `body()` is the REST body
    input_optional: bool = False  # every field optional: the input may be left out
    method: str = "POST"


COMMANDS = (
    # scoring models
    PortfolioCommand("create_scoring_model", "Create a scoring model (a draft)",
                     "/scoring-models", "scoring-model", CreateScoringModelInput),
    PortfolioCommand("revise_scoring_model_draft", "Revise the draft's criteria",
                     "/scoring-models/{id}/draft", "scoring-model", ReviseScoringModelDraftInput),
    PortfolioCommand("publish_scoring_model", "Publish the draft as a new version",
                     "/scoring-models/{id}/publication", "scoring-model"),
    PortfolioCommand("retire_scoring_model", "Retire the model",
                     "/scoring-models/{id}/retirement", "scoring-model", ReasonInput, True),
    # items
    PortfolioCommand("score_item", "Score an item (the caller is the evaluator)",
                     "/items/{id}/scores", "portfolio-item", ScoreItemInput),
    PortfolioCommand("plan_item", "Place an approved item on the roadmap",
                     "/items/{id}/plan", "portfolio-item", PlanItemInput),
    PortfolioCommand("assign_item_to_programme", "Make the item part of a programme",
                     "/items/{id}/programme", "portfolio-item", AssignToProgrammeInput),
    # governance bodies and routing rules
    PortfolioCommand("establish_governance_body", "Establish a governance body",
                     "/governance-bodies", "governance-body", EstablishGovernanceBodyInput),
    PortfolioCommand("add_body_member", "Add a member to a body",
                     "/governance-bodies/{id}/members", "governance-body", AddBodyMemberInput),
    PortfolioCommand("remove_body_member", "Remove a member from a body",
                     "/governance-bodies/{id}/members/{person_id}", "governance-body",
                     RemoveBodyMemberInput, method="DELETE"),
    PortfolioCommand("grant_decision_right", "Grant a body outcomes it may decide at a gate",
                     "/governance-bodies/{id}/rights", "governance-body",
                     GrantDecisionRightInput),
    PortfolioCommand("revoke_decision_right", "Revoke outcomes a body may decide at a gate",
                     "/governance-bodies/{id}/rights/revocation", "governance-body",
                     RevokeDecisionRightInput),
    PortfolioCommand("publish_routing_rules", "Publish a new version of the routing rules",
                     "/routing-rules/versions", "routing-rules", PublishRoutingRulesInput),
    # meetings and decisions
    PortfolioCommand("schedule_meeting", "Schedule a meeting of a body",
                     "/meetings", "meeting", ScheduleMeetingInput),
    PortfolioCommand("add_agenda_item", "Put an item on a meeting's agenda",
                     "/meetings/{id}/agenda", "meeting", AddAgendaItemInput),
    PortfolioCommand("record_decision",
                     "Record a decision on an item (its inputs frozen by the service); it goes "
                     "on the meeting's and the item's records",
                     "/meetings/{id}/decisions", "meeting", RecordDecisionInput),
    PortfolioCommand("adopt_scenario", "Record the meeting's adoption of a saved scenario",
                     "/meetings/{id}/scenario-adoptions", "meeting", AdoptScenarioInput),
    PortfolioCommand("close_meeting", "Close the meeting: its decisions are the minutes",
                     "/meetings/{id}/closure", "meeting"),
    # budget envelopes
    PortfolioCommand("open_budget_envelope", "Open a year's budget envelope",
                     "/budget-envelopes", "budget-envelope", OpenBudgetEnvelopeInput),
    PortfolioCommand("revise_budget_envelope", "Revise the amount: a new envelope version",
                     "/budget-envelopes/{id}/revisions", "budget-envelope",
                     ReviseBudgetEnvelopeInput),
    PortfolioCommand("close_budget_envelope", "Close the envelope",
                     "/budget-envelopes/{id}/closure", "budget-envelope", ReasonInput, True),
    PortfolioCommand("request_arbitration",
                     "Send the over-committed year's items at stake to arbitration",
                     "/budget-envelopes/{id}/arbitration", "budget-envelope"),
    # scenarios and programmes
    PortfolioCommand("save_scenario", "Solve a selection problem and save it with its result",
                     "/scenarios", "scenario", SaveScenarioInput),
    PortfolioCommand("archive_scenario", "Archive a scenario: it can no longer be adopted",
                     "/scenarios/{id}/archive", "scenario", ReasonInput, True),
    PortfolioCommand("establish_programme", "Establish a programme",
                     "/programmes", "programme", EstablishProgrammeInput),
)  # fmt: skip


@strawberry.type(description="A portfolio command the service accepted")
class PortfolioCommandResult:
    id: strawberry.ID = strawberry.field(description="The stream the command appended to")
    version: int = strawberry.field(description="That stream's version after the command")
    details: JSON = strawberry.field(description="What else the service said (decision id, ...)")
    read_model_caught_up: bool = strawberry.field(
        description="Whether the read model had every change when this returned"
    )
    stream_type: strawberry.Private[str]

    def _target(self, stream_type: str, detail: str) -> str | None:
        if not self.read_model_caught_up:
            return None
        if self.stream_type == stream_type:
            return str(self.id)
        found = self.details.get(detail) if isinstance(self.details, dict) else None
        return str(found) if found is not None else None

    # From the read model, not the loaders: their cache may hold rows from before the command.

    @fields.field("The item the command changed; null unless readModelCaughtUp")
    async def portfolio_item(self, info: GatewayInfo) -> PortfolioItem | None:
        row = await _fresh(info, "items_by_ids", self._target("portfolio-item", "item_id"))
        return PortfolioItem.visible(row, info) if row else None

    @fields.field("The scoring model the command changed")
    async def scoring_model(self, info: GatewayInfo) -> ScoringModel | None:
        row = await _fresh(info, "models_by_ids", self._target("scoring-model", "model_id"))
        return ScoringModel.of(row) if row else None

    @fields.field("The governance body the command changed")
    async def governance_body(self, info: GatewayInfo) -> GovernanceBody | None:
        row = await _fresh(info, "bodies_by_ids", self._target("governance-body", "body_id"))
        return GovernanceBody.of(row) if row else None

    @fields.field("The meeting the command changed")
    async def meeting(self, info: GatewayInfo) -> Meeting | None:
        row = await _fresh(info, "meetings_by_ids", self._target("meeting", "meeting_id"))
        return Meeting.of(row) if row else None

    @fields.field("The decision the command recorded")
    async def decision(self, info: GatewayInfo) -> Decision | None:
        row = await _fresh(info, "decisions_by_ids", self._target("", "decision_id"))
        return await Decision.visible(row, info) if row else None

    @fields.field("The budget envelope the command changed")
    async def budget_envelope(self, info: GatewayInfo) -> BudgetEnvelope | None:
        row = await _fresh(info, "envelopes_by_ids", self._target("budget-envelope", ""))
        return BudgetEnvelope.of(row) if row else None

    @fields.field("The scenario the command changed")
    async def scenario(self, info: GatewayInfo) -> Scenario | None:
        row = await _fresh(info, "scenarios_by_ids", self._target("scenario", "scenario_id"))
        return Scenario.of(row) if row else None

    @fields.field("The programme the command changed (or the item's new programme)")
    async def programme(self, info: GatewayInfo) -> Programme | None:
        target = self._target("programme", "programme_id")
        row = await _fresh(info, "programmes_by_ids", target)
        return Programme.of(row) if row else None


async def _fresh(info: GatewayInfo, lookup: str, key: str | None) -> Row | None:
    if key is None:
        return None
    found: dict[str, Row] = await getattr(info.context.services.portfolio_read_model, lookup)([key])
    return found.get(key)


async def run_portfolio_command(
    command: PortfolioCommand, info: GatewayInfo, values: dict[str, Any], call: CommandCall
) -> PortfolioCommandResult:
    path_values, body = rest_request(values, takes_body=command.input is not None)
    services = info.context.services
    accepted = await services.portfolio_api.forward(
        command.method,
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
        *(services.changes.wait_for_stream(key, v, timeout) for key, v in streams.items())
    )
    details: Any = accepted.details  # JSON: whatever the service said
    return PortfolioCommandResult(
        id=strawberry.ID(accepted.id),
        version=accepted.version,
        details=details,
        read_model_caught_up=all(reached),
        stream_type=command.stream_type,
    )


def portfolio_field(command: PortfolioCommand) -> Any:
    """The strawberry mutation of `command`: (id?, input?, expectedVersion, idempotencyKey,
    waitForReadModel) → PortfolioCommandResult; `id` if its route has one, `input` if it takes
    a body (optional when every field of the input is)."""
    arguments = [Argument("id", strawberry.ID)] if "{id}" in command.route else []
    if command.input is not None and command.input_optional:
        arguments.append(Argument("input", command.input | None, None))
    elif command.input is not None:
        arguments.append(Argument("input", command.input))
    return command_field(
        command.name,
        command.description,
        arguments,
        PortfolioCommandResult,
        partial(run_portfolio_command, command),
    )


PortfolioMutation = mutation_type(
    "PortfolioMutation",
    {c.name: portfolio_field(c) for c in COMMANDS},
    description="Portfolio commands, forwarded to the portfolio service",
)
