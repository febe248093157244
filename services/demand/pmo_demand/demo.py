"""`pmo demo` for demands: a realistic intake pipeline, through the same application service
(and so the same rules, roles and events) as the REST API."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pmo_demand.application.service import DemandService
from pmo_demand.bootstrap import MIGRATIONS, SCHEMA, build
from pmo_demand.domain import (
    AcceptDemand,
    BusinessCase,
    DemandCategory,
    DemandContent,
    ProvideInformation,
    QualifyDemand,
    RejectDemand,
    RequestInformation,
    ReviseBusinessCase,
    SubmitDemand,
    Urgency,
    WithdrawDemand,
)
from pmo_kernel.application import CommandContext
from pmo_kernel.identity import Principal
from pmo_kernel.migrations import upgrade
from pmo_kernel.money import Money
from pmo_kernel.settings import Settings

DEPARTMENTS: dict[str, list[tuple[str, str]]] = {
    "Finance": [
        ("Replace the payroll engine", "CFO"),
        ("Automate supplier invoice matching", "CFO"),
        ("IFRS 17 reporting upgrade", "CFO"),
        ("Treasury cash forecasting", "Treasurer"),
        ("Expense claims on mobile", "CFO"),
        ("Close the books in 3 days", "CFO"),
        ("Procurement spend analytics", "CPO"),
    ],
    "Human Resources": [
        ("Self-service onboarding portal", "CHRO"),
        ("Skills inventory", "CHRO"),
        ("Learning platform renewal", "CHRO"),
        ("Time and attendance badges", "COO"),
        ("Succession planning tool", "CHRO"),
        ("Candidate tracking system", "CHRO"),
    ],
    "Operations": [
        ("Warehouse slotting optimisation", "COO"),
        ("Fleet telematics", "COO"),
        ("Predictive maintenance for line 3", "Plant director"),
        ("Digital work instructions", "COO"),
        ("Returns handling redesign", "COO"),
        ("Energy monitoring in plants", "COO"),
        ("Spare parts catalogue", "COO"),
    ],
    "IT": [
        ("Move data centre to the cloud", "CIO"),
        ("Zero-trust network access", "CISO"),
        ("Identity and access management", "CISO"),
        ("Service desk consolidation", "CIO"),
        ("Retire the mainframe billing", "CIO"),
        ("Data platform foundation", "CDO"),
        ("Endpoint fleet refresh", "CIO"),
    ],
    "Sales & Marketing": [
        ("Customer portal relaunch", "CMO"),
        ("CRM consolidation", "CSO"),
        ("Pricing engine", "CSO"),
        ("Marketing consent management", "DPO"),
        ("Partner onboarding", "CSO"),
        ("Product information management", "CMO"),
    ],
    "Legal & Compliance": [
        ("GDPR records of processing", "DPO"),
        ("Whistleblowing channel", "General counsel"),
        ("Contract lifecycle management", "General counsel"),
        ("Anti-money-laundering screening", "CCO"),
        ("DORA resilience testing", "CRO"),
        ("E-invoicing mandate", "CFO"),
    ],
}

# Projects already through intake: each department's share of the portfolio the PMO runs.
IN_PORTFOLIO: dict[str, list[tuple[str, str]]] = {
    "Finance": [
        ("Group consolidation platform", "CFO"),
        ("Budgeting and planning cloud", "CFO"),
        ("Accounts payable robotics", "CFO"),
        ("Fixed assets register", "CFO"),
        ("Tax reporting engine", "Head of tax"),
        ("Credit risk scoring", "CRO"),
        ("Finance data warehouse", "CFO"),
    ],
    "Human Resources": [
        ("Global HRIS rollout", "CHRO"),
        ("Workforce planning", "CHRO"),
        ("Employee engagement surveys", "CHRO"),
        ("Hybrid workplace booking", "COO"),
        ("Payroll for new countries", "CHRO"),
        ("Leadership academy platform", "CHRO"),
        ("Health and safety incidents", "COO"),
    ],
    "Operations": [
        ("MES for all plants", "COO"),
        ("Supply chain control tower", "COO"),
        ("Quality management system", "Plant director"),
        ("Transport management system", "COO"),
        ("Demand forecasting", "COO"),
        ("Robotic picking pilot", "COO"),
        ("Supplier portal", "CPO"),
    ],
    "IT": [
        ("ERP upgrade", "CIO"),
        ("Security operations centre", "CISO"),
        ("API management platform", "CIO"),
        ("Disaster recovery site", "CIO"),
        ("Collaboration suite migration", "CIO"),
        ("Master data management", "CDO"),
        ("Observability platform", "CIO"),
    ],
    "Sales & Marketing": [
        ("E-commerce replatforming", "CMO"),
        ("Customer data platform", "CMO"),
        ("Field sales mobile app", "CSO"),
        ("Loyalty programme", "CMO"),
        ("Contact centre in the cloud", "CSO"),
        ("Quote to cash automation", "CSO"),
        ("Marketing automation", "CMO"),
    ],
    "Legal & Compliance": [
        ("Sanctions screening upgrade", "CCO"),
        ("CSRD sustainability reporting", "CFO"),
        ("NIS2 security compliance", "CISO"),
        ("Records retention", "General counsel"),
        ("Third-party risk management", "CRO"),
        ("Accessibility compliance of web sites", "DPO"),
        ("Policy management portal", "CCO"),
    ],
}

REQUESTERS = ["alice", "bruno", "chloe", "dmitri", "elena", "farid", "grace", "hugo"]
ANALYSTS = ["paul", "nadia", "omar"]
# How far each demand goes: every state appears, most demands are still in the pipeline.
JOURNEYS = ["submitted", "information_requested", "information_provided", "qualified",
            "accepted", "rejected", "withdrawn"]  # fmt: skip
WEIGHTS = [6, 5, 5, 7, 9, 4, 3]


def _principal(subject: str, role: str) -> Principal:
    return Principal(subject=subject, name=subject.title(), roles=frozenset({role}))


async def seed(settings: Settings, say: Callable[[str], None]) -> str:
    await upgrade(settings.database_url, MIGRATIONS, SCHEMA)
    container = build(settings)
    rng = random.Random(2026)
    counts: dict[str, int] = {}
    try:
        service = container.service
        for department, ideas in DEPARTMENTS.items():
            projects = IN_PORTFOLIO[department]
            for title, sponsor in ideas:
                journey = rng.choices(JOURNEYS, WEIGHTS)[0]
                reached = await _walk(service, rng, department, title, sponsor, journey)
                counts[reached] = counts.get(reached, 0) + 1
            for title, sponsor in projects:
                reached = await _walk(service, rng, department, title, sponsor, "accepted")
                counts[reached] = counts.get(reached, 0) + 1
            say(f"  {department}: {len(ideas) + len(projects)} demands")
    finally:
        await container.engine.dispose()
    total = sum(counts.values())
    states = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    return f"{total} demands from {len(DEPARTMENTS)} departments ({states})"


async def _walk(
    service: DemandService,
    rng: random.Random,
    department: str,
    title: str,
    sponsor: str,
    journey: str,
) -> str:
    requester = _principal(rng.choice(REQUESTERS), "requester")
    analyst = _principal(rng.choice(ANALYSTS), "pmo_analyst")
    # A year of intake: each step a few days to a few weeks after the one before.
    clock = [datetime.now(UTC) - timedelta(days=rng.randint(120, 365))]

    def at(min_days: int, max_days: int) -> datetime:
        clock[0] += timedelta(days=rng.randint(min_days, max_days), hours=rng.randint(0, 8))
        return clock[0]

    def as_(principal: Principal, min_days: int = 1, max_days: int = 10) -> CommandContext:
        return CommandContext(principal, now=at(min_days, max_days))

    regulatory = department == "Legal & Compliance"
    cost = Decimal(rng.choice([45, 80, 120, 180, 240, 310, 450, 900])) * 1000
    start_year = rng.choice([2027, 2027, 2028])
    start_q = rng.randint(1, 4)
    content = DemandContent(
        title=title,
        description=f"{title}: requested by {department} to address a pressing business need.",
        sponsor=sponsor,
        department=department,
        category=DemandCategory.REGULATORY if regulatory else rng.choice(
            [DemandCategory.PROJECT, DemandCategory.PROJECT, DemandCategory.CHANGE,
             DemandCategory.PROGRAMME]),
        urgency=rng.choice(list(Urgency)),
        strategic_objectives=rng.sample(
            ["Reduce operating risk", "Grow recurring revenue", "Regulatory compliance",
             "Customer experience", "Cost efficiency", "Employee experience"], 2),
        desired_start_quarter=f"{start_year}-Q{start_q}",
        desired_end_quarter=f"{start_year + 1}-Q{start_q}",
    )  # fmt: skip
    incomplete = journey in ("information_requested", "information_provided")
    case = BusinessCase(
        problem=f"Today {title.lower()} is manual, slow and error-prone.",
        objectives=["Cut cycle time by half", "Remove manual re-keying"],
        estimated_cost=Money.of(cost, "EUR"),
        effort_person_days=None if incomplete else int(cost / 650),
        expected_benefits="Lower run costs and fewer incidents",
        benefits_estimate=Money.of(cost * Decimal("1.6"), "EUR"),
        risks=["Key users unavailable during rollout"],
        options_considered=["Do nothing", "Buy a SaaS product", "Build in house"],
    )
    result = await service.submit(
        SubmitDemand(content=content, business_case=case), as_(requester, 0, 0)
    )
    demand_id = result.demand_id
    if rng.random() < 0.5:  # a revision before anyone looks at it
        revised = case.model_copy(update={"estimated_cost": Money.of(cost * Decimal("1.1"))})
        await service.revise_business_case(demand_id, ReviseBusinessCase(business_case=revised),
                                           as_(requester))  # fmt: skip
        case = revised
    if journey == "submitted":
        return journey
    if journey == "withdrawn":
        await service.withdraw(demand_id, WithdrawDemand(reason="Merged into another request"),
                               as_(requester))  # fmt: skip
        return journey
    if incomplete or rng.random() < 0.4:
        await service.request_information(
            demand_id,
            RequestInformation(questions=["What is the effort estimate?",
                                          "Which teams are affected?"]),
            as_(analyst),
        )  # fmt: skip
        if journey == "information_requested":
            return journey
        await service.provide_information(
            demand_id, ProvideInformation(answers="About 300 person-days; finance and IT."),
            as_(requester),
        )  # fmt: skip
        completed = case.model_copy(update={"effort_person_days": Decimal(300)})
        if completed != case:
            await service.revise_business_case(
                demand_id, ReviseBusinessCase(business_case=completed), as_(requester)
            )
        if journey == "information_provided":
            return journey
    if journey == "rejected":
        await service.reject(demand_id, RejectDemand(reason="Overlaps the CRM consolidation"),
                             as_(analyst))  # fmt: skip
        return journey
    await service.qualify(
        demand_id, QualifyDemand(note="Business case complete"), as_(analyst, 5, 30)
    )
    if journey == "qualified":
        return journey
    await service.accept(demand_id, AcceptDemand(note="Goes to the portfolio"), as_(analyst))
    return "accepted"
