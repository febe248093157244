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
from pmo_kernel.errors import ConcurrencyError, InvalidTransition
from pmo_kernel.events import utcnow
from pmo_portfolio.application.base import MANAGE, Accepted, ServiceBase
from pmo_portfolio.application.commands import CloseEnvelope, OpenEnvelope, PlanItem, ReviseEnvelope
from pmo_portfolio.domain.governance import ItemState
from pmo_portfolio.domain.governance.item import PortfolioItem
from pmo_portfolio.domain.governance.quarters import quarter_key
from pmo_portfolio.domain.planning import (
    BudgetEnvelope,
    BudgetYear,
    PlannedItem,
    Roadmap,
    arbitration_case,
    budget_year_id,
    build_roadmap,
    envelopes_by_year,
)
from pmo_portfolio.domain.planning.roadmap_index import ROADMAP_INDEX_ID


def on_roadmap(items: Iterable[PortfolioItem]) -> list[PlannedItem]:
    """The approved items that have a plan."""
    return [planned for item in items if (planned := roadmap_entry(item)) is not None]


def roadmap_entry(item: PortfolioItem) -> PlannedItem | None:
    """The item as the roadmap sees it, if it is on it (approved and planned)."""
    if item.state is not ItemState.APPROVED or item.start_quarter is None:
        return None
    return PlannedItem.from_item(item)


def years_of(planned: PlannedItem) -> set[int]:
    """The budget years a plan commits: those it runs in and those it costs money in."""
    first = quarter_key(planned.start_quarter)[0]
    last = quarter_key(planned.end_quarter)[0]
    return set(range(first, last + 1)) | set(planned.cost_per_year)


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
        """The roadmap now, with the open envelopes it was measured against: from the budget
        years' commitments (a stream per year), or, until the roadmap is indexed by year, from
        every item."""
        envelopes = await self.open_envelopes()
        budgets = {year: envelope.amount for year, envelope in envelopes.items()}
        if not (await self.roadmap_index.load(ROADMAP_INDEX_ID)).indexed:
            return build_roadmap(on_roadmap(await self.items.load_all()), budgets), envelopes
        planned = {
            item_id: entry
            for year in await self.budget_years.load_all()
            for item_id, entry in year.commitments.items()
        }
        return build_roadmap(planned.values(), budgets), envelopes

    # ---------------------------------------------------------------- the roadmap by year

    async def index_roadmap(self, ctx: CommandContext) -> None:
        """Commit every item planned before the budget years held commitments, once: the one
        command that still reads every item (a second one at the same moment meets a version
        conflict on the index and leaves it to the first)."""
        index = await self.roadmap_index.load(ROADMAP_INDEX_ID)
        if index.indexed:
            return
        planned = on_roadmap(await self.items.load_all())
        years: dict[int, BudgetYear] = {}
        for entry in planned:
            for year in years_of(entry):
                if year not in years:
                    years[year] = await self.budget_years.load(budget_year_id(year))
                years[year].commit(entry, actor_id=ctx.principal.subject, now=ctx.now)
        index.index(sorted(years), len(planned), actor_id=ctx.principal.subject, now=ctx.now)
        try:
            await self._save_together(
                ctx, (self.roadmap_index, index), *((self.budget_years, y) for y in years.values())
            )
        except ConcurrencyError:
            if not (await self.roadmap_index.load(ROADMAP_INDEX_ID)).indexed:
                raise  # a year moved on meanwhile: the command is refused, to be sent again

    async def move_on_roadmap(
        self, before: PlannedItem | None, after: PlannedItem | None, item_id: str, reason: str,
        ctx: CommandContext,
    ) -> dict[int, BudgetYear]:  # fmt: skip
        """The budget years an item's change of plan or state touches, their commitments
        updated (saved by the caller with the item); none if its place did not change."""
        if before == after:
            return {}
        await self.index_roadmap(ctx)
        touched = (years_of(before) if before else set()) | (years_of(after) if after else set())
        years = {}
        for year in sorted(touched):
            budget_year = await self.budget_years.load(budget_year_id(year))
            if after is not None and year in years_of(after):
                budget_year.commit(after, actor_id=ctx.principal.subject, now=ctx.now)
            else:
                budget_year.withdraw(item_id, reason, actor_id=ctx.principal.subject, now=ctx.now)
            years[year] = budget_year
        return years

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
        item = await self._item_for(item_id, ctx)
        now = ctx.now or utcnow()
        before = roadmap_entry(item)
        item.plan(cmd.start_quarter, cmd.end_quarter, cmd.cost_per_year,
                  actor_id=ctx.principal.subject, now=now)  # fmt: skip
        after = roadmap_entry(item)
        assert after is not None  # only approved items are planned
        years = await self.move_on_roadmap(before, after, item.id, "planned elsewhere",
                                           ctx)  # fmt: skip
        flagged: list[BudgetEnvelope] = []
        # Only the years the item costs money in can go to arbitration because of it, each
        # measured from its own budget-year stream.
        for year, cost in sorted(item.cost_per_year.items()):
            envelope = await self.open_envelope_of(year) if cost.amount > 0 else None
            if envelope is None:
                continue
            budget_year = years.get(year) or await self.budget_years.load(budget_year_id(year))
            roadmap = build_roadmap(budget_year.commitments.values(), {year: envelope.amount})
            if year not in roadmap.arbitration_needed:
                continue
            case = arbitration_case(year, roadmap)
            envelope.request_arbitration(case.committed, case.over_by, case.item_ids,
                                         actor_id=ctx.principal.subject, now=now)  # fmt: skip
            flagged.append(envelope)
        await self._save_together(
            ctx, (self.items, item), *((self.budget_years, y) for y in years.values()),
            *((self.envelopes, envelope) for envelope in flagged),
        )  # fmt: skip
        return Accepted(item.id, item.version, {
            "arbitration_requested": [envelope.year for envelope in flagged],
            "arbitration_envelopes": [envelope.id for envelope in flagged],
        })  # fmt: skip


__all__ = ["PlanningHandlers", "on_roadmap"]
