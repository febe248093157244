"""`pmo demo` for the portfolio: a year of portfolio management on the candidates the intake made
of the accepted demo demands, through the same application service (and so the same rules,
roles and events) as the REST API.

Runs after the demand demo, while the platform runs (`pmo run`): the demand relay publishes the
accepted demands, this service's intake turns them into candidates, and this seed waits for
them. Then, month by month over the past year: six programmes, four governance bodies with
members and decision rights, a scoring model published in a first version and revised mid-year,
two or three evaluators per item, committee meetings where each item goes to the body its
routing rules require, approved items planned on the roadmap against the yearly budget
envelopes (over-commitment goes to arbitration), and two selection scenarios, one adopted.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import httpx

from pmo_kernel.application import CommandContext
from pmo_kernel.errors import DomainError
from pmo_kernel.identity import Principal, Role, issue_token
from pmo_kernel.migrations import upgrade
from pmo_kernel.money import Money
from pmo_kernel.settings import Settings
from pmo_portfolio.access import delivered
from pmo_portfolio.application.commands import (
    AddAgendaItem,
    AddMember,
    AdoptScenario,
    AssignToProgramme,
    CreateScoringModel,
    EstablishBody,
    EstablishProgramme,
    FromPortfolio,
    GrantRight,
    OpenEnvelope,
    PlanItem,
    ReviseEnvelope,
    ReviseScoringModelDraft,
    SaveScenario,
    ScheduleMeeting,
    ScoreItem,
    SelectionInputs,
    TakeDecision,
)
from pmo_portfolio.application.registers import RegisterService
from pmo_portfolio.application.service import PortfolioService
from pmo_portfolio.bootstrap import MIGRATIONS, SCHEMA, SYSTEM, build
from pmo_portfolio.delivery_demo import deliver
from pmo_portfolio.domain.governance import (
    BodyKind,
    CandidateRegistered,
    ItemState,
    MemberRole,
    Outcome,
    PortfolioItem,
)
from pmo_portfolio.domain.scoring.model import Criterion
from pmo_portfolio.registers_demo import seed_registers

MODEL_ID = "portfolio-value"
WAIT_FOR_CANDIDATES = timedelta(minutes=2)

PROGRAMMES: dict[str, tuple[str, str, str]] = {
    # department: (programme id, name, sponsor)
    "Finance": ("finance-transformation", "Finance transformation", "CFO"),
    "Human Resources": ("people-and-workplace", "People and workplace", "CHRO"),
    "Operations": ("operational-excellence", "Operational excellence", "COO"),
    "IT": ("digital-foundations", "Digital foundations", "CIO"),
    "Sales & Marketing": ("customer-growth", "Customer growth", "CMO"),
    "Legal & Compliance": ("regulatory-readiness", "Regulatory readiness", "General counsel"),
}

BODIES: dict[str, tuple[BodyKind, str, tuple[str, ...]]] = {
    # body id: (kind, name, members, the chair first)
    "steering-committee": (BodyKind.STEERING_COMMITTEE, "Executive steering committee",
                           ("claire", "victor", "ines", "marc")),
    "project-committee": (BodyKind.PROJECT_COMMITTEE, "Project committee",
                          ("nadia", "paul", "omar", "sofia")),
    "investment-committee": (BodyKind.INVESTMENT_COMMITTEE, "Investment committee",
                             ("victor", "claire", "henrik")),
    "arbitration-board": (BodyKind.ARBITRATION_BOARD, "Portfolio arbitration board",
                          ("claire", "victor", "nadia")),
}  # fmt: skip
EVALUATORS = ["paul", "nadia", "omar", "sofia"]


def _person(subject: str, role: Role) -> Principal:
    return Principal(subject=subject, name=subject.title(), roles=frozenset({role}))


ANALYST = _person("nadia", Role.PMO_ANALYST)

ENVELOPES = {2027: Decimal(6_000_000), 2028: Decimal(5_000_000), 2029: Decimal(3_000_000)}
# Scenarios look four years ahead; a year without an envelope yet gets this planning figure.
SCENARIO_YEARS = (2027, 2028, 2029, 2030)
PLANNING_ASSUMPTION = Decimal(1_000_000)


def _criteria(version: int) -> list[Criterion]:
    """Version 1 at the start of the year; version 2 (mid-year) weighs value and urgency more."""
    weights = (
        {"strategic_alignment": 30, "business_value": 30, "regulatory_obligation": 10,
         "risk": 15, "complexity": 15}
        if version == 1
        else {"strategic_alignment": 25, "business_value": 30, "time_criticality": 15,
              "regulatory_obligation": 10, "risk": 10, "complexity": 10}
    )  # fmt: skip
    labels = {
        "strategic_alignment": ("Strategic alignment", "higher_is_better", "value"),
        "business_value": ("Business value", "higher_is_better", "value"),
        "time_criticality": ("Time criticality", "higher_is_better", "value"),
        "regulatory_obligation": ("Regulatory obligation", "higher_is_better", "value"),
        "risk": ("Delivery risk", "inverse", "risk"),
        "complexity": ("Complexity", "inverse", "effort"),
    }
    return [
        Criterion.model_validate(
            {
                "key": key,
                "label": labels[key][0],
                "weight": str(weight),
                "scale": {"min": 0, "max": 10},
                "direction": labels[key][1],
                "dimension": labels[key][2],
                **({"mandatory_when_at_least": 9} if key == "regulatory_obligation" else {}),
            }
        )
        for key, weight in weights.items()
    ]


@dataclass(frozen=True)
class Candidate:
    item: PortfolioItem
    registered_at: datetime  # when its demand was accepted


@dataclass
class Year:
    """What the seed did, for its summary line."""

    meetings: int = 0
    decisions: dict[str, int] = field(default_factory=dict)
    scores: int = 0
    planned: int = 0


async def seed(settings: Settings, say: Callable[[str], None]) -> str:
    await upgrade(settings.database_url, MIGRATIONS, SCHEMA)
    container = build(settings)
    try:
        service = container.service
        await service.ensure_default_rules(CommandContext(SYSTEM))
        expected = await _accepted_demands(settings)
        candidates = await _wait_for_candidates(service, expected, say)
        return await _a_year_of_portfolio_management(service, candidates, say)
    finally:
        await container.engine.dispose()


async def _accepted_demands(settings: Settings) -> int:
    """How many candidates the intake will make: the demand feed's accepted demands."""
    token = issue_token(settings, "system:portfolio-demo", [Role.AUDITOR.value])
    accepted, after = 0, 0
    async with httpx.AsyncClient(base_url=settings.demand_url, timeout=30) as http:
        while True:
            try:
                response = await http.get(
                    "/events", params={"after": after, "limit": 5000},
                    headers={"Authorization": f"Bearer {token}"},
                )  # fmt: skip
            except httpx.TransportError as error:
                raise DomainError(
                    f"the demand service does not answer at {settings.demand_url} ({error}): "
                    "start the platform first (`pmo run`), then `pmo demo`"
                ) from None
            response.raise_for_status()
            page = response.json()
            accepted += sum(1 for e in page["events"] if e["event_type"] == "DemandAccepted")
            after = page["next_after"]
            if not page["has_more"]:
                return accepted


async def _wait_for_candidates(
    service: PortfolioService, expected: int, say: Callable[[str], None]
) -> list[Candidate]:
    say(f"  waiting for the intake to register {expected} accepted demands as candidates…")
    deadline = datetime.now(UTC) + WAIT_FOR_CANDIDATES
    while True:
        streams = await service.store.read_streams_of_type(PortfolioItem.stream_type)
        if len(streams) >= expected:
            candidates = []
            for item_id, events in streams.items():
                first = events[0].event
                registered_at = (
                    first.registered_at
                    if isinstance(first, CandidateRegistered)
                    else events[0].recorded_at
                )
                candidates.append(Candidate(PortfolioItem.load(item_id, events), registered_at))
            return sorted(candidates, key=lambda c: (c.registered_at, c.item.id))
        if datetime.now(UTC) > deadline:
            raise DomainError(
                f"only {len(streams)} of {expected} accepted demands reached the portfolio in "
                f"{WAIT_FOR_CANDIDATES}: is the platform running (`pmo run`: the demand relay "
                "and the portfolio intake)?"
            )
        await asyncio.sleep(1)


async def _a_year_of_portfolio_management(
    service: PortfolioService, candidates: list[Candidate], say: Callable[[str], None]
) -> str:
    items = [candidate.item for candidate in candidates]
    registered = {candidate.item.id: candidate.registered_at for candidate in candidates}
    rng = random.Random(2027)
    now = datetime.now(UTC)
    start = _month_start(now - timedelta(days=365))
    setup = CommandContext(ANALYST, now=start)
    await _programmes(service, items, setup)
    await _bodies(service, setup)
    await _scoring_model(service, setup)
    await _envelopes(service, setup)
    say(f"  6 programmes, {len(BODIES)} governance bodies, scoring model {MODEL_ID} v1")

    year = Year()
    undecided = [item for item in items if item.state is ItemState.CANDIDATE]
    scored: set[str] = set()
    run = uuid.uuid4().hex[:4]  # meeting ids stay unique if the demo runs twice
    for month in range(12):
        meeting_day = _month_start(start + timedelta(days=31 * month)) + timedelta(days=14)
        if meeting_day > now:
            break
        if month == 6:
            published = meeting_day - timedelta(days=12)
            await _publish_model_version_2(service, published)
            # The open pipeline and the approved items are scored again under the new version,
            # so that rankings and scenarios compare like with like; the v1 scores stay.
            open_states = (ItemState.CANDIDATE, ItemState.APPROVED)
            rescored = [
                item
                for item in items
                if item.id in scored and (await service.items.get(item.id)).state in open_states
            ]
            for item in rescored:
                year.scores += await _score(service, rng, item, published + timedelta(days=2))
            say(f"  scoring model v2 published (adds time criticality); {len(rescored)} items "
                "scored again")  # fmt: skip
        ready = [i for i in undecided if registered[i.id] < meeting_day - timedelta(days=7)]
        for item in ready:
            if item.id not in scored:
                year.scores += await _score(service, rng, item, meeting_day - timedelta(days=5))
                scored.add(item.id)
        decided = await _meetings(service, rng, ready, meeting_day, run, year)
        undecided = [item for item in undecided if item.id not in decided]
    say(f"  {year.meetings} meetings, {sum(year.decisions.values())} decisions, "
        f"{year.scores} evaluations, {year.planned} items on the roadmap")  # fmt: skip
    await _envelope_reforecast(service, now - timedelta(days=45))
    adopted = await _scenarios(service, now - timedelta(days=2), run)
    delivery = await deliver(service, ANALYST, now, run, rng)
    say(f"  {delivery.projects} projects in delivery, {delivery.reports} status reports "
        f"({delivery.late} late), {delivery.alerts} alerts, "
        f"{delivery.dependents_alerted} dependency alerts")  # fmt: skip
    current = [await service.items.get(item.id) for item in items]
    register_items = [i for i in current if delivered(i) or i.state is ItemState.CANDIDATE]
    registers = RegisterService(service.store, service.access)
    say(f"  {await seed_registers(registers, register_items, start, now)}")
    outcomes = ", ".join(f"{n} {outcome}" for outcome, n in sorted(year.decisions.items()))
    return (
        f"{len(items)} portfolio items in 6 programmes; {year.meetings} committee meetings with "
        f"{sum(year.decisions.values())} decisions ({outcomes}); {year.planned} on the roadmap; "
        f"scenario {adopted} adopted; {delivery.projects} projects in delivery with "
        f"{delivery.reports} status reports"
    )


# -- set-up --------------------------------------------------------------------------------------


async def _programmes(
    service: PortfolioService, items: Iterable[PortfolioItem], ctx: CommandContext
) -> None:
    for department, (programme_id, name, sponsor) in PROGRAMMES.items():
        if (await service.programmes.load(programme_id)).version == 0:
            await service.establish_programme(
                EstablishProgramme(
                    programme_id=programme_id, name=name, sponsor=sponsor,
                    description=f"The {department} department's projects, managed together.",
                ),
                ctx,
            )  # fmt: skip
    for item in items:
        target = PROGRAMMES.get(item.department or "")
        if target is not None and item.programme_id != target[0]:
            await service.assign_to_programme(
                item.id, AssignToProgramme(programme_id=target[0]), ctx
            )


async def _bodies(service: PortfolioService, ctx: CommandContext) -> None:
    every_outcome = list(Outcome)
    for body_id, (kind, name, members) in BODIES.items():
        if (await service.bodies.load(body_id)).version:
            continue
        await service.establish_body(EstablishBody(body_id=body_id, kind=kind, name=name), ctx)
        for index, person in enumerate(members):
            role = MemberRole.CHAIR if index == 0 else MemberRole.MEMBER
            await service.add_member(body_id, AddMember(person_id=person, role=role), ctx)
        await service.grant_right(body_id, GrantRight(gate="G2", outcomes=every_outcome), ctx)
        if kind is BodyKind.PROJECT_COMMITTEE:
            go = [Outcome.APPROVE, Outcome.DEFER, Outcome.PUT_ON_HOLD, Outcome.CANCEL]
            await service.grant_right(body_id, GrantRight(gate="G3", outcomes=go), ctx)


async def _scoring_model(service: PortfolioService, ctx: CommandContext) -> None:
    if (await service.models.load(MODEL_ID)).version:
        return
    await service.create_scoring_model(
        CreateScoringModel(model_id=MODEL_ID, name="Portfolio value", criteria=_criteria(1)), ctx
    )
    await service.publish_scoring_model(MODEL_ID, ctx)


async def _publish_model_version_2(service: PortfolioService, when: datetime) -> None:
    model = await service.models.load(MODEL_ID)
    if model.latest_version is not None and model.latest_version >= 2:
        return
    ctx = CommandContext(ANALYST, now=when)
    await service.revise_scoring_model(
        MODEL_ID, ReviseScoringModelDraft(criteria=_criteria(2)), ctx
    )
    await service.publish_scoring_model(MODEL_ID, ctx)


async def _envelopes(service: PortfolioService, ctx: CommandContext) -> None:
    opened = {envelope.year for envelope in await service.envelopes.load_all()}
    for year, amount in ENVELOPES.items():
        if year not in opened:
            await service.open_envelope(
                OpenEnvelope(
                    envelope_id=f"budget-{year}", year=year, amount=Money.of(amount, "EUR"),
                    description=f"Change-the-business budget for {year}",
                ),
                ctx,
            )  # fmt: skip


async def _envelope_reforecast(service: PortfolioService, when: datetime) -> None:
    envelope = await service.envelopes.load("budget-2027")
    if envelope.version == 0 or envelope.closed or envelope.envelope_version > 1:
        return
    await service.revise_envelope(
        "budget-2027",
        ReviseEnvelope(amount=Money.of(ENVELOPES[2027] + 500_000, "EUR"),
                       reason="Q3 reforecast: savings from the data centre exit reinvested"),
        CommandContext(ANALYST, now=when),
    )  # fmt: skip


# -- scoring and deciding ------------------------------------------------------------------------


async def _score(
    service: PortfolioService, rng: random.Random, item: PortfolioItem, when: datetime
) -> int:
    model = (await service.models.get(MODEL_ID)).for_scoring()
    keys = [criterion.key for criterion in model.criteria]
    regulatory = item.category == "regulatory"
    quality = rng.randint(3, 9)  # how good the case is, shared by the evaluators
    evaluators = rng.sample(EVALUATORS, rng.choice([2, 2, 3]))
    for offset, evaluator in enumerate(evaluators):
        scores = {
            key: (rng.randint(9, 10) if regulatory else rng.randint(0, 2))
            if key == "regulatory_obligation"
            else max(0, min(10, quality + rng.randint(-2, 2)))
            for key in keys
        }
        justifications = {key: _why(key, mark) for key, mark in scores.items()}
        principal = _person(evaluator, Role.PORTFOLIO_BOARD)
        await service.score_item(
            item.id,
            ScoreItem(model_id=MODEL_ID, scores=scores, justifications=justifications),
            CommandContext(principal, now=when + timedelta(hours=offset)),
        )
    return len(evaluators)


def _why(key: str, mark: int) -> str:
    level = "high" if mark >= 7 else "medium" if mark >= 4 else "low"
    return f"{key.replace('_', ' ')} judged {level} from the business case and the sponsor's pitch"


def _bodies_for(item: PortfolioItem) -> list[str]:
    """Which bodies the default routing rules send the item to at G2: each one a rule names must
    approve (a regulatory item above EUR 250K needs both), the project committee otherwise."""
    cost = item.estimated_cost.amount if item.estimated_cost is not None else Decimal(0)
    bodies = ["steering-committee"] if item.category == "regulatory" else []
    if cost > 250_000 or item.requires_investment_committee:
        bodies.append("investment-committee")
    return bodies or ["project-committee"]


async def _meetings(
    service: PortfolioService,
    rng: random.Random,
    ready: list[PortfolioItem],
    day: datetime,
    run: str,
    year: Year,
) -> set[str]:
    """This month's meetings: each body decides on the items routed to it; returns the items
    decided for good (deferred ones come back next month)."""
    decided: set[str] = set()
    agenda: dict[str, list[PortfolioItem]] = {}
    for item in ready:
        for body_id in _bodies_for(item):
            agenda.setdefault(body_id, []).append(item)
    for body_id, items in sorted(agenda.items()):
        members = BODIES[body_id][2]
        meeting_id = f"{body_id.split('-')[0]}-{day:%Y-%m}-{run}"
        ctx = CommandContext(ANALYST, now=day - timedelta(days=7))
        await service.schedule_meeting(
            ScheduleMeeting(meeting_id=meeting_id, body_id=body_id, date=day.date(),
                            title=f"{BODIES[body_id][1]}, {day:%B %Y}"),
            ctx,
        )  # fmt: skip
        for item in items:
            await service.add_agenda_item(
                meeting_id,
                AddAgendaItem(item_id=item.id, gate="G2", purpose="Approve the business case"),
                ctx,
            )
        year.meetings += 1
        board = _person(members[0], Role.PORTFOLIO_BOARD)  # the chair records the minutes
        for minute, item in enumerate(items):
            current = await service.items.get(item.id)
            if current.state is not ItemState.CANDIDATE:
                continue  # another body of the month rejected it: it stays undecided here
            if any(given.body_id == body_id for given in current.approvals_given("G2")):
                continue  # this body approved it already; it awaits the other one
            outcome = rng.choices(
                [Outcome.APPROVE, Outcome.APPROVE_WITH_CONDITIONS, Outcome.REJECT, Outcome.DEFER],
                [68, 12, 8, 12],
            )[0]
            when = day + timedelta(minutes=10 * minute)
            taken = await service.take_decision(
                meeting_id,
                TakeDecision(
                    item_id=item.id, gate="G2", outcome=outcome,
                    participants=list(members[: rng.randint(2, len(members))]),
                    rationale=_rationale(outcome, item),
                    conditions=(["Monthly status to the PMO", "Benefits review after go-live"]
                                if outcome is Outcome.APPROVE_WITH_CONDITIONS else []),
                    scoring_model_id=MODEL_ID,
                ),
                CommandContext(board, now=when),
            )  # fmt: skip
            year.decisions[outcome.value] = year.decisions.get(outcome.value, 0) + 1
            state = ItemState(taken.details["item_state"])
            if state is not ItemState.CANDIDATE:  # approved by every body it needed, or not
                decided.add(item.id)
            if state is ItemState.APPROVED:
                await _plan(service, rng, current, when + timedelta(days=7))
                year.planned += 1
        await service.close_meeting(
            meeting_id, CommandContext(ANALYST, now=day + timedelta(hours=3))
        )
    return decided


def _rationale(outcome: Outcome, item: PortfolioItem) -> str:
    return {
        Outcome.APPROVE: f"{item.title}: the case is sound and fits the strategy.",
        Outcome.APPROVE_WITH_CONDITIONS: f"{item.title}: worth doing, under close watch.",
        Outcome.REJECT: f"{item.title}: the benefits do not justify the cost today.",
        Outcome.DEFER: f"{item.title}: come back next month with a firmer estimate.",
    }.get(outcome, str(outcome.label))


async def _plan(
    service: PortfolioService, rng: random.Random, item: PortfolioItem, when: datetime
) -> None:
    """Place the item where it asked to start, for four to six quarters, its cost spread evenly."""
    start = item.desired_start_quarter or f"{when.year + 1}-Q1"
    first_year, first_quarter = int(start[:4]), int(start[-1])
    quarters = [
        (first_year + (first_quarter - 1 + n) // 4, (first_quarter - 1 + n) % 4 + 1)
        for n in range(rng.randint(4, 6))
    ]
    cost = item.estimated_cost or Money.of(100_000, "EUR")
    per_quarter = cost.amount / len(quarters)
    by_year: dict[int, Decimal] = {}
    for year, _ in quarters:
        by_year[year] = by_year.get(year, Decimal(0)) + per_quarter
    cost_per_year = {
        year: Money.of(amount.quantize(Decimal("0.01"), ROUND_HALF_UP), cost.currency)
        for year, amount in by_year.items()
    }
    end_year, end_quarter = quarters[-1]
    await service.plan_item(
        item.id,
        PlanItem(start_quarter=start, end_quarter=f"{end_year}-Q{end_quarter}",
                 cost_per_year=cost_per_year),
        CommandContext(ANALYST, now=when),
    )  # fmt: skip


# -- scenarios -----------------------------------------------------------------------------------


async def _scenarios(service: PortfolioService, when: datetime, run: str) -> str:
    """Two what-ifs over the open candidates and the approved items; the committee adopts one."""
    envelopes = await service.open_envelopes()
    budgets = {
        year: envelopes[year].amount.amount if year in envelopes else PLANNING_ASSUMPTION
        for year in SCENARIO_YEARS
    }
    ids = {}
    for suffix, name, factor in (
        ("current", "Within the current envelopes", Decimal(1)),
        ("cut-20", "A 20% budget cut", Decimal("0.8")),
    ):
        scenario_id = f"selection-{when:%Y}-{suffix}-{run}"
        await service.save_scenario(
            SaveScenario(
                scenario_id=scenario_id, name=name,
                description=f"{name}: the best-scoring set of items that fits.",
                inputs=SelectionInputs(
                    from_portfolio=FromPortfolio(scoring_model_id=MODEL_ID),
                    budgets={y: (b * factor).quantize(Decimal(1)) for y, b in budgets.items()},
                    currency="EUR",
                ),
            ),
            CommandContext(ANALYST, now=when),
        )  # fmt: skip
        ids[suffix] = scenario_id
    meeting_id = f"investment-{when:%Y-%m-%d}-scenarios-{run}"
    members = BODIES["investment-committee"][2]
    await service.schedule_meeting(
        ScheduleMeeting(meeting_id=meeting_id, body_id="investment-committee", date=when.date(),
                        title="Portfolio selection for the next two years"),
        CommandContext(ANALYST, now=when - timedelta(days=3)),
    )  # fmt: skip
    board = _person(members[0], Role.PORTFOLIO_BOARD)
    await service.adopt_scenario(
        meeting_id,
        AdoptScenario(scenario_id=ids["current"], participants=list(members),
                      rationale="The best value the current envelopes can buy."),
        CommandContext(board, now=when + timedelta(hours=1)),
    )  # fmt: skip
    await service.close_meeting(meeting_id, CommandContext(ANALYST, now=when + timedelta(hours=2)))
    return ids["current"]


def _month_start(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, 1, 9, tzinfo=UTC)


__all__ = ["seed"]
