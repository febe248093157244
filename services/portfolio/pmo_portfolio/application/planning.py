"""Planning handlers: budget envelopes, the roadmap against them, and arbitration.

The roadmap is computed, never stored: every approved, planned item against each year's open
envelope, as the streams stand when asked. Planning an item that pushes a year past its envelope
records the arbitration request in the same transaction as the plan, so the over-commitment can
never be on record without the request that deals with it.

A year has one open envelope: opening one claims the year (`BudgetYear`, one stream per year) in
the same transaction as the opening, at the version the claim was loaded at, so of two envelopes
opened for one year at the same moment the second fails on the claim stream (409) and writes
nothing; closing it releases the year in the same transaction as the closing.
"""

from __future__ import annotations

from collections.abc import Iterable

from pmo_kernel.application import CommandContext
from pmo_kernel.errors import InvalidTransition
from pmo_kernel.events import utcnow
from pmo_portfolio.application.base import MANAGE, Accepted, ServiceBase
from pmo_portfolio.application.commands import CloseEnvelope, OpenEnvelope, PlanItem, ReviseEnvelope
from pmo_portfolio.domain.governance import ItemState
from pmo_portfolio.domain.governance.item import PortfolioItem
from pmo_portfolio.domain.planning import (
    BudgetEnvelope,
    PlannedItem,
    Roadmap,
    arbitration_case,
    budget_year_id,
    build_roadmap,
    envelopes_by_year,
)


def on_roadmap(items: Iterable[PortfolioItem]) -> list[PlannedItem]:
    """The approved items that have a plan."""
    return [
        PlannedItem.from_item(item)
        for item in items
        if item.state is ItemState.APPROVED and item.start_quarter is not None
    ]


class PlanningHandlers(ServiceBase):
    # ---------------------------------------------------------------- queries

    async def open_envelopes(self) -> dict[int, BudgetEnvelope]:
        """Each year's open envelope (two open for one year are refused by `envelopes_by_year`)."""
        envelopes = await self.envelopes.load_all()
        envelopes_by_year(envelopes)
        return {e.year: e for e in envelopes if not e.closed}

    async def open_envelope_of(self, year: int) -> BudgetEnvelope | None:
        """The year's open envelope, through the year's claim: one or two streams read, however
        many envelopes there are. A year never claimed may still hold an envelope opened
        before claims existed; only then are the envelopes looked through."""
        claim = await self.budget_years.load(budget_year_id(year))
        if claim.holder is not None:
            return await self.envelopes.get(claim.holder)
        if claim.version > 0:
            # Claimed and released since: a pre-claim envelope of the year was closed before
            # any claim could be taken (opening refuses a year whose envelope is open).
            return None
        return (await self.open_envelopes()).get(year)

    async def roadmap(self) -> tuple[Roadmap, dict[int, BudgetEnvelope]]:
        """The roadmap now, with the open envelopes it was measured against."""
        items, envelopes = await self.items.load_all(), await self.open_envelopes()
        budgets = {year: envelope.amount for year, envelope in envelopes.items()}
        return build_roadmap(on_roadmap(items), budgets), envelopes

    # ---------------------------------------------------------------- envelopes

    async def open_envelope(self, cmd: OpenEnvelope, ctx: CommandContext) -> Accepted:
        """Open the envelope and claim its year, together: all or nothing."""
        ctx.principal.require_any(MANAGE, "opening a budget envelope")
        await self._fresh(self.envelopes, cmd.envelope_id)
        # The claim is loaded first: whoever claims the year after this read makes our append
        # of the claim fail with a version conflict, whatever the checks below saw.
        claim = await self.budget_years.load(budget_year_id(cmd.year))
        # Envelopes opened before claims existed hold their year without a claim stream, so the
        # open envelopes of the year are still looked at: an unclaimed year whose pre-claim
        # envelope is open is refused too. This check alone is not safe under concurrent
        # openings; the claim is.
        taken = (
            await self.envelopes.get(claim.holder)
            if claim.holder is not None
            else await self.open_envelope_of(cmd.year)
        )
        if taken is not None:
            raise InvalidTransition(
                f"budget envelope {cmd.envelope_id} cannot be opened: {cmd.year} already has the "
                f"open envelope {taken.id}; revise it, or close it first",
                year=cmd.year,
                envelope_id=taken.id,
            )
        envelope = BudgetEnvelope.open(
            cmd.envelope_id, year=cmd.year, amount=cmd.amount, description=cmd.description,
            actor_id=ctx.principal.subject, now=ctx.now,
        )  # fmt: skip
        claim.claim(envelope.id, actor_id=ctx.principal.subject, now=ctx.now)
        await self._save_together(ctx, (self.envelopes, envelope), (self.budget_years, claim))
        return Accepted(envelope.id, envelope.version, {"year": cmd.year, "envelope_version": 1})

    async def revise_envelope(
        self, envelope_id: str, cmd: ReviseEnvelope, ctx: CommandContext
    ) -> Accepted:
        ctx.principal.require_any(MANAGE, "revising a budget envelope")
        envelope = await self.envelopes.get(envelope_id, ctx)
        envelope.revise(cmd.amount, cmd.reason, actor_id=ctx.principal.subject, now=ctx.now)
        return await self._save(self.envelopes, envelope, ctx,
                                envelope_version=envelope.envelope_version)  # fmt: skip

    async def close_envelope(
        self, envelope_id: str, cmd: CloseEnvelope, ctx: CommandContext
    ) -> Accepted:
        """Close the envelope and release its year, together, so a new envelope may claim it."""
        ctx.principal.require_any(MANAGE, "closing a budget envelope")
        envelope = await self.envelopes.get(envelope_id, ctx)
        envelope.close(actor_id=ctx.principal.subject, reason=cmd.reason, now=ctx.now)
        claim = await self.budget_years.load(budget_year_id(envelope.year))
        details = {"envelope_version": envelope.envelope_version}
        if claim.holder != envelope.id:
            # Opened before claims existed: the year has no claim of this envelope to release.
            return await self._save(self.envelopes, envelope, ctx, **details)
        claim.release(envelope.id, actor_id=ctx.principal.subject, now=ctx.now)
        await self._save_together(ctx, (self.envelopes, envelope), (self.budget_years, claim))
        return Accepted(envelope.id, envelope.version, details)

    async def request_arbitration(self, envelope_id: str, ctx: CommandContext) -> Accepted:
        """Send the envelope's year to arbitration with the figures of the roadmap right now."""
        ctx.principal.require_any(MANAGE, "requesting an arbitration")
        envelope = await self.envelopes.get(envelope_id, ctx)
        if envelope.closed:
            raise InvalidTransition(
                f"arbitration cannot be requested on budget envelope {envelope_id}: it is closed",
                envelope_id=envelope_id,
                state="closed",
            )
        roadmap, _ = await self.roadmap()
        case = arbitration_case(envelope.year, roadmap)
        envelope.request_arbitration(case.committed, case.over_by, case.item_ids,
                                     actor_id=ctx.principal.subject, now=ctx.now)  # fmt: skip
        return await self._save(
            self.envelopes, envelope, ctx, year=case.year, item_ids=list(case.item_ids),
            over_by=case.over_by.model_dump(mode="json"),
        )  # fmt: skip

    # ---------------------------------------------------------------- items

    async def plan_item(self, item_id: str, cmd: PlanItem, ctx: CommandContext) -> Accepted:
        """Plan the item; each year it costs money in whose open envelope it then overruns goes
        to arbitration (again, if it already was: the figures and the items at stake changed)."""
        ctx.principal.require_any(MANAGE, "planning an item on the roadmap")
        item = await self.items.get(item_id, ctx)
        now = ctx.now or utcnow()
        item.plan(cmd.start_quarter, cmd.end_quarter, cmd.cost_per_year,
                  actor_id=ctx.principal.subject, now=now)  # fmt: skip
        others = [other for other in await self.items.load_all() if other.id != item.id]
        # Only the years the item costs money in can go to arbitration because of it.
        envelopes = {
            year: envelope
            for year in sorted(item.cost_per_year)
            if (envelope := await self.open_envelope_of(year)) is not None
        }
        budgets = {year: envelope.amount for year, envelope in envelopes.items()}
        roadmap = build_roadmap(on_roadmap([*others, item]), budgets)
        flagged: list[BudgetEnvelope] = []
        for year in roadmap.arbitration_needed:
            cost = item.cost_per_year.get(year)
            if cost is None or cost.amount <= 0:
                continue
            case = arbitration_case(year, roadmap)
            envelope = envelopes[year]
            envelope.request_arbitration(case.committed, case.over_by, case.item_ids,
                                         actor_id=ctx.principal.subject, now=now)  # fmt: skip
            flagged.append(envelope)
        await self._save_together(
            ctx, (self.items, item), *((self.envelopes, envelope) for envelope in flagged)
        )
        return Accepted(item.id, item.version, {
            "arbitration_requested": [envelope.year for envelope in flagged],
            "arbitration_envelopes": [envelope.id for envelope in flagged],
        })  # fmt: skip


__all__ = ["PlanningHandlers", "on_roadmap"]
