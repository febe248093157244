"""Portfolio command handlers: authorise → load → check the expected version → decide → append.

Scoring and governance live here; planning, scenarios and programmes in their own modules, all
combined into `PortfolioService`. A decision is one fact on two aggregates, the meeting (its
minutes) and the item (its gate): both are appended in one transaction, with the inputs the
decision was based on frozen in it, the budget envelope's version among them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pmo_kernel.application import CommandContext, check_expected_version, event_metadata
from pmo_kernel.errors import InvalidTransition, NotFound
from pmo_kernel.events import utcnow
from pmo_portfolio.application.base import DECIDE, EVALUATE, MANAGE, Accepted
from pmo_portfolio.application.commands import (
    AddAgendaItem,
    AddMember,
    CreateScoringModel,
    EstablishBody,
    GrantRight,
    PublishRoutingRules,
    RetireScoringModel,
    ReviseScoringModelDraft,
    RevokeRight,
    ScheduleMeeting,
    ScoreItem,
    TakeDecision,
)
from pmo_portfolio.application.delivery import DeliveryHandlers
from pmo_portfolio.application.planning import PlanningHandlers, roadmap_entry
from pmo_portfolio.application.programmes import ProgrammeHandlers
from pmo_portfolio.application.scenarios import ScenarioHandlers
from pmo_portfolio.domain.governance import DEFAULT_ROUTING_RULES, RoutingRule
from pmo_portfolio.domain.governance.bodies import GovernanceBody
from pmo_portfolio.domain.governance.decisions import GateApprovals, decide, gate_approvals
from pmo_portfolio.domain.governance.item import PortfolioItem
from pmo_portfolio.domain.governance.meeting import Meeting
from pmo_portfolio.domain.governance.quarters import quarter_key
from pmo_portfolio.domain.governance.routing import DEFAULT_RULE_SET_ID
from pmo_portfolio.domain.planning import BudgetEnvelope
from pmo_portfolio.domain.scoring import (
    ItemScored,
    ItemScores,
    ScoringModel,
    ScoringModelVersion,
    consolidate,
    score_item,
    scores_of,
)

_DEFAULT_RULES_EVENT = uuid.UUID("0b7d8f2e-5a43-4c1e-9d6b-6a0e2f1c9a01")


class PortfolioService(PlanningHandlers, ScenarioHandlers, ProgrammeHandlers, DeliveryHandlers):
    # ---------------------------------------------------------------- scoring models

    async def create_scoring_model(self, cmd: CreateScoringModel, ctx: CommandContext) -> Accepted:
        ctx.principal.require_any(MANAGE, "creating a scoring model")
        await self._fresh(self.models, cmd.model_id)
        model = ScoringModel.create(
            cmd.model_id, cmd.name, cmd.kind, cmd.criteria, ctx.principal.subject, ctx.now
        )
        return await self._save(self.models, model, ctx)

    async def revise_scoring_model(
        self, model_id: str, cmd: ReviseScoringModelDraft, ctx: CommandContext
    ) -> Accepted:
        ctx.principal.require_any(MANAGE, "revising a scoring model")
        model = await self.models.get(model_id, ctx)
        model.revise_draft(cmd.criteria, ctx.principal.subject, ctx.now)
        return await self._save(self.models, model, ctx)

    async def publish_scoring_model(self, model_id: str, ctx: CommandContext) -> Accepted:
        ctx.principal.require_any(MANAGE, "publishing a scoring model")
        model = await self.models.get(model_id, ctx)
        model.publish(ctx.principal.subject, ctx.now)
        return await self._save(self.models, model, ctx, model_version=model.latest_version)

    async def retire_scoring_model(
        self, model_id: str, cmd: RetireScoringModel, ctx: CommandContext
    ) -> Accepted:
        ctx.principal.require_any(MANAGE, "retiring a scoring model")
        model = await self.models.get(model_id, ctx)
        model.retire(ctx.principal.subject, cmd.reason, ctx.now)
        return await self._save(self.models, model, ctx)

    # ---------------------------------------------------------------- items

    async def score_item(self, item_id: str, cmd: ScoreItem, ctx: CommandContext) -> Accepted:
        """The caller is the evaluator; a re-score is a new event, the old one stays."""
        ctx.principal.require_any(EVALUATE, "scoring a portfolio item")
        model = (await self.models.get(cmd.model_id)).for_scoring()
        item = await self._item_for(item_id, ctx)
        item.record_score(
            score_item(
                model,
                item_id=item_id,
                evaluator_id=ctx.principal.subject,
                scores=cmd.scores,
                justifications=cmd.justifications,
                scored_at=ctx.now,
            )
        )
        return await self._save(self.items, item, ctx, model_version=model.version)

    # ---------------------------------------------------------------- governance bodies

    async def establish_body(self, cmd: EstablishBody, ctx: CommandContext) -> Accepted:
        ctx.principal.require_any(MANAGE, "establishing a governance body")
        await self._fresh(self.bodies, cmd.body_id)
        body = GovernanceBody.establish(
            cmd.body_id, kind=cmd.kind, name=cmd.name, actor_id=ctx.principal.subject, now=ctx.now
        )
        return await self._save(self.bodies, body, ctx)

    async def add_member(self, body_id: str, cmd: AddMember, ctx: CommandContext) -> Accepted:
        ctx.principal.require_any(MANAGE, "changing a body's members")
        body = await self.bodies.get(body_id, ctx)
        body.add_member(cmd.person_id, cmd.role, actor_id=ctx.principal.subject, now=ctx.now)
        return await self._save(self.bodies, body, ctx)

    async def remove_member(self, body_id: str, person_id: str, ctx: CommandContext) -> Accepted:
        ctx.principal.require_any(MANAGE, "changing a body's members")
        body = await self.bodies.get(body_id, ctx)
        body.remove_member(person_id, actor_id=ctx.principal.subject, now=ctx.now)
        return await self._save(self.bodies, body, ctx)

    async def grant_right(self, body_id: str, cmd: GrantRight, ctx: CommandContext) -> Accepted:
        ctx.principal.require_any(MANAGE, "granting decision rights")
        body = await self.bodies.get(body_id, ctx)
        # A gate of the scheme in force, or of an earlier one its items were registered with
        gates = (await self.rules.load(DEFAULT_RULE_SET_ID)).scheme_knowing(cmd.gate)
        body.grant_right(cmd.gate, cmd.outcomes, actor_id=ctx.principal.subject, gates=gates,
                         now=ctx.now)  # fmt: skip
        return await self._save(self.bodies, body, ctx)

    async def revoke_right(self, body_id: str, cmd: RevokeRight, ctx: CommandContext) -> Accepted:
        ctx.principal.require_any(MANAGE, "revoking decision rights")
        body = await self.bodies.get(body_id, ctx)
        body.revoke_right(cmd.gate, cmd.outcomes, actor_id=ctx.principal.subject, now=ctx.now)
        return await self._save(self.bodies, body, ctx)

    # ---------------------------------------------------------------- routing rules

    async def publish_routing_rules(
        self, cmd: PublishRoutingRules, ctx: CommandContext
    ) -> Accepted:
        ctx.principal.require_any(MANAGE, "publishing routing rules")
        rule_set = await self.rules.load(DEFAULT_RULE_SET_ID)
        check_expected_version(rule_set, ctx, "routing rule set")
        published = rule_set.publish_version(
            cmd.rules, actor_id=ctx.principal.subject, exchange_rates=cmd.exchange_rates,
            base_currency=cmd.base_currency, gates=cmd.gates, now=ctx.now,
        )  # fmt: skip
        return await self._save(self.rules, rule_set, ctx, rules_version=published.version)

    async def ensure_default_rules(
        self, ctx: CommandContext, rules: Iterable[RoutingRule] = DEFAULT_ROUTING_RULES
    ) -> None:
        """A fresh installation starts with the documented default rules (version 1), so the
        investment-committee rule holds from day one. Idempotent: a fixed event id."""
        rule_set = await self.rules.load(DEFAULT_RULE_SET_ID)
        if rule_set.current is not None:
            return
        rule_set.publish_version(rules, actor_id=ctx.principal.subject)
        await self.rules.save(rule_set, event_metadata(ctx), [_DEFAULT_RULES_EVENT])

    # ---------------------------------------------------------------- meetings and decisions

    async def schedule_meeting(self, cmd: ScheduleMeeting, ctx: CommandContext) -> Accepted:
        ctx.principal.require_any(MANAGE, "scheduling a meeting")
        await self.bodies.get(cmd.body_id)
        await self._fresh(self.meetings, cmd.meeting_id)
        meeting = Meeting.schedule(
            cmd.meeting_id, body_id=cmd.body_id, date=cmd.date, title=cmd.title,
            actor_id=ctx.principal.subject, now=ctx.now,
        )  # fmt: skip
        return await self._save(self.meetings, meeting, ctx)

    async def add_agenda_item(
        self, meeting_id: str, cmd: AddAgendaItem, ctx: CommandContext
    ) -> Accepted:
        ctx.principal.require_any(MANAGE, "preparing a meeting's agenda")
        await self._item_for(cmd.item_id, ctx, target=False)
        meeting = await self.meetings.get(meeting_id, ctx)
        meeting.add_agenda_item(cmd.item_id, cmd.gate, cmd.purpose,
                                actor_id=ctx.principal.subject, now=ctx.now)  # fmt: skip
        return await self._save(self.meetings, meeting, ctx)

    async def take_decision(
        self, meeting_id: str, cmd: TakeDecision, ctx: CommandContext
    ) -> Accepted:
        """Check the decision against the body's rights and the routing rules in force, freeze
        the inputs it is based on (the capacity version among them), and record it on the
        meeting and the item together. An approval that still awaits other required bodies
        (joint sign-off) leaves the item's state and gate as they are: the answer says which
        bodies are awaited."""
        ctx.principal.require_any(DECIDE, "recording a decision")
        meeting = await self.meetings.get(meeting_id, ctx)
        if meeting.body_id is None:
            raise NotFound(f"meeting {meeting_id} has no body")
        body = await self.bodies.get(meeting.body_id)
        item = await self._item_for(cmd.item_id, ctx, target=False)
        rule_set = await self.rules.load(DEFAULT_RULE_SET_ID)
        score_inputs = await self._score_inputs(item, cmd.scoring_model_id)
        decided_at = ctx.now or utcnow()
        envelope = await self._envelope_to_freeze(item, cmd.budget_envelope_id, decided_at)
        decision = decide(
            item, body, rule_set.in_force,
            decision_id=str(uuid.uuid4()), meeting_id=meeting_id, gate=cmd.gate,
            outcome=cmd.outcome, participants=cmd.participants, rationale=cmd.rationale,
            conditions=cmd.conditions, decided_at=decided_at,
            budget_envelope_id=envelope.id if envelope else None,
            budget_envelope_version=envelope.envelope_version if envelope else None,
            capacity_version=await self.capacity.version(),
            **score_inputs,
        )  # fmt: skip
        meeting.record_decision(decision, actor_id=ctx.principal.subject, now=ctx.now)
        on_roadmap_before = roadmap_entry(item)
        item.record_decision(decision)
        # An approved, planned item leaving that state leaves the roadmap's years (and comes
        # back to them when approved again), in the same transaction as the decision.
        years = await self.move_on_roadmap(
            on_roadmap_before, roadmap_entry(item), item.id, f"now {item.state}", ctx
        )
        await self._save_together(
            ctx, (self.meetings, meeting), (self.items, item),
            *((self.budget_years, year) for year in years.values()),
        )  # fmt: skip
        return Accepted(meeting_id, meeting.version, {
            "decision_id": decision.decision_id, "item_id": item.id,
            "item_version": item.version, "item_state": item.state,
            "current_gate": item.current_gate,
            "awaiting_approval_from": list(decision.awaiting_approval_from),
        })  # fmt: skip

    async def approvals_at_next_gate(self, item: PortfolioItem) -> GateApprovals | None:
        """Where the item's joint sign-off stands at its next gate under the routing rules in
        force; None once the item takes no more approvals (passed its last gate, or closed)."""
        assert item.state is not None
        if item.state.is_final or item.next_gate is None:
            return None
        rule_set = await self.rules.load(DEFAULT_RULE_SET_ID)
        if rule_set.current is not None:
            return gate_approvals(item, rule_set.current)
        gate = item.next_gate
        return GateApprovals(
            gate=gate, given=item.approvals_given(gate), lapsed=item.approvals_lapsed(gate)
        )

    async def item_scores(self, item: PortfolioItem) -> ItemScores:
        """The item's evaluations with their totals and, per model version used, their
        consolidation, each computed with the version the scores were given with."""
        evaluations = [e for e in item.evaluations if isinstance(e, ItemScored)]
        versions: dict[tuple[str, int], ScoringModelVersion] = {}
        for model_id in sorted({e.model_id for e in evaluations}):
            model = await self.models.load(model_id)
            versions.update({(model_id, n): v for n, v in model.versions.items()})
        return scores_of(versions, evaluations)

    async def _envelope_to_freeze(
        self, item: PortfolioItem, envelope_id: str | None, decided_at: datetime
    ) -> BudgetEnvelope | None:
        """The envelope named, which must be open; else the open envelope of the year the item
        starts in (planned) or of the decision's year, if that year has one."""
        if envelope_id is not None:
            envelope = await self.envelopes.get(envelope_id)
            if envelope.closed:
                raise InvalidTransition(
                    f"a decision cannot be based on budget envelope {envelope_id}: it is closed",
                    envelope_id=envelope_id,
                    state="closed",
                )
            return envelope
        year = quarter_key(item.start_quarter)[0] if item.start_quarter else decided_at.year
        return await self.open_envelope_of(year)

    async def _score_inputs(self, item: PortfolioItem, model_id: str | None) -> dict[str, Any]:
        """The scoring model version and consolidated score the decision is based on."""
        if model_id is None:
            return {}
        model = (await self.models.get(model_id)).for_scoring()
        evaluations = [e for e in item.evaluations if isinstance(e, ItemScored)]
        consolidated = consolidate(model, evaluations)
        return {
            "scoring_model_id": model.model_id,
            "scoring_model_version": model.version,
            "consolidated_score": consolidated.score if consolidated else None,
            "evaluator_count": consolidated.evaluators if consolidated else 0,
        }

    async def close_meeting(self, meeting_id: str, ctx: CommandContext) -> Accepted:
        ctx.principal.require_any(MANAGE, "closing a meeting")
        meeting = await self.meetings.get(meeting_id, ctx)
        meeting.close(actor_id=ctx.principal.subject, now=ctx.now)
        return await self._save(self.meetings, meeting, ctx,
                                decisions=list(meeting.decision_register))  # fmt: skip


__all__ = ["DECIDE", "EVALUATE", "MANAGE", "Accepted", "PortfolioService"]
