"""The demo's delivery step on real PostgreSQL: the items approved early in the year pass G3,
start as projects and report every month since, some amber or red; the slipping project's
milestone alerts the project hanging on it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from pmo_kernel.application import CommandContext
from pmo_kernel.identity import Principal, Role
from pmo_portfolio.application.commands import (
    AddAgendaItem,
    AddMember,
    EstablishBody,
    GrantRight,
    ScheduleMeeting,
    TakeDecision,
)
from pmo_portfolio.delivery_demo import GO_BODY, GO_MEMBERS, deliver
from pmo_portfolio.domain.governance import BodyKind, Outcome
from tests.portfolio.integration.support import Portfolio

ANALYST = Principal(subject="nadia", roles=frozenset({Role.PMO_ANALYST}))
CHAIR = Principal(subject="paul", roles=frozenset({Role.PORTFOLIO_BOARD}))


async def test_the_demo_delivers_the_early_approvals_with_monthly_reports_and_alerts(
    portfolio: Portfolio,
) -> None:
    service = portfolio.container.service
    now = datetime.now(UTC)
    year_ago = now - timedelta(days=365)
    ctx = CommandContext(ANALYST, now=year_ago)
    await service.establish_body(
        EstablishBody(body_id=GO_BODY, kind=BodyKind.PROJECT_COMMITTEE, name="PC"), ctx
    )
    for person in GO_MEMBERS:
        await service.add_member(GO_BODY, AddMember(person_id=person), ctx)
    for gate in ("G2", "G3"):
        await service.grant_right(GO_BODY, GrantRight(gate=gate, outcomes=[Outcome.APPROVE]), ctx)
    await service.schedule_meeting(
        ScheduleMeeting(meeting_id="g2", body_id=GO_BODY, date=year_ago.date(), title="G2"), ctx
    )
    for item_id in ("a", "b", "c"):
        await portfolio.candidate(item_id, cost="240000")
        await service.add_agenda_item(
            "g2", AddAgendaItem(item_id=item_id, gate="G2", purpose="Approve"), ctx
        )
        await service.take_decision(
            "g2",
            TakeDecision(
                item_id=item_id,
                gate="G2",
                outcome=Outcome.APPROVE,
                participants=GO_MEMBERS,
                rationale="Sound",
            ),
            CommandContext(CHAIR, now=year_ago + timedelta(days=1)),
        )

    delivery = await deliver(service, ANALYST, now, "t", random.Random(2027))

    assert delivery.projects == 3
    assert delivery.reports >= 3 * 5
    assert delivery.alerts > 0
    assert delivery.dependents_alerted == 1
    behind = await service.projects.get("b")
    assert any(r.report.ratings.overall.rag != "green" for r in behind.reports.values())
    assert [a.event_type for a in (await service.projects.get("a")).alerts].count(
        "DependencyAlertRaised"
    ) == 1
    assert behind.exceptions
