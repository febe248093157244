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

from pmo_demand.application.idempotency import (
    demand_id_for,
    event_id_for,
    fingerprint,
    scoped_key,
)
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
from pmo_kernel.application import CommandContext, check_expected_version, event_metadata
from pmo_kernel.errors import IdempotencyKeyReused, NotFound
from pmo_kernel.identity import Role
from pmo_kernel.store import EventStore, NewEvent


@dataclass(frozen=True)
class CommandResult:
    demand_id: str
    version: int
    state: str
    event_ids: tuple[UUID, ...]
    replayed: bool = False  # an earlier identical request's outcome, returned again


Decision = Callable[[Demand], None]


class DemandService:
    def __init__(self, store: EventStore, rules: GovernanceRules) -> None:
        self.store = store
        self.rules = rules

    async def get(self, demand_id: str) -> Demand:
        demand = Demand.load(demand_id, await self.store.read_stream(demand_id))
        if demand.version == 0:
            raise NotFound(f"demand {demand_id} does not exist", demand_id=demand_id)
        return demand

    # ------------------------------------------------------------------ commands

    async def submit(self, command: SubmitDemand, ctx: CommandContext) -> CommandResult:
        ctx.principal.require_any(COMMAND_ROLES["submit"], "submitting a demand")
        scoped = scoped_key(ctx.principal, ctx.idempotency_key) if ctx.idempotency_key else None
        demand_id = demand_id_for(scoped) if scoped else str(uuid4())
        request = fingerprint("submit", "", command.model_dump(mode="json"))
        if scoped:
            replay = await self._replay(scoped, demand_id, request)
            if replay is not None:
                return replay
        demand = Demand.submit(demand_id, command, requester=ctx.principal.subject, now=ctx.now)
        return await self._save(demand, ctx, scoped, request)

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
        scoped = scoped_key(ctx.principal, ctx.idempotency_key) if ctx.idempotency_key else None
        request = fingerprint(name, demand_id, command.model_dump(mode="json"))
        if scoped:
            replay = await self._replay(scoped, demand_id, request)
            if replay is not None:
                return replay
        demand = await self.get(demand_id)
        check_expected_version(demand, ctx, "demand")
        decide(demand)
        return await self._save(demand, ctx, scoped, request)

    async def _save(
        self, demand: Demand, ctx: CommandContext, scoped: str | None, request: str
    ) -> CommandResult:
        metadata = event_metadata(ctx, request_fingerprint=request if scoped else None)
        pending = demand.pending
        new_events = [
            NewEvent(
                event,
                metadata,
                event_id_for(scoped, demand.id, index) if scoped else None,
            )
            for index, event in enumerate(pending)
        ]
        result = await self.store.append(
            Demand.stream_type,
            demand.id,
            demand.version,
            new_events,
            prev_hash=demand.last_hash,
        )
        if result.duplicate and scoped:
            # A concurrent twin of this very request got there first: same outcome.
            replay = await self._replay(scoped, demand.id, request)
            if replay is not None:
                return replay
        demand.mark_saved(result.version, result.last_hash)
        assert demand.state is not None
        stored_ids = tuple(e.event_id or uuid4() for e in new_events)
        return CommandResult(demand.id, result.version, demand.state.value, stored_ids)

    async def _replay(self, scoped: str, demand_id: str, request: str) -> CommandResult | None:
        """The outcome of an earlier request with this key, or None if there was none."""
        first = await self.store.get_event(event_id_for(scoped, demand_id, 0))
        if first is None:
            return None
        if first.metadata.request_fingerprint != request:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used for a different request",
                demand_id=demand_id,
            )
        history = await self.store.read_stream(demand_id)
        ids = []
        version = first.stream_version
        for recorded in history:
            if recorded.stream_version >= first.stream_version:
                if recorded.metadata.request_fingerprint != request:
                    break
                ids.append(recorded.event_id)
                version = recorded.stream_version
        demand = Demand.load(demand_id, [r for r in history if r.stream_version <= version])
        assert demand.state is not None
        return CommandResult(demand_id, version, demand.state.value, tuple(ids), replayed=True)
