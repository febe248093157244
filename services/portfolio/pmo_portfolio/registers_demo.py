"""The demo's registers (a step of `pmo demo`, after the year of portfolio management): about
120 risks across the demo's items, rated, many answered with actions (some done, some overdue),
some reviewed and some closed; issues, a few raised from risks that materialised; benefit plans
from the business cases of the items approved for delivery, realised month by month for part
of them. Everything goes through `RegisterService`, so the same rules and events as over REST.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pmo_kernel.application import CommandContext
from pmo_kernel.identity import Principal, Role
from pmo_portfolio.access import delivered
from pmo_portfolio.application.register_commands import (
    CloseRisk,
    CompleteRiskAction,
    IdentifyRisk,
    PlanBenefit,
    PlanBenefitFromBusinessCase,
    PlanRiskAction,
    PlanRiskResponse,
    RaiseIssue,
    RecordLesson,
    ReportBenefitRealisation,
    ResolveIssue,
    ReviewRisk,
)
from pmo_portfolio.application.registers import RegisterService
from pmo_portfolio.domain.delivery.registers import Response, RiskCategory, Severity
from pmo_portfolio.domain.delivery.registers.periods import month_at, month_index, month_of
from pmo_portfolio.domain.delivery.registers.values import LessonCategory
from pmo_portfolio.domain.governance import PortfolioItem

RISKS = 120
MANAGERS = ["pia", "marco", "lena", "tom"]
OWNERS = ["omar", "sofia", "paul", "henrik", "ines"]
TITLES: dict[RiskCategory, tuple[str, ...]] = {
    RiskCategory.SCHEDULE: ("Go-live date at risk", "Testing window too short"),
    RiskCategory.COST: ("Licence prices rise", "Integration effort underestimated"),
    RiskCategory.SCOPE: ("Requirements keep growing", "Unclear acceptance criteria"),
    RiskCategory.TECHNICAL: ("Legacy interface undocumented", "Performance below target"),
    RiskCategory.RESOURCE: ("Key architect may leave", "Testers shared with another project"),
    RiskCategory.SUPPLIER: ("Supplier delivers late", "Vendor support ends"),
    RiskCategory.REGULATORY: ("New regulation changes the scope", "Audit finding reopens"),
    RiskCategory.SECURITY: ("Penetration test fails", "Personal data exposed in test"),
    RiskCategory.ORGANISATIONAL: ("Users resist the change", "Sponsor changes role"),
    RiskCategory.EXTERNAL: ("Market conditions shift", "Partner merger"),
}


def _manager(subject: str) -> Principal:
    return Principal(subject=subject, name=subject.title(), roles=frozenset({Role.PMO_ANALYST}))


async def seed_registers(
    registers: RegisterService, items: list[PortfolioItem], start: datetime, now: datetime
) -> str:
    """The registers of `items` over the year from `start`; an item whose risk register exists
    already (the demo ran before) is left as it is."""
    rng = random.Random(1207)
    fresh = [i for i in items if (await registers.risk_registers.load(i.id)).version == 0]
    risks = issues = benefits = reports = 0
    span = max(1, (now - start).days - 30)
    for index in range(RISKS if fresh else 0):
        item = fresh[index % len(fresh)]
        when = start + timedelta(days=rng.randrange(span), hours=rng.randrange(8))
        created = await _risk(registers, rng, item.id, when, now)
        risks += 1
        issues += created
    for item in fresh:
        if rng.random() < 0.3:
            when = start + timedelta(days=rng.randrange(span))
            issues += await _issue(registers, rng, item.id, when, now, None)
    for position, item in enumerate(i for i in fresh if delivered(i)):
        realised = position % 3 != 2  # two in three report realised values
        planned, reported = await _benefits(registers, rng, item, start, now, realised)
        benefits, reports = benefits + planned, reports + reported
    lessons = 0
    for position, item in enumerate([i for i in fresh if delivered(i)][:3]):
        lessons += await _lessons(registers, item.id, now - timedelta(days=20), position)
    return (
        f"{risks} risks and {issues} issues on {len(fresh)} items; {benefits} benefit plans, "
        f"{reports} realisations reported; {lessons} lessons learned"
    )


LESSONS: tuple[tuple[str, LessonCategory, tuple[str, ...]], ...] = (
    ("Put the supplier's milestones in the contract", LessonCategory.SUPPLIERS,
     ("contract", "milestones")),
    ("Book shared testers a quarter ahead", LessonCategory.PEOPLE, ("testing", "staffing")),
    ("Estimate interfaces to legacy systems apart", LessonCategory.ESTIMATION,
     ("integration", "legacy")),
    ("Review the top risks at every steering committee", LessonCategory.RISK,
     ("governance", "steering")),
)  # fmt: skip


async def _lessons(registers: RegisterService, item_id: str, when: datetime, position: int) -> int:
    """Two lessons of the item, as its closure report would list them."""
    ctx = CommandContext(_manager("pia"), now=when)
    picked = [LESSONS[(position + n) % len(LESSONS)] for n in range(2)]
    for title, category, tags in picked:
        await registers.record_lesson(
            item_id, RecordLesson(title=title, description=f"{title}: learned on {item_id}.",
                                  category=category, tags=list(tags)), ctx,
        )  # fmt: skip
    return len(picked)


async def _risk(
    registers: RegisterService, rng: random.Random, item_id: str, when: datetime, now: datetime
) -> int:
    """One risk's life; returns the issues it turned into (0 or 1)."""
    manager = _manager(rng.choice(MANAGERS))

    def at(moment: datetime) -> CommandContext:
        return CommandContext(manager, now=min(moment, now))

    category = rng.choice(list(RiskCategory))
    probability, impact = rng.randint(1, 5), rng.randint(1, 5)
    accepted = await registers.identify_risk(
        item_id,
        IdentifyRisk(
            title=rng.choice(TITLES[category]), category=category, probability=probability,
            impact=impact, owner=rng.choice(OWNERS),
            review_by=(when + timedelta(days=rng.choice([14, 30, 45]))).date(),
        ),
        at(when),
    )  # fmt: skip
    risk_id = str(accepted.details["risk_id"])
    if rng.random() < 0.7:
        response = rng.choice(list(Response))
        residual = (probability, impact)
        if response is not Response.ACCEPT:
            residual = (max(1, probability - rng.randint(1, 2)), max(1, impact - rng.randint(0, 1)))
        await registers.plan_risk_response(
            item_id, risk_id,
            PlanRiskResponse(response=response, residual_probability=residual[0],
                             residual_impact=residual[1]),
            at(when + timedelta(days=2)),
        )  # fmt: skip
        for n in range(rng.randint(0, 2)):
            due = when + timedelta(days=rng.randint(10, 60))
            planned = await registers.plan_risk_action(
                item_id, risk_id,
                PlanRiskAction(description=f"Mitigation step {n + 1} for {risk_id}",
                               owner=rng.choice(OWNERS), due_on=due.date()),
                at(when + timedelta(days=3)),
            )  # fmt: skip
            if due < now and rng.random() < 0.7:  # the others stay overdue or open
                await registers.complete_risk_action(
                    item_id, risk_id, str(planned.details["action_id"]), CompleteRiskAction(),
                    at(due - timedelta(days=1)),
                )  # fmt: skip
    review = when + timedelta(days=20)
    if review < now and rng.random() < 0.5:
        await registers.review_risk(
            item_id, risk_id, ReviewRisk(next_review_by=(review + timedelta(days=30)).date()),
            at(review),
        )  # fmt: skip
    raised = 0
    if rng.random() < 0.08 and when + timedelta(days=25) < now:
        raised = await _issue(registers, rng, item_id, when + timedelta(days=25), now, risk_id)
    closing = when + timedelta(days=40)
    if closing < now and rng.random() < 0.15:
        await registers.close_risk(
            item_id, risk_id, CloseRisk(reason="No longer threatens the project"), at(closing)
        )
    return raised


async def _issue(
    registers: RegisterService, rng: random.Random, item_id: str, when: datetime,
    now: datetime, from_risk_id: str | None,
) -> int:  # fmt: skip
    manager = _manager(rng.choice(MANAGERS))
    title = "The risk materialised" if from_risk_id else "Test environment unavailable"
    accepted = await registers.raise_issue(
        item_id,
        RaiseIssue(title=title, severity=rng.choice(list(Severity)), owner=rng.choice(OWNERS),
                   due_on=(when + timedelta(days=rng.randint(7, 30))).date(),
                   from_risk_id=from_risk_id),
        CommandContext(manager, now=when),
    )  # fmt: skip
    solved = when + timedelta(days=rng.randint(5, 40))
    if solved < now and rng.random() < 0.6:
        await registers.resolve_issue(
            item_id, str(accepted.details["issue_id"]),
            ResolveIssue(resolution="Fixed with the supplier"), CommandContext(manager, now=solved),
        )  # fmt: skip
    return 1


async def _benefits(
    registers: RegisterService, rng: random.Random, item: PortfolioItem, start: datetime,
    now: datetime, realised: bool,
) -> tuple[int, int]:  # fmt: skip
    """A plan from the business case (a manual one without an estimate) and a non-monetary
    one for some items, realised month by month when `realised`."""
    ctx = CommandContext(_manager(rng.choice(MANAGERS)), now=start + timedelta(days=30))
    first = month_index(month_of(ctx.now.date() if ctx.now else now.date())) + 1
    starts = month_at(first)
    target = datetime(int(month_at(first + 18)[:4]), int(month_at(first + 18)[5:]), 28, tzinfo=UTC)
    if item.business_case.get("benefits_estimate"):
        await registers.plan_benefit_from_business_case(
            item.id, PlanBenefitFromBusinessCase(starts=starts, target_date=target.date(),
                                                 owner="cfo"), ctx,
        )  # fmt: skip
    else:
        cost = item.estimated_cost.amount if item.estimated_cost else Decimal(100_000)
        await registers.plan_benefit(
            item.id, PlanBenefit(measure="Run cost savings", unit="EUR", baseline=Decimal(0),
                                 target=(cost * Decimal("1.4")).quantize(Decimal(1)),
                                 starts=starts, target_date=target.date(), owner="cfo"), ctx,
        )  # fmt: skip
    planned = 1
    if rng.random() < 0.4:
        await registers.plan_benefit(
            item.id, PlanBenefit(measure="Incidents a month", unit="incidents",
                                 baseline=Decimal(40), target=Decimal(12), starts=starts,
                                 target_date=target.date(), owner="ops"), ctx,
        )  # fmt: skip
        planned += 1
    if not realised:
        return planned, 0
    register = await registers.benefit_registers.load(item.id)
    reported, last = 0, month_index(month_of(now.date())) - 1
    for benefit in register.benefits.values():
        pace = Decimal(rng.randint(50, 110)) / 100  # how well it goes against plan
        for index in range(first, last + 1):
            share = Decimal(index - first + 1) / 18
            value = benefit.baseline + (benefit.target - benefit.baseline) * share * pace
            month = month_at(index)
            when = datetime(int(month[:4]), int(month[5:]), 28, tzinfo=UTC) + timedelta(days=5)
            await registers.report_benefit_realisation(
                item.id, benefit.benefit_id,
                _report(month, value.quantize(Decimal(1))), CommandContext(ctx.principal,
                                                                            now=min(when, now)),
            )  # fmt: skip
            reported += 1
    return planned, reported


def _report(month: str, value: Decimal) -> ReportBenefitRealisation:
    return ReportBenefitRealisation(period=month, value=value)


__all__ = ["seed_registers"]
