"""Portfolio command handlers: authorise → load → check the expected version → decide → append.

A decision is one fact on two aggregates, the meeting (its minutes) and the item (its gate):
both are appended in one transaction, with the inputs the decision was based on frozen in it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.application import (
    CommandContext,
    Repository,
    check_expected_version,
    event_metadata,
    save_together,
)
from pmo_kernel.errors import DomainError, NotFound
from pmo_kernel.identity import Role
from pmo_kernel.store import EventStore
from pmo_portfolio.application.commands import (
    AddAgendaItem,
    AddMember,
    CreateScoringModel,
    EstablishBody,
    GrantRight,
    PlanItem,
    PublishRoutingRules,
    RetireScoringModel,
    ReviseScoringModelDraft,
    RevokeRight,
    ScheduleMeeting,
    ScoreItem,
    TakeDecision,
)
from pmo_portfolio.domain.governance.bodies import GovernanceBody
from pmo_portfolio.domain.governance.decisions import decide
from pmo_portfolio.domain.governance.item import PortfolioItem
from pmo_portfolio.domain.governance.meeting import Meeting
from pmo_portfolio.domain.governance.routing import (
    DEFAULT_ROUTING_RULES,
    DEFAULT_RULE_SET_ID,
    RoutingRuleSet,
)
from pmo_portfolio.domain.scoring import ItemScored, ScoringModel, consolidate, score_item

MANAGE = frozenset({Role.PMO_ANALYST, Role.ADMIN})
EVALUATE = frozenset({Role.PMO_ANALYST, Role.PORTFOLIO_BOARD, Role.ADMIN})
DECIDE = frozenset({Role.PMO_ANALYST, Role.PORTFOLIO_BOARD, Role.ADMIN})
_DEFAULT_RULES_EVENT = uuid.UUID("0b7d8f2e-5a43-4c1e-9d6b-6a0e2f1c9a01")


@dataclass(frozen=True)
class Accepted:
    id: str
    version: int
    details: dict[str, Any]


class PortfolioService:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.items = Repository(store, PortfolioItem, "portfolio item")
        self.models = Repository(store, ScoringModel, "scoring model")
        self.bodies = Repository(store, GovernanceBody, "governance body")
        self.rules = Repository(store, RoutingRuleSet, "routing rule set")
        self.meetings = Repository(store, Meeting, "meeting")

    async def _save(self, repo: Repository[Any], aggregate: Aggregate, ctx: CommandContext,
                    **details: Any) -> Accepted:  # fmt: skip
        result = await repo.save(aggregate, event_metadata(ctx))
        return Accepted(aggregate.id, result.version, details)

    async def _fresh(self, repo: Repository[Any], stream_id: str) -> None:
        if (await repo.load(stream_id)).version:
            raise DomainError(f"{repo.noun} {stream_id} already exists", id=stream_id)

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
        item = await self.items.get(item_id, ctx)
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

    async def plan_item(self, item_id: str, cmd: PlanItem, ctx: CommandContext) -> Accepted:
        ctx.principal.require_any(MANAGE, "planning an item on the roadmap")
        item = await self.items.get(item_id, ctx)
        item.plan(cmd.start_quarter, cmd.end_quarter, cmd.cost_per_year,
                  actor_id=ctx.principal.subject, now=ctx.now)  # fmt: skip
        return await self._save(self.items, item, ctx)

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
        body.grant_right(cmd.gate, cmd.outcomes, actor_id=ctx.principal.subject, now=ctx.now)
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
            base_currency=cmd.base_currency, now=ctx.now,
        )  # fmt: skip
        return await self._save(self.rules, rule_set, ctx, rules_version=published.version)

    async def ensure_default_rules(self, ctx: CommandContext) -> None:
        """A fresh installation starts with the documented default rules (version 1), so the
        EUR 250K investment-committee rule holds from day one. Idempotent: a fixed event id."""
        rule_set = await self.rules.load(DEFAULT_RULE_SET_ID)
        if rule_set.current is not None:
            return
        rule_set.publish_version(DEFAULT_ROUTING_RULES, actor_id=ctx.principal.subject)
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
        await self.items.get(cmd.item_id)
        meeting = await self.meetings.get(meeting_id, ctx)
        meeting.add_agenda_item(cmd.item_id, cmd.gate, cmd.purpose,
                                actor_id=ctx.principal.subject, now=ctx.now)  # fmt: skip
        return await self._save(self.meetings, meeting, ctx)

    async def take_decision(
        self, meeting_id: str, cmd: TakeDecision, ctx: CommandContext
    ) -> Accepted:
        """Check the decision against the body's rights and the routing rules in force, freeze
        the inputs it is based on, and record it on the meeting and the item together."""
        ctx.principal.require_any(DECIDE, "recording a decision")
        meeting = await self.meetings.get(meeting_id, ctx)
        if meeting.body_id is None:
            raise NotFound(f"meeting {meeting_id} has no body")
        body = await self.bodies.get(meeting.body_id)
        item = await self.items.get(cmd.item_id)
        rule_set = await self.rules.load(DEFAULT_RULE_SET_ID)
        score_inputs = await self._score_inputs(item, cmd.scoring_model_id)
        decision = decide(
            item, body, rule_set.in_force,
            decision_id=str(uuid.uuid4()), meeting_id=meeting_id, gate=cmd.gate,
            outcome=cmd.outcome, participants=cmd.participants, rationale=cmd.rationale,
            conditions=cmd.conditions, decided_at=ctx.now, **score_inputs,
        )  # fmt: skip
        meeting.record_decision(decision, actor_id=ctx.principal.subject, now=ctx.now)
        item.record_decision(decision)
        metadata = event_metadata(ctx)
        await save_together(
            self.store,
            [
                (meeting, self.meetings.pending_append(meeting, metadata)),
                (item, self.items.pending_append(item, metadata)),
            ],
        )
        return Accepted(meeting_id, meeting.version, {"decision_id": decision.decision_id,
                        "item_id": item.id, "item_version": item.version})  # fmt: skip

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
        minutes = meeting.close(actor_id=ctx.principal.subject, now=ctx.now)
        return await self._save(self.meetings, meeting, ctx,
                                decisions=[d.decision_id for d in minutes])  # fmt: skip
