"""Command handlers for demands.

Each command: authorise by role → load the stream → check the caller's expected version →
decide on the aggregate → append the new events at the loaded version (the store's optimistic
lock refuses a concurrent writer) → return the new version. Nothing is written unless the whole
command succeeds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID, uuid4

from pydantic import BaseModel

from pmo_demand.access import DemandAccess
from pmo_demand.domain import (
    COMMAND_ROLES,
    REVIEWER_ROLES,
    AcceptDemand,
    Demand,
    GovernanceRules,
    ProvideInformation,
    QualifyDemand,
    RejectDemand,
    RequestInformation,
    ReviseBusinessCase,
    SubmitDemand,
    WithdrawDemand,
)
from pmo_kernel.access import Sight
from pmo_kernel.application import CommandContext, check_expected_version, event_metadata
from pmo_kernel.errors import NotFound
from pmo_kernel.identity import Principal, Role
from pmo_kernel.store import NewEvent
from pmo_kernel.store.contract import EventStoreContract
from pmo_kernel.store.event_ids import new_event_id


@dataclass(frozen=True)
class CommandResult:
    demand_id: str
    version: int
    state: str
    event_ids: tuple[UUID, ...]
    replayed: bool = False  # (set by the HTTP edge when it answers a retry, see api.py)


Decision = Callable[[Demand], None]


class DemandService:
    def __init__(
        self, store: EventStoreContract, rules: GovernanceRules, access: DemandAccess
    ) -> None:
        self.store = store
        self.rules = rules
        self.access = access

    async def get(self, demand_id: str) -> Demand:
        """The demand, whoever asks (the service's own reads); callers' reads go through
        `read`."""
        demand = Demand.load(demand_id, await self.store.read_stream(Demand.stream_type, demand_id))
        if demand.version == 0:
            raise NotFound(f"demand {demand_id} does not exist", demand_id=demand_id)
        return demand

    async def read(self, demand_id: str, principal: Principal) -> tuple[Demand, Sight]:
        """The demand as `principal` may see it (NotFound if they may not see it at all)."""
        demand = await self.get(demand_id)
        return demand, self.access.visible(principal, demand)

    # ------------------------------------------------------------------ commands

    async def submit(self, command: SubmitDemand, ctx: CommandContext) -> CommandResult:
        ctx.principal.require_any(COMMAND_ROLES["submit"], "submitting a demand")
        demand = Demand.submit(str(uuid4()), command, requester=ctx.principal.subject, now=ctx.now)
        return await self._save(demand, ctx)

    async def revise_business_case(
        self, demand_id: str, command: ReviseBusinessCase, ctx: CommandContext
    ) -> CommandResult:
        as_reviewer = bool(REVIEWER_ROLES & ctx.principal.roles)
        return await self._handle(
            "revise_business_case", "revising a business case", demand_id, command, ctx,
            lambda d: d.revise_business_case(
                command, ctx.principal.subject, ctx.now, as_reviewer=as_reviewer
            ),
        )  # fmt: skip

    async def request_information(
        self, demand_id: str, command: RequestInformation, ctx: CommandContext
    ) -> CommandResult:
        return await self._handle(
            "request_information", "requesting information", demand_id, command, ctx,
            lambda d: d.request_information(command, ctx.principal.subject, ctx.now),
        )  # fmt: skip

    async def provide_information(
        self, demand_id: str, command: ProvideInformation, ctx: CommandContext
    ) -> CommandResult:
        return await self._handle(
            "provide_information", "providing information", demand_id, command, ctx,
            lambda d: d.provide_information(command, ctx.principal.subject, ctx.now),
        )  # fmt: skip

    async def qualify(
        self, demand_id: str, command: QualifyDemand, ctx: CommandContext
    ) -> CommandResult:
        return await self._handle(
            "qualify", "qualifying a demand", demand_id, command, ctx,
            lambda d: d.qualify(command, self.rules, ctx.principal.subject, ctx.now),
        )  # fmt: skip

    async def reject(
        self, demand_id: str, command: RejectDemand, ctx: CommandContext
    ) -> CommandResult:
        return await self._handle(
            "reject", "rejecting a demand", demand_id, command, ctx,
            lambda d: d.reject(command, ctx.principal.subject, ctx.now),
        )  # fmt: skip

    async def withdraw(
        self, demand_id: str, command: WithdrawDemand, ctx: CommandContext
    ) -> CommandResult:
        as_admin = Role.ADMIN in ctx.principal.roles
        return await self._handle(
            "withdraw", "withdrawing a demand", demand_id, command, ctx,
            lambda d: d.withdraw(command, ctx.principal.subject, ctx.now, as_admin=as_admin),
        )  # fmt: skip

    async def accept(
        self, demand_id: str, command: AcceptDemand, ctx: CommandContext
    ) -> CommandResult:
        return await self._handle(
            "accept", "accepting a demand for the portfolio", demand_id, command, ctx,
            lambda d: d.accept(command, ctx.principal.subject, ctx.now),
        )  # fmt: skip

    # ------------------------------------------------------------------ unit of work

    async def _handle(
        self,
        name: str,
        action: str,
        demand_id: str,
        command: BaseModel,
        ctx: CommandContext,
        decide: Decision,
    ) -> CommandResult:
        ctx.principal.require_any(COMMAND_ROLES[name], action)
        demand, _ = await self.read(demand_id, ctx.principal)
        check_expected_version(demand, ctx, "demand")
        decide(demand)
        return await self._save(demand, ctx)

    async def _save(self, demand: Demand, ctx: CommandContext) -> CommandResult:
        metadata = event_metadata(ctx)
        new_events = [NewEvent(event, metadata, new_event_id()) for event in demand.pending]
        result = await self.store.append(
            Demand.stream_type,
            demand.id,
            demand.version,
            new_events,
            prev_hash=demand.last_hash,
        )
        demand.mark_saved(result.version, result.last_hash)
        assert demand.state is not None
        stored_ids = tuple(e.event_id for e in new_events if e.event_id is not None)
        return CommandResult(demand.id, result.version, demand.state.value, stored_ids)
