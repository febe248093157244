"""The demo's delivery step: the items approved early in the demo year go through G3 ("go for
delivery") at the project committee, start as projects with a year's plan, and report month by
month since: some on track, some behind or over budget (amber and red, with their comments),
now and then late; the second project's design milestone slips and the first, which hangs on it,
is alerted. Through the same application service, rules and events as the REST API."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from pmo_kernel.application import CommandContext
from pmo_kernel.identity import Principal, Role
from pmo_kernel.money import Money
from pmo_portfolio.application.commands import AddAgendaItem, ScheduleMeeting, TakeDecision
from pmo_portfolio.application.delivery_commands import DeclareDependency, StartProject
from pmo_portfolio.application.service import PortfolioService
from pmo_portfolio.domain.delivery.values import (
    Plan,
    Rag,
    Rating,
    Ratings,
    StatusContent,
    next_period,
    period_end,
    period_of,
    period_start,
    periods_between,
)
from pmo_portfolio.domain.governance import ItemState, Outcome, PortfolioItem

GO_BODY = "project-committee"
GO_MEMBERS = ["paul", "omar"]
MANAGERS = ["pia", "leo", "ana", "tom"]
MAX_PROJECTS = 8
# (schedule factor, cost factor) per project, in turn: on track, behind, over budget, both.
PROFILES = [
    (Decimal("1.00"), Decimal("1.00")),
    (Decimal("0.80"), Decimal("1.05")),
    (Decimal("1.02"), Decimal("1.25")),
    (Decimal("0.88"), Decimal("1.12")),
]
CENT = Decimal("0.01")


@dataclass
class Delivery:
    projects: int = 0
    reports: int = 0
    late: int = 0
    alerts: int = 0
    dependents_alerted: int = 0


def _person(subject: str, role: Role) -> Principal:
    return Principal(subject=subject, name=subject.title(), roles=frozenset({role}))


def _plan(item: PortfolioItem, start: date) -> Plan:
    cost = item.estimated_cost or Money.of(100_000, "EUR")
    months = list(periods_between(period_of(start), period_of(start + timedelta(days=364))))
    per_month = (cost.amount / len(months)).quantize(CENT, ROUND_HALF_UP)
    planned = dict.fromkeys(months, per_month)
    planned[months[-1]] = cost.amount - per_month * (len(months) - 1)
    design = (cost.amount * Decimal("0.3")).quantize(CENT, ROUND_HALF_UP)
    end = period_end(months[-1])
    return Plan.model_validate(
        {
            "start": start,
            "end": end,
            "milestones": [
                {
                    "milestone_id": "design-done",
                    "name": "Design signed off",
                    "date": period_end(months[2]),
                },
                {"milestone_id": "go-live", "name": "Go live", "date": end - timedelta(days=15)},
            ],
            "work_packages": [
                {
                    "work_package_id": "design",
                    "name": "Design",
                    "budget": Money(amount=design, currency=cost.currency),
                    "milestone_id": "design-done",
                },
                {
                    "work_package_id": "build",
                    "name": "Build and roll out",
                    "budget": Money(amount=cost.amount - design, currency=cost.currency),
                },
            ],
            "budget_at_completion": cost,
            "planned_value": {
                m: Money(amount=a, currency=cost.currency) for m, a in planned.items()
            },
        }
    )


def _rating(rag: Rag, why: str) -> Rating:
    return Rating(rag=rag, comment=None if rag is Rag.GREEN else why)


def _report(
    plan: Plan, month: int, period: str, pace: Decimal, spend: Decimal, slipping: bool
) -> StatusContent:
    """Month `month` (1 = the first) of a project running at `pace` of its plan, spending
    `spend` times its budget for the work done."""
    design = min(Decimal(100), Decimal(100) * month / 3 * pace).quantize(CENT)
    build = max(Decimal(0), min(Decimal(100), Decimal(100) * (month - 3) / 9 * pace)).quantize(CENT)
    budgets = {w.work_package_id: w.budget.amount for w in plan.work_packages}
    earned = budgets["design"] * design / 100 + budgets["build"] * build / 100
    currency = plan.currency
    schedule = (
        Rag.GREEN
        if pace >= Decimal("0.95")
        else (Rag.AMBER if pace >= Decimal("0.85") else Rag.RED)
    )
    cost = (
        Rag.GREEN
        if spend <= Decimal("1.05")
        else (Rag.AMBER if spend < Decimal("1.2") else Rag.RED)
    )
    overall = max(schedule, cost, key=[Rag.GREEN, Rag.AMBER, Rag.RED].index)
    forecasts = {}
    if slipping and design < 100:
        forecasts["design-done"] = plan.milestones[0].date + timedelta(days=30)
    return StatusContent(
        period=period,
        percent_complete={"design": design, "build": build},
        actual_cost=Money(amount=(earned * spend).quantize(CENT), currency=currency),
        forecast_at_completion=Money(amount=(plan.bac * spend).quantize(CENT), currency=currency),
        milestone_forecasts=forecasts,
        ratings=Ratings(
            schedule=_rating(schedule, "Behind the plan: the supplier is short of people"),
            cost=_rating(cost, "Day rates above the business case's"),
            scope=Rating(rag=Rag.GREEN),
            overall=_rating(overall, "Recovery plan agreed with the sponsor"),
        ),
        achievements=(f"Design {design} % and build {build} % complete",),
        next_steps=("Keep the build on the critical path",),
    )


async def deliver(
    service: PortfolioService, analyst: Principal, now: datetime, run: str, rng: random.Random
) -> Delivery:
    result = Delivery()
    go_day = datetime(now.year, now.month, 1, 9, tzinfo=UTC) - timedelta(days=240)
    candidates = []
    for item in sorted(await service.items.load_all(), key=lambda i: i.id):
        approved = [d for d in item.decision_log if d.gate == "G2" and d.passes_gate]
        early = approved and approved[-1].decided_at < go_day - timedelta(days=7)
        if item.state is ItemState.APPROVED and item.current_gate == "G2" and early:
            candidates.append(item)
    if not candidates:
        return result
    meeting_id = f"project-go-{run}"
    ctx = CommandContext(analyst, now=go_day - timedelta(days=7))
    await service.schedule_meeting(
        ScheduleMeeting(
            meeting_id=meeting_id, body_id=GO_BODY, date=go_day.date(), title="Go for delivery"
        ),
        ctx,
    )
    chair = _person(GO_MEMBERS[0], Role.PORTFOLIO_BOARD)
    started: list[tuple[PortfolioItem, str]] = []
    for minute, item in enumerate(candidates[: MAX_PROJECTS * 2]):
        if len(started) == MAX_PROJECTS:
            break
        await service.add_agenda_item(
            meeting_id, AddAgendaItem(item_id=item.id, gate="G3", purpose="Go for delivery"), ctx
        )
        taken = await service.take_decision(
            meeting_id,
            TakeDecision(
                item_id=item.id,
                gate="G3",
                outcome=Outcome.APPROVE,
                participants=GO_MEMBERS,
                rationale="Ready: team and supplier in place.",
            ),
            CommandContext(chair, now=go_day + timedelta(minutes=10 * minute)),
        )
        if taken.details["current_gate"] == "G3":
            started.append((item, MANAGERS[len(started) % len(MANAGERS)]))
    await service.close_meeting(
        meeting_id, CommandContext(analyst, now=go_day + timedelta(hours=3))
    )
    start = period_start(next_period(period_of(go_day.date())))
    for item, manager in started:
        await service.start_project(
            StartProject(item_id=item.id, project_manager=manager, plan=_plan(item, start)),
            CommandContext(analyst, now=go_day + timedelta(days=2)),
        )
        result.projects += 1
    if len(started) >= 2:
        dependent, predecessor = started[0][0], started[1][0]  # the second one slips
        await service.declare_dependency(
            dependent.id,
            DeclareDependency(predecessor_id=predecessor.id, milestone_id="design-done"),
            CommandContext(analyst, now=go_day + timedelta(days=3)),
        )
    for index, (item, manager) in enumerate(started):
        pace, spend = PROFILES[index % len(PROFILES)]
        project = await service.projects.get(item.id)
        pm = _person(manager, Role.PROJECT_MANAGER)
        for month, period in enumerate(
            periods_between(period_of(start), period_of(now.date())), start=1
        ):
            late = rng.random() < 0.15
            if late and rng.random() < 0.3:
                continue  # never sent: shows as a late month
            when = datetime.combine(period_end(period), datetime.min.time(), UTC) + timedelta(
                days=14 if late else 5, hours=9
            )
            if when > now:
                break
            report = _report(project.plan, month, period, pace, spend, slipping=index == 1)
            accepted = await service.report_status(item.id, report, CommandContext(pm, now=when))
            result.reports += 1
            result.late += late
            result.alerts += len(accepted.details["alerts"])
            result.dependents_alerted += len(accepted.details["dependents_alerted"])
    return result


__all__ = ["Delivery", "deliver"]
