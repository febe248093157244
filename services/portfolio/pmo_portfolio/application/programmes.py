"""Programme handlers: establish a programme, and make a portfolio item part of one."""

from __future__ import annotations

from pmo_kernel.application import CommandContext
from pmo_portfolio.application.base import MANAGE, Accepted, ServiceBase
from pmo_portfolio.application.commands import AssignToProgramme, EstablishProgramme
from pmo_portfolio.domain.governance.item import PortfolioItem
from pmo_portfolio.domain.programmes import Programme


class ProgrammeHandlers(ServiceBase):
    async def establish_programme(self, cmd: EstablishProgramme, ctx: CommandContext) -> Accepted:
        ctx.principal.require_any(MANAGE, "establishing a programme")
        await self._fresh(self.programmes, cmd.programme_id)
        programme = Programme.establish(
            cmd.programme_id, name=cmd.name, description=cmd.description, sponsor=cmd.sponsor,
            actor_id=ctx.principal.subject, now=ctx.now,
        )  # fmt: skip
        return await self._save(self.programmes, programme, ctx)

    async def assign_to_programme(
        self, item_id: str, cmd: AssignToProgramme, ctx: CommandContext
    ) -> Accepted:
        ctx.principal.require_any(MANAGE, "assigning an item to a programme")
        programme = await self.programmes.get(cmd.programme_id)
        item = await self._item_for(item_id, ctx)
        previous = item.programme_id
        item.assign_to_programme(programme.id, actor_id=ctx.principal.subject, now=ctx.now)
        return await self._save(self.items, item, ctx, programme_id=programme.id,
                                previous_programme_id=previous)  # fmt: skip

    async def programme_items(self, programme_id: str) -> list[str]:
        """The ids of the items in the programme now: of the items ever assigned to it, those
        that have not moved on to another."""
        ever = await self.store.stream_ids_with(
            PortfolioItem.stream_type, "ItemAssignedToProgramme", programme_id=programme_id
        )
        items = [await self.items.load(item_id) for item_id in ever]
        return sorted(item.id for item in items if item.programme_id == programme_id)


__all__ = ["ProgrammeHandlers"]
