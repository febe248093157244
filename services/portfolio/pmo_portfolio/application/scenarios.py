"""Scenario handlers: solve and save a what-if, archive it, and adopt it in a committee meeting.

A scenario is solved when it is saved and never again: the event keeps the inputs and the
answer, so what a committee adopted is what it was shown, however the portfolio moved since.
Its capacity is typed in, or (`capacity_from: capacity_service`) the capacity service's picture
as the portfolio's capacity feed holds it, kept with the capacity version it was folded at.
An infeasible problem saves nothing. The adoption is one fact on two streams, the meeting's
minutes and the scenario, appended together.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from pmo_kernel.application import CommandContext
from pmo_kernel.errors import DomainError, NotFound
from pmo_kernel.events import utcnow
from pmo_portfolio.application.base import DECIDE, MANAGE, Accepted, ServiceBase
from pmo_portfolio.application.commands import (
    AdoptScenario,
    ArchiveScenario,
    FromPortfolio,
    SaveScenario,
)
from pmo_portfolio.application.selection import (
    Explanation,
    PortfolioCandidates,
    demand_by_role,
    explain,
    portfolio_candidates,
    problem_of,
    result_of,
    roles_and_quarters,
)
from pmo_portfolio.capacity.picture import CapacityPicture, picture
from pmo_portfolio.domain.governance import DEFAULT_RULE_SET_ID, check_scenario_adoption, validated
from pmo_portfolio.domain.governance.item import PortfolioItem
from pmo_portfolio.domain.governance.quarters import quarter_key
from pmo_portfolio.domain.planning import Comparison, Scenario, ScenarioInputs, compare
from pmo_portfolio.domain.planning.events import ScenarioCandidate
from pmo_portfolio.domain.scoring.model import ScoringModelVersion
from pmo_portfolio.optimization import optimise
from pmo_portfolio.optimization.frontier import LEVELS

SOLVE_TIME_LIMIT = 30.0  # seconds for the selection saved with the scenario
FRONTIER_TIME_LIMIT = 5.0  # seconds per frontier level, when a scenario is shown
EXPLANATIONS_KEPT = 64


class ScenarioHandlers(ServiceBase):
    solve_time_limit = SOLVE_TIME_LIMIT
    frontier_time_limit = FRONTIER_TIME_LIMIT
    frontier_levels = LEVELS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A saved scenario's inputs and selection never change, so neither does its
        # explanation: solving the frontier again on every read would only cost CPU.
        self._explanations: OrderedDict[str, Explanation] = OrderedDict()

    # ---------------------------------------------------------------- commands

    async def save_scenario(self, cmd: SaveScenario, ctx: CommandContext) -> Accepted:
        ctx.principal.require_any(MANAGE, "saving a scenario")
        await self._fresh(self.scenarios, cmd.scenario_id)
        context = f"scenario {cmd.scenario_id} cannot be saved"
        source = cmd.portfolio_source
        from_capacity = cmd.inputs.capacity_from == "capacity_service"
        capacity: Mapping[str, Mapping[str, Decimal]] = cmd.inputs.capacity
        capacity_version: int | None = None
        if source is None:
            chosen = PortfolioCandidates(tuple(cmd.inputs.candidates or ()), {})
            if from_capacity:
                demands = [c.demand_by_role_period for c in chosen.candidates]
                known = await self._capacity_picture(demands, chosen.candidates, context)
                capacity, capacity_version = known.free_person_days, known.version
        else:
            model, items, unscored = await self._portfolio_items(source, cmd)
            if from_capacity:
                known = await self._capacity_picture(
                    [demand_by_role(item) for item in items], items, context
                )
                capacity, capacity_version = known.free_person_days, known.version
            chosen = portfolio_candidates(
                items, model, budgets=cmd.inputs.budgets, currency=cmd.inputs.currency.upper(),
                capacity=capacity, unscored=unscored, by_role=from_capacity,
            )  # fmt: skip
        if from_capacity:
            capacity = demanded_capacity(capacity, chosen.candidates)
        inputs = validated(
            ScenarioInputs, context, candidates=chosen.candidates, budgets=cmd.inputs.budgets,
            currency=cmd.inputs.currency, capacity=capacity, capacity_version=capacity_version,
            dependencies=cmd.inputs.dependencies, exclusions=cmd.inputs.exclusions,
        )  # fmt: skip
        problem = problem_of(inputs, context)
        # HiGHS holds the CPU for up to the time limit: off the event loop, so the service
        # keeps answering meanwhile. InfeasibleSelection (422) propagates: nothing is saved.
        selection = await asyncio.to_thread(
            optimise, problem, time_limit=self.solve_time_limit, frontier_levels=0
        )
        now = ctx.now or utcnow()
        scenario = Scenario.save(
            cmd.scenario_id, name=cmd.name, description=cmd.description, inputs=inputs,
            result=result_of(selection, now), actor_id=ctx.principal.subject, now=now,
        )  # fmt: skip
        result = scenario.result
        return await self._save(
            self.scenarios, scenario, ctx, selected=list(result.selected),
            total_value=str(result.total_value), optimal=result.optimal,
            skipped=sorted(chosen.skipped), skipped_reasons=chosen.skipped,
            capacity_version=capacity_version,
        )  # fmt: skip

    async def archive_scenario(
        self, scenario_id: str, cmd: ArchiveScenario, ctx: CommandContext
    ) -> Accepted:
        ctx.principal.require_any(MANAGE, "archiving a scenario")
        scenario = await self.scenarios.get(scenario_id, ctx)
        scenario.archive(actor_id=ctx.principal.subject, reason=cmd.reason, now=ctx.now)
        return await self._save(self.scenarios, scenario, ctx)

    async def adopt_scenario(
        self, meeting_id: str, cmd: AdoptScenario, ctx: CommandContext
    ) -> Accepted:
        """The meeting's body funds the scenario's selection: minuted, and the scenario adopted."""
        ctx.principal.require_any(DECIDE, "adopting a scenario")
        meeting = await self.meetings.get(meeting_id, ctx)
        if meeting.body_id is None:
            raise NotFound(f"meeting {meeting_id} has no body")
        body = await self.bodies.get(meeting.body_id)
        scenario = await self.scenarios.get(cmd.scenario_id)
        decision_id, now = str(uuid.uuid4()), ctx.now or utcnow()
        meeting.record_scenario_adoption(
            decision_id, scenario.id, body_id=body.id, participants=cmd.participants,
            rationale=cmd.rationale, selected=scenario.result.selected, decided_at=now,
        )  # fmt: skip
        rule_set = await self.rules.load(DEFAULT_RULE_SET_ID)
        check_scenario_adoption(body, scenario.id, participants=cmd.participants,
                                funding_gate=rule_set.gate_scheme.planning_gate)  # fmt: skip
        scenario.adopt(decision_id, meeting.id, body.id, actor_id=ctx.principal.subject, now=now)
        await self._save_together(ctx, (self.meetings, meeting), (self.scenarios, scenario))
        return Accepted(meeting.id, meeting.version, {
            "decision_id": decision_id, "scenario_id": scenario.id,
            "scenario_version": scenario.version, "selected": list(scenario.result.selected),
        })  # fmt: skip

    # ---------------------------------------------------------------- queries

    async def explanation(self, scenario: Scenario) -> Explanation:
        known = self._explanations.get(scenario.id)
        if known is None:
            known = await asyncio.to_thread(
                explain, scenario.inputs, scenario.result.selected,
                levels=self.frontier_levels, time_limit=self.frontier_time_limit,
            )  # fmt: skip
            self._explanations[scenario.id] = known
            while len(self._explanations) > EXPLANATIONS_KEPT:
                self._explanations.popitem(last=False)
        return known

    async def comparison(self, scenario_ids: list[str]) -> Comparison:
        return compare([await self.scenarios.get(scenario_id) for scenario_id in scenario_ids])

    # ---------------------------------------------------------------- helpers

    async def _portfolio_items(
        self, source: FromPortfolio, cmd: SaveScenario
    ) -> tuple[ScoringModelVersion, list[PortfolioItem], list[str]]:
        """The scoring model, the items to build candidates from, and the ids of the items
        known never to have been scored with the model (left unread)."""
        model = (await self.models.get(source.scoring_model_id)).for_scoring()
        if source.item_ids is None:
            # Every item of the portfolio is a candidate, but only those scored with the model
            # can be valued: those are folded; the others are skipped by id, unread.
            scored = await self.store.stream_ids_with(
                PortfolioItem.stream_type, "ItemScored", model_id=source.scoring_model_id
            )
            items = [await self.items.load(item_id) for item_id in scored]
            registered = await self.store.stream_ids_with(
                PortfolioItem.stream_type, "CandidateRegistered"
            )
            return model, items, sorted(set(registered) - set(scored))
        # Only the items named: their streams, not the whole portfolio's.
        items = [await self.items.load(item_id) for item_id in sorted(set(source.item_ids))]
        unknown = [item.id for item in items if item.version == 0]
        if unknown:
            raise NotFound(
                f"scenario {cmd.scenario_id} cannot be saved: no portfolio item "
                f"{', '.join(unknown)}",
                item_ids=unknown,
            )
        return model, items, []

    async def _capacity_picture(
        self,
        demands: Iterable[Mapping[str, Mapping[str, Decimal]]],
        candidates: Iterable[PortfolioItem | ScenarioCandidate],
        context: str,
    ) -> CapacityPicture:
        """The capacity service's free person-days for every role and quarter demanded. The
        candidates' own allocations are not counted as used: their demand is what is weighed."""
        roles, quarters = roles_and_quarters(demands)
        for quarter in sorted(quarters):
            quarter_key(quarter, context)
        facts = await self.capacity.facts(quarters)
        if facts.version is None:
            raise DomainError(
                f"{context}: the portfolio has received no capacity event yet, so the capacity "
                "service's picture is empty; give the capacity instead",
            )
        ids = frozenset(candidate.id for candidate in candidates)
        return picture(facts, quarters, roles=roles, ignoring_projects=ids)


def demanded_capacity(
    capacity: Mapping[str, Mapping[str, Decimal]], candidates: Iterable[ScenarioCandidate]
) -> dict[str, dict[str, Decimal]]:
    """`capacity` for the roles and periods some candidate demands, and those only."""
    kept: dict[str, dict[str, Decimal]] = {}
    for candidate in candidates:
        for role, periods in candidate.demand_by_role_period.items():
            for period in periods:
                kept.setdefault(role, {})[period] = capacity[role][period]
    return {role: dict(sorted(periods.items())) for role, periods in sorted(kept.items())}


__all__ = ["ScenarioHandlers", "demanded_capacity"]
