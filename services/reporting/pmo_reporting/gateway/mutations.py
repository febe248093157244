"""Demand mutations: one per demand command, forwarded to the demand service's REST API
(the portfolio's are in portfolio_mutations.py; schema.py merges both).

The gateway decides nothing: the demand service checks roles, states and governance rules, and
its refusals come back as GraphQL errors with the problem's code. What the gateway adds is
read-your-writes: with waitForReadModel (the default) the mutation returns once the projector
has committed the version the command produced, so `demand` in the result shows the change.
"""

from __future__ import annotations

from typing import Any

import strawberry

from pmo_reporting.gateway import fields
from pmo_reporting.gateway.command_arguments import (
    ExpectedVersion,
    IdempotencyKey,
    WaitForReadModel,
    check_expected_version,
)
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.inputs import BusinessCaseInput, SubmitDemandInput
from pmo_reporting.gateway.types import DemandCommandResult, DemandState


async def run_command(
    info: GatewayInfo,
    body: dict[str, Any],
    *,
    demand_id: str | None = None,
    action: str | None = None,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
    wait_for_read_model: bool = True,
) -> DemandCommandResult:
    context = info.context
    principal = context.principal()
    check_expected_version(expected_version)
    services = context.services
    accepted = await services.demand_api.command(
        body,
        demand_id=demand_id,
        action=action,
        token=principal.token,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
    )
    # Without waiting, still say whether the read model happens to be there already.
    timeout = services.read_model_wait_seconds if wait_for_read_model else 0.0
    caught_up = await services.changes.wait_for(accepted.demand_id, accepted.version, timeout)
    return DemandCommandResult(
        demand_id=strawberry.ID(accepted.demand_id),
        version=accepted.version,
        state=DemandState(accepted.state),
        read_model_caught_up=caught_up,
    )


@strawberry.type
class DemandMutation:
    @fields.mutation("Submit a demand (requester), with or without a business case")
    async def submit_demand(
        self,
        info: GatewayInfo,
        input: SubmitDemandInput,
        idempotency_key: IdempotencyKey = None,
        wait_for_read_model: WaitForReadModel = True,
    ) -> DemandCommandResult:
        return await run_command(
            info,
            input.body(),
            idempotency_key=idempotency_key,
            wait_for_read_model=wait_for_read_model,
        )

    @fields.mutation("Revise the business case: a new numbered version")
    async def revise_business_case(
        self,
        info: GatewayInfo,
        id: strawberry.ID,
        input: BusinessCaseInput,
        expected_version: ExpectedVersion = None,
        idempotency_key: IdempotencyKey = None,
        wait_for_read_model: WaitForReadModel = True,
    ) -> DemandCommandResult:
        return await run_command(
            info,
            {"business_case": input.body()},
            demand_id=str(id),
            action="business-case",
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            wait_for_read_model=wait_for_read_model,
        )

    @fields.mutation("Ask the requester questions (PMO analyst)")
    async def request_information(
        self,
        info: GatewayInfo,
        id: strawberry.ID,
        questions: list[str],
        expected_version: ExpectedVersion = None,
        idempotency_key: IdempotencyKey = None,
        wait_for_read_model: WaitForReadModel = True,
    ) -> DemandCommandResult:
        return await run_command(
            info,
            {"questions": questions},
            demand_id=str(id),
            action="information-requests",
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            wait_for_read_model=wait_for_read_model,
        )

    @fields.mutation("Answer the open questions (requester)")
    async def provide_information(
        self,
        info: GatewayInfo,
        id: strawberry.ID,
        answers: str,
        expected_version: ExpectedVersion = None,
        idempotency_key: IdempotencyKey = None,
        wait_for_read_model: WaitForReadModel = True,
    ) -> DemandCommandResult:
        return await run_command(
            info,
            {"answers": answers},
            demand_id=str(id),
            action="information",
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            wait_for_read_model=wait_for_read_model,
        )

    @fields.mutation("Qualify against the governance rules (PMO analyst)")
    async def qualify_demand(
        self,
        info: GatewayInfo,
        id: strawberry.ID,
        note: str | None = None,
        expected_version: ExpectedVersion = None,
        idempotency_key: IdempotencyKey = None,
        wait_for_read_model: WaitForReadModel = True,
    ) -> DemandCommandResult:
        return await run_command(
            info,
            _without_nulls({"note": note}),
            demand_id=str(id),
            action="qualification",
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            wait_for_read_model=wait_for_read_model,
        )

    @fields.mutation("Reject, with a reason (PMO analyst)")
    async def reject_demand(
        self,
        info: GatewayInfo,
        id: strawberry.ID,
        reason: str,
        expected_version: ExpectedVersion = None,
        idempotency_key: IdempotencyKey = None,
        wait_for_read_model: WaitForReadModel = True,
    ) -> DemandCommandResult:
        return await run_command(
            info,
            {"reason": reason},
            demand_id=str(id),
            action="rejection",
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            wait_for_read_model=wait_for_read_model,
        )

    @fields.mutation("Withdraw before a decision (requester)")
    async def withdraw_demand(
        self,
        info: GatewayInfo,
        id: strawberry.ID,
        reason: str | None = None,
        expected_version: ExpectedVersion = None,
        idempotency_key: IdempotencyKey = None,
        wait_for_read_model: WaitForReadModel = True,
    ) -> DemandCommandResult:
        return await run_command(
            info,
            _without_nulls({"reason": reason}),
            demand_id=str(id),
            action="withdrawal",
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            wait_for_read_model=wait_for_read_model,
        )

    @fields.mutation("Accept for the portfolio (PMO analyst)")
    async def accept_demand(
        self,
        info: GatewayInfo,
        id: strawberry.ID,
        note: str | None = None,
        expected_version: ExpectedVersion = None,
        idempotency_key: IdempotencyKey = None,
        wait_for_read_model: WaitForReadModel = True,
    ) -> DemandCommandResult:
        return await run_command(
            info,
            _without_nulls({"note": note}),
            demand_id=str(id),
            action="acceptance",
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            wait_for_read_model=wait_for_read_model,
        )


def _without_nulls(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}
