"""Register handlers: an item's risks, issues and benefit plans.

A register is attached to a portfolio item by its id and read through this layer: the item must
exist and the caller must see it (an item they may not see is a 404, as an unknown id), after
the role check (403). If-Match names the register's version (its ETag), not the item's. The
facts taken from the item (its estimated cost for ROI, its business case's benefits estimate)
are read here and passed to the registers as plain values: the registers know no governance.

Writers: PMO analysts and project managers (and admins). Readers of one item's registers: whoever
sees the item (without its figures on SUMMARY sight). The portfolio roll-up: portfolio readers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from pmo_kernel.access import Sight, require_portfolio_reader
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.application import CommandContext, Repository, check_expected_version
from pmo_kernel.errors import DomainError
from pmo_kernel.events import utcnow
from pmo_kernel.identity import Principal, Role
from pmo_kernel.money import Money
from pmo_kernel.store import EventStore
from pmo_portfolio.access import PortfolioAccess
from pmo_portfolio.application.base import Accepted, ServiceBase
from pmo_portfolio.application.register_commands import (
    CloseRisk,
    CompleteRiskAction,
    IdentifyRisk,
    PlanBenefit,
    PlanBenefitFromBusinessCase,
    PlanRiskAction,
    PlanRiskResponse,
    RaiseIssue,
    ReassessRisk,
    RecordLesson,
    ReportBenefitRealisation,
    ResolveIssue,
    ReviewRisk,
)
from pmo_portfolio.domain.delivery.registers import BenefitRegister, RiskRegister
from pmo_portfolio.domain.delivery.registers.events import BenefitSource
from pmo_portfolio.domain.delivery.registers.lessons import Lesson, LessonsRegister, search_lessons
from pmo_portfolio.domain.delivery.registers.periods import month_of
from pmo_portfolio.domain.delivery.registers.values import LessonCategory

WRITE = frozenset({Role.PMO_ANALYST, Role.PROJECT_MANAGER, Role.ADMIN})

R = TypeVar("R", bound=Aggregate)


@dataclass(frozen=True)
class ItemFacts:
    """What the registers take from a portfolio item, read through the application layer."""

    item_id: str
    title: str | None
    department: str | None
    estimated_cost: Money | None
    sight: Sight


class RegisterService(ServiceBase):
    def __init__(self, store: EventStore, access: PortfolioAccess) -> None:
        super().__init__(store, access)
        self.risk_registers = Repository(store, RiskRegister, "risk register")
        self.benefit_registers = Repository(store, BenefitRegister, "benefit register")
        self.lessons = Repository(store, LessonsRegister, "lessons-learned register")

    # ---------------------------------------------------------------- the item

    async def item_facts(self, item_id: str, principal: Principal) -> ItemFacts:
        item, sight = await self.read_item(item_id, principal)
        return ItemFacts(item.id, item.title, item.department, item.estimated_cost, sight)

    async def _change(
        self, repo: Repository[R], item_id: str, ctx: CommandContext, action: str,
        decide: Callable[[R], Any],
    ) -> Accepted:  # fmt: skip
        """role → the item (404 if unseen) → the register at the expected version → decide →
        append. `decide` returns the answer's details (a dict) or the new record's id."""
        ctx.principal.require_any(WRITE, action)
        await self._item_for(item_id, ctx, target=False)
        register = await repo.load(item_id)
        check_expected_version(register, ctx, repo.noun)
        outcome = decide(register)
        details = outcome if isinstance(outcome, dict) else {}
        return await self._save(repo, register, ctx, **details)

    async def _risks(
        self, item_id: str, ctx: CommandContext, action: str,
        decide: Callable[[RiskRegister], Any],
    ) -> Accepted:  # fmt: skip
        return await self._change(self.risk_registers, item_id, ctx, action, decide)

    # ---------------------------------------------------------------- risks

    async def identify_risk(self, item_id: str, cmd: IdentifyRisk, ctx: CommandContext) -> Accepted:
        def decide(register: RiskRegister) -> dict[str, Any]:
            risk_id = register.identify_risk(
                title=cmd.title, description=cmd.description, category=cmd.category,
                probability=cmd.probability, impact=cmd.impact, owner=cmd.owner,
                review_by=cmd.review_by, actor_id=ctx.principal.subject, now=ctx.now,
            )  # fmt: skip
            risk = register.risks[risk_id]
            return {"risk_id": risk_id, "score": risk.inherent.score, "band": risk.inherent.band}

        return await self._risks(item_id, ctx, "identifying a risk", decide)

    async def reassess_risk(
        self, item_id: str, risk_id: str, cmd: ReassessRisk, ctx: CommandContext
    ) -> Accepted:
        def decide(register: RiskRegister) -> dict[str, Any]:
            register.reassess_risk(
                risk_id, probability=cmd.probability, impact=cmd.impact, reason=cmd.reason,
                actor_id=ctx.principal.subject, now=ctx.now,
            )  # fmt: skip
            rating = register.risks[risk_id].inherent
            return {"risk_id": risk_id, "score": rating.score, "band": rating.band}

        return await self._risks(item_id, ctx, "reassessing a risk", decide)

    async def plan_risk_response(
        self, item_id: str, risk_id: str, cmd: PlanRiskResponse, ctx: CommandContext
    ) -> Accepted:
        def decide(register: RiskRegister) -> dict[str, Any]:
            register.plan_response(
                risk_id, response=cmd.response, residual_probability=cmd.residual_probability,
                residual_impact=cmd.residual_impact, actor_id=ctx.principal.subject, now=ctx.now,
            )  # fmt: skip
            rating = register.risks[risk_id].residual
            return {"risk_id": risk_id, "residual_score": rating.score,
                    "residual_band": rating.band}  # fmt: skip

        return await self._risks(item_id, ctx, "planning a risk response", decide)

    async def plan_risk_action(
        self, item_id: str, risk_id: str, cmd: PlanRiskAction, ctx: CommandContext
    ) -> Accepted:
        def decide(register: RiskRegister) -> dict[str, Any]:
            action_id = register.plan_action(
                risk_id, description=cmd.description, owner=cmd.owner, due_on=cmd.due_on,
                actor_id=ctx.principal.subject, now=ctx.now,
            )  # fmt: skip
            return {"risk_id": risk_id, "action_id": action_id}

        return await self._risks(item_id, ctx, "planning a risk action", decide)

    async def complete_risk_action(
        self, item_id: str, risk_id: str, action_id: str, cmd: CompleteRiskAction,
        ctx: CommandContext,
    ) -> Accepted:  # fmt: skip
        return await self._risks(
            item_id, ctx, "completing a risk action",
            lambda register: register.complete_action(
                risk_id, action_id, note=cmd.note, actor_id=ctx.principal.subject, now=ctx.now
            ),
        )  # fmt: skip

    async def review_risk(
        self, item_id: str, risk_id: str, cmd: ReviewRisk, ctx: CommandContext
    ) -> Accepted:
        return await self._risks(
            item_id, ctx, "reviewing a risk",
            lambda register: register.review_risk(
                risk_id, next_review_by=cmd.next_review_by, note=cmd.note,
                actor_id=ctx.principal.subject, now=ctx.now,
            ),
        )  # fmt: skip

    async def close_risk(
        self, item_id: str, risk_id: str, cmd: CloseRisk, ctx: CommandContext
    ) -> Accepted:
        return await self._risks(
            item_id, ctx, "closing a risk",
            lambda register: register.close_risk(
                risk_id, reason=cmd.reason, actor_id=ctx.principal.subject, now=ctx.now
            ),
        )  # fmt: skip

    # ---------------------------------------------------------------- issues

    async def raise_issue(self, item_id: str, cmd: RaiseIssue, ctx: CommandContext) -> Accepted:
        def decide(register: RiskRegister) -> dict[str, Any]:
            issue_id = register.raise_issue(
                title=cmd.title, description=cmd.description, severity=cmd.severity,
                owner=cmd.owner, due_on=cmd.due_on, from_risk_id=cmd.from_risk_id,
                actor_id=ctx.principal.subject, now=ctx.now,
            )  # fmt: skip
            return {"issue_id": issue_id, "from_risk_id": cmd.from_risk_id}

        return await self._risks(item_id, ctx, "raising an issue", decide)

    async def resolve_issue(
        self, item_id: str, issue_id: str, cmd: ResolveIssue, ctx: CommandContext
    ) -> Accepted:
        return await self._risks(
            item_id, ctx, "resolving an issue",
            lambda register: register.resolve_issue(
                issue_id, resolution=cmd.resolution, actor_id=ctx.principal.subject, now=ctx.now
            ),
        )  # fmt: skip

    # ---------------------------------------------------------------- benefits

    async def plan_benefit(self, item_id: str, cmd: PlanBenefit, ctx: CommandContext) -> Accepted:
        def decide(register: BenefitRegister) -> dict[str, Any]:
            benefit_id = register.plan_benefit(
                measure=cmd.measure, unit=cmd.unit, baseline=cmd.baseline, target=cmd.target,
                starts=cmd.starts, target_date=cmd.target_date, owner=cmd.owner,
                actor_id=ctx.principal.subject, now=ctx.now,
            )  # fmt: skip
            return {"benefit_id": benefit_id}

        return await self._change(
            self.benefit_registers, item_id, ctx, "planning a benefit", decide
        )

    async def plan_benefit_from_business_case(
        self, item_id: str, cmd: PlanBenefitFromBusinessCase, ctx: CommandContext
    ) -> Accepted:
        """The business case's benefits estimate, as the portfolio knows it from the demand."""
        ctx.principal.require_any(WRITE, "planning a benefit")
        item, _ = await self.read_item(item_id, ctx.principal)
        case = item.business_case
        estimate = case.get("benefits_estimate")
        if not estimate:
            raise DomainError(
                f"the business case of item {item_id} gives no benefits estimate: plan the "
                "benefit with its figures instead",
                item_id=item_id,
            )
        money = Money.model_validate(estimate)
        stated = case.get("expected_benefits")
        measure = stated[:200] if isinstance(stated, str) and stated.strip() else None

        def decide(register: BenefitRegister) -> dict[str, Any]:
            benefit_id = register.plan_benefit(
                measure=measure or "Benefits estimated in the business case",
                unit=money.currency, baseline=Decimal(0), target=money.amount,
                starts=cmd.starts, target_date=cmd.target_date, owner=cmd.owner,
                source=BenefitSource.BUSINESS_CASE,
                business_case_version=item.business_case_version,
                actor_id=ctx.principal.subject, now=ctx.now,
            )  # fmt: skip
            return {"benefit_id": benefit_id, "business_case_version": item.business_case_version}

        return await self._change(
            self.benefit_registers, item_id, ctx, "planning a benefit", decide
        )

    async def report_benefit_realisation(
        self, item_id: str, benefit_id: str, cmd: ReportBenefitRealisation, ctx: CommandContext
    ) -> Accepted:
        return await self._change(
            self.benefit_registers, item_id, ctx, "reporting a benefit realisation",
            lambda register: register.report_realisation(
                benefit_id, period=cmd.period, value=cmd.value, note=cmd.note,
                actor_id=ctx.principal.subject, now=ctx.now,
            ),
        )  # fmt: skip

    # ---------------------------------------------------------------- lessons learned

    async def record_lesson(self, item_id: str, cmd: RecordLesson, ctx: CommandContext) -> Accepted:
        def decide(register: LessonsRegister) -> dict[str, Any]:
            lesson_id = register.record_lesson(
                title=cmd.title, description=cmd.description, category=cmd.category,
                tags=cmd.tags, actor_id=ctx.principal.subject, now=ctx.now,
            )  # fmt: skip
            return {"lesson_id": lesson_id}

        return await self._change(self.lessons, item_id, ctx, "recording a lesson", decide)

    async def item_lessons(self, item_id: str, principal: Principal) -> list[Lesson]:
        await self.read_item(item_id, principal)
        return search_lessons((await self.lessons.load(item_id)).lessons.values())

    async def find_lessons(
        self, principal: Principal, *, category: LessonCategory | None, tags: list[str],
        words: str | None,
    ) -> list[Lesson]:  # fmt: skip
        """Across every item: lessons carry no figures, but name every department's projects,
        so the search is the portfolio readers'."""
        require_portfolio_reader(principal, "searching the lessons learned")
        every = [lesson for r in await self.lessons.load_all() for lesson in r.lessons.values()]
        return search_lessons(every, category=category, tags=tags, words=words)

    # ---------------------------------------------------------------- reads

    async def item_risks(
        self, item_id: str, principal: Principal
    ) -> tuple[ItemFacts, RiskRegister]:
        facts = await self.item_facts(item_id, principal)
        return facts, await self.risk_registers.load(item_id)

    async def item_benefits(
        self, item_id: str, principal: Principal
    ) -> tuple[ItemFacts, BenefitRegister]:
        facts = await self.item_facts(item_id, principal)
        return facts, await self.benefit_registers.load(item_id)

    async def portfolio_risks(self, principal: Principal) -> list[RiskRegister]:
        require_portfolio_reader(principal, "reading the portfolio's risks")
        return await self.risk_registers.load_all()

    async def portfolio_benefits(
        self, principal: Principal
    ) -> list[tuple[ItemFacts, BenefitRegister]]:
        """Every item with benefit plans, with the facts of it ROI needs."""
        require_portfolio_reader(principal, "reading the portfolio's benefits")
        registers = await self.benefit_registers.load_all()
        return [(await self.item_facts(r.id, principal), r) for r in registers if r.benefits]


def this_month() -> str:
    return month_of(utcnow().date())


__all__ = ["WRITE", "ItemFacts", "RegisterService", "this_month"]
