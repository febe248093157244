"""Command handlers and reads of resource requests, as CapacityService does for people: authorise
by role → load at the version the caller expects (If-Match) → decide → append at the loaded
version. Who may revise or cancel which request is the aggregate's rule (ResourceRequest)."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import uuid4

from pmo_capacity.application.service import CommandResult
from pmo_capacity.domain import (
    CATALOGUE_ID,
    COMMAND_ROLES,
    READER_ROLES,
    CancelResourceRequest,
    RaiseResourceRequest,
    RequestSource,
    RequestStatus,
    RequiredSkill,
    ResourceRequest,
    ResourceRequestRaised,
    ReviseResourceRequest,
    SkillCatalogue,
)
from pmo_kernel.application import CommandContext, Repository, event_metadata
from pmo_kernel.identity import Principal
from pmo_kernel.store import EventStore
from pmo_kernel.store.event_ids import new_event_id


class ResourceRequestService:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.requests = Repository(store, ResourceRequest, "resource request")
        self.catalogues = Repository(store, SkillCatalogue, "skills catalogue")

    # ------------------------------------------------------------------ reads

    async def request(self, request_id: str, principal: Principal) -> ResourceRequest:
        principal.require_any(READER_ROLES, "reading resource requests")
        return await self.requests.get(request_id)

    async def requests_of(
        self,
        principal: Principal,
        status: RequestStatus | None = None,
        project_id: str | None = None,
    ) -> list[ResourceRequest]:
        """The requests, those of one project only when `project_id` is given (looked up by
        the project, not by folding every request), in order of their ids."""
        principal.require_any(READER_ROLES, "reading resource requests")
        if project_id is None:
            found = await self.requests.load_all()
        else:
            ids = await self.store.stream_ids_with(
                ResourceRequest.stream_type, ResourceRequestRaised.event_type,
                project_id=project_id,
            )  # fmt: skip
            found = [await self.requests.load(request_id) for request_id in ids]
        return [r for r in found if status is None or r.status is status]

    # ------------------------------------------------------------------ commands

    async def raise_request(
        self, command: RaiseResourceRequest, ctx: CommandContext
    ) -> CommandResult:
        ctx.principal.require_any(
            COMMAND_ROLES["raise_resource_request"], "raising a resource request"
        )
        await self._require_known_skills(command.skills, "raising a resource request")
        request = ResourceRequest.raise_request(
            str(uuid4()), command, RequestSource.DIRECT, ctx.principal.subject, ctx.now
        )
        return await self._save(request, ctx)

    async def revise(
        self, request_id: str, command: ReviseResourceRequest, ctx: CommandContext
    ) -> CommandResult:
        ctx.principal.require_any(
            COMMAND_ROLES["revise_resource_request"], "revising a resource request"
        )
        request = await self.requests.get(request_id, ctx)
        if command.skills is not None:
            await self._require_known_skills(command.skills, f"revising request {request_id}")
        request.revise(command, ctx.principal.subject, ctx.principal.roles, ctx.now)
        return await self._save(request, ctx)

    async def cancel(
        self, request_id: str, command: CancelResourceRequest, ctx: CommandContext
    ) -> CommandResult:
        ctx.principal.require_any(
            COMMAND_ROLES["cancel_resource_request"], "cancelling a resource request"
        )
        request = await self.requests.get(request_id, ctx)
        request.cancel(command.reason, ctx.principal.subject, ctx.principal.roles, ctx.now)
        return await self._save(request, ctx)

    async def _require_known_skills(self, skills: Iterable[RequiredSkill], what: str) -> None:
        """The skills must be in the catalogue. The planned-items consumer raises the
        portfolio's requests without this service: they ask for no skill."""
        catalogue = await self.catalogues.load(CATALOGUE_ID)
        catalogue.require_known((s.name for s in skills), what)

    async def _save(self, request: ResourceRequest, ctx: CommandContext) -> CommandResult:
        ids = [new_event_id() for _ in request.pending]
        result = await self.requests.save(request, event_metadata(ctx), ids)
        return CommandResult(request.id, result.version, tuple(ids))
