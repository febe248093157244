"""`pmo demo` for capacity: the people who staff the demo's portfolio, through the capacity
service's own commands (and so its rules, roles and events).

Runs after the portfolio demo (the CLI seeds a service after those it consumes): two working
calendars (Belgium 38 h, France 35 h, with their 2027 public holidays), a skills catalogue, 40
people in five teams imported as one CSV, their line managers' availability reports for this
month and the eleven after it (holidays, support rotas, training), soft and hard allocations to
the portfolio's planned items (a few accepted as over-allocations), a few resource requests, and a
staffing proposal over them with one assignment accepted. A second run changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from pmo_capacity.application.planned_items import ENDINGS, ITEM_STREAM
from pmo_capacity.application.requests import ResourceRequestService
from pmo_capacity.application.service import CapacityService
from pmo_capacity.application.staffing import ProposeStaffing, StaffingService
from pmo_capacity.bootstrap import MIGRATIONS, SCHEMA, CapacityContainer, build
from pmo_capacity.domain import (
    AddSkill,
    DefineCalendar,
    OverAllocation,
    Person,
    PersonRole,
    ProposeAllocation,
    RaiseResourceRequest,
    ReportAvailability,
    RequiredSkill,
    weeks_of_month,
)
from pmo_capacity.domain.model import monday_of, week_of
from pmo_kernel.application import CommandContext
from pmo_kernel.capacity import weeks_of_quarter
from pmo_kernel.errors import DomainError
from pmo_kernel.identity import Principal, Role, issue_token
from pmo_kernel.migrations import upgrade
from pmo_kernel.months import month_at, month_index, month_of
from pmo_kernel.settings import Settings

RESOURCE_MANAGER = Principal(subject="rita", name="Rita", roles=frozenset({"resource_manager"}))
PROJECT_MANAGER = Principal(subject="paula", name="Paula", roles=frozenset({"project_manager"}))

CALENDARS = {
    "BE": ("Belgium", Decimal(38), [
        date(2027, 1, 1), date(2027, 3, 29), date(2027, 5, 1), date(2027, 5, 6),
        date(2027, 5, 17), date(2027, 7, 21), date(2027, 8, 15), date(2027, 11, 1),
        date(2027, 11, 11), date(2027, 12, 25),
    ]),
    "FR": ("France", Decimal(35), [
        date(2027, 1, 1), date(2027, 3, 29), date(2027, 5, 1), date(2027, 5, 6),
        date(2027, 5, 8), date(2027, 5, 17), date(2027, 7, 14), date(2027, 8, 15),
        date(2027, 11, 1), date(2027, 11, 11), date(2027, 12, 25),
    ]),
}  # fmt: skip

SKILLS = {
    "Prince2": "Project management method", "Agile coaching": "Scrum, Kanban, SAFe",
    "Business analysis": "Requirements, processes, use cases", "BPMN": "Process modelling",
    "Enterprise architecture": "TOGAF, capability maps", "Cloud architecture": "AWS, Azure",
    "Python": None, "Java": None, "TypeScript": None, "SQL": None, "SAP": "ERP modules",
    "Salesforce": "CRM platform", "Kubernetes": "Containers in production",
    "Data engineering": "Pipelines, warehouses", "Power BI": "Reporting and dashboards",
    "Test automation": "Playwright, Selenium", "Performance testing": None,
    "Security": "Application security, IAM", "ITIL": "Service management",
    "Change management": "Training and adoption",
}  # fmt: skip

# team: (line manager, calendar, {role: (how many, skills to draw from)}). A PMO staffs project
# and programme managers and analysts first: two delivery teams of them, then the specialists.
TEAMS: dict[str, tuple[str, str, dict[PersonRole, tuple[int, tuple[str, ...]]]]] = {
    "Delivery Brussels": ("marc", "BE", {
        PersonRole.PROJECT_MANAGER: (8, ("Prince2", "Agile coaching", "Change management")),
        PersonRole.PROGRAMME_MANAGER: (3, ("Prince2", "Change management")),
    }),
    "Delivery Paris": ("sofia", "FR", {
        PersonRole.PROJECT_MANAGER: (7, ("Prince2", "Agile coaching", "SAP")),
        PersonRole.PROGRAMME_MANAGER: (3, ("Prince2", "Change management")),
    }),
    "Business Analysis": ("henrik", "FR", {
        PersonRole.BUSINESS_ANALYST: (6, ("Business analysis", "BPMN", "SQL", "SAP", "Power BI")),
    }),
    "Architecture and Engineering": ("ines", "BE", {
        PersonRole.ARCHITECT: (3, ("Enterprise architecture", "Cloud architecture", "Security")),
        PersonRole.DEVELOPER: (6, ("Python", "Kubernetes", "Java", "SQL", "Data engineering")),
    }),
    "Service Support": ("karel", "BE", {
        PersonRole.SUPPORT: (4, ("ITIL", "Kubernetes", "SAP", "Salesforce")),
    }),
}  # fmt: skip
RATES = {PersonRole.PROJECT_MANAGER: 750, PersonRole.PROGRAMME_MANAGER: 950,
         PersonRole.BUSINESS_ANALYST: 650, PersonRole.ARCHITECT: 900,
         PersonRole.DEVELOPER: 600, PersonRole.TESTER: 550, PersonRole.SUPPORT: 500}  # fmt: skip
FIRST_NAMES = (
    "Ann", "Luc", "Eva", "Tom", "Sara", "Jan", "Lea", "Noah", "Emma", "Hugo", "Lina", "Bram",
    "Julie", "Louis", "Nora", "Victor", "Elise", "Arthur", "Camille", "Milan",
)  # fmt: skip
LAST_NAMES = (
    "Peeters", "Dupont", "Janssens", "Martin", "Maes", "Bernard", "Claes", "Petit", "Jacobs",
    "Durand", "Wouters", "Leroy", "Mertens", "Moreau", "Willems", "Simon",
)  # fmt: skip
PROJECTS_STAFFED = 8  # the portfolio's planned items that get allocations
ALLOCATION_WEEKS = 13
REPORTED_MONTHS = 12
OVERBOOKED = 3  # allocations a project manager accepts as over-allocation, flagged


@dataclass(frozen=True)
class PlannedProject:
    """A portfolio item on the roadmap: its id and its quarters."""

    item_id: str
    start_quarter: str
    end_quarter: str


async def seed(settings: Settings, say: Callable[[str], None]) -> str:
    await upgrade(settings.database_url, MIGRATIONS, SCHEMA)
    container = build(settings)
    try:
        projects = projects_of(await _portfolio_events(settings))
        say(f"  {len(projects)} planned portfolio items to staff")
        return await load_demo(container, projects, date.today(), say)
    finally:
        await container.engine.dispose()


async def _portfolio_events(settings: Settings) -> list[dict[str, Any]]:
    token = issue_token(settings, "system:capacity-demo", [Role.AUDITOR.value])
    events: list[dict[str, Any]] = []
    after = 0
    async with httpx.AsyncClient(base_url=settings.portfolio_url, timeout=30) as http:
        while True:
            try:
                response = await http.get(
                    "/events", params={"after": after, "limit": 5000},
                    headers={"Authorization": f"Bearer {token}"},
                )  # fmt: skip
            except httpx.TransportError as error:
                raise DomainError(
                    f"the portfolio service does not answer at {settings.portfolio_url} "
                    f"({error}): start the platform first (`pmo run`), then `pmo demo`"
                ) from None
            response.raise_for_status()
            page = response.json()
            events.extend(page["events"])
            after = page["next_after"]
            if not page["has_more"]:
                return events


def projects_of(events: Iterable[Mapping[str, Any]]) -> list[PlannedProject]:
    """The items the portfolio's feed shows planned (their latest plan) and not ended since."""
    planned: dict[str, PlannedProject] = {}
    for event in events:
        if event.get("stream_type") != ITEM_STREAM:
            continue
        payload = event["payload"]
        if event["event_type"] == "ItemPlanned":
            planned[payload["item_id"]] = PlannedProject(
                payload["item_id"], payload["start_quarter"], payload["end_quarter"]
            )
        elif event["event_type"] == "ItemDecided" and payload.get("state") in ENDINGS:
            planned.pop(payload["item_id"], None)
    return sorted(planned.values(), key=lambda p: (p.start_quarter, p.item_id))


async def load_demo(
    container: CapacityContainer,
    projects: Sequence[PlannedProject],
    today: date,
    say: Callable[[str], None],
) -> str:
    service = container.service
    if (await service.skill_catalogue()).version:
        return "already loaded (the skills catalogue exists): nothing changed"
    rng = random.Random(2027)
    setup = CommandContext(RESOURCE_MANAGER)
    for calendar_id, (name, hours, holidays) in CALENDARS.items():
        await service.define_calendar(
            DefineCalendar(calendar_id=calendar_id, name=name, hours_per_week=hours,
                           public_holidays=holidays),
            setup,
        )  # fmt: skip
    for skill, description in SKILLS.items():
        await service.add_skill(AddSkill(name=skill, description=description), setup)
    imported = await service.import_people(_people_csv(rng), setup)
    people = [await service.people.get(p.id) for p in imported.people]
    say(f"  2 calendars, {len(SKILLS)} skills, {len(people)} people in {len(TEAMS)} teams")
    reports = await _availability(service, rng, people, today)
    soft, hard = await _allocations(service, rng, people, projects)
    raised = await _requests(container.requests, rng, projects)
    staffed = await _staff(container.staffing, raised)
    return (
        f"{len(people)} people in {len(TEAMS)} teams on 2 calendars, {len(SKILLS)} skills; "
        f"{reports} availability reports; {soft + hard} allocations ({hard} hard) to "
        f"{min(len(projects), PROJECTS_STAFFED)} portfolio items; {len(raised)} resource "
        f"requests; {staffed}"
    )


async def _staff(staffing: StaffingService, request_ids: Sequence[str]) -> str:
    """A staffing proposal over the demo's own requests, its first assignment accepted (the
    others stay proposed, to accept or decline from the front end)."""
    if not request_ids:
        return "no staffing proposal"
    ctx = CommandContext(RESOURCE_MANAGER)
    proposed = await staffing.propose(ProposeStaffing(request_ids=list(request_ids)), ctx)
    proposal = await staffing.proposal(proposed.proposal_id)
    assert proposal.proposed is not None
    assignments = proposal.proposed.assignments
    if assignments:
        await staffing.accept(proposal.id, assignments[0].request_id, ctx)
    return (
        f"a staffing proposal with {len(assignments)} assignments, "
        f"{min(1, len(assignments))} accepted"
    )


def _people_csv(rng: random.Random) -> str:
    """The 40 people as the CSV a resource manager would import (POST /people/import)."""
    lines = ["name,line_manager,team,roles,skills,cost_rate_per_day,currency,calendar_id,"
             "part_time_percent"]  # fmt: skip
    names = iter(rng.sample([f"{f} {s}" for f in FIRST_NAMES for s in LAST_NAMES], 40))
    for team, (manager, calendar_id, roles) in TEAMS.items():
        for role, (count, pool) in roles.items():
            for _ in range(count):
                skills = rng.sample(pool, rng.randint(1, min(3, len(pool))))
                levels = ";".join(f"{skill}:{rng.randint(2, 5)}" for skill in skills)
                also_analyst = role is PersonRole.PROJECT_MANAGER and rng.random() < 0.3
                extra = f";{PersonRole.BUSINESS_ANALYST.value}" if also_analyst else ""
                rate = RATES[role] + rng.randrange(-50, 101, 25)
                part_time = rng.choice(["", "", "", "", "80", "60"])
                lines.append(f"{next(names)},{manager},{team},{role.value}{extra},{levels},"
                             f"{rate},EUR,{calendar_id},{part_time}")  # fmt: skip
    return "\n".join(lines) + "\n"


async def _availability(
    service: CapacityService, rng: random.Random, people: Sequence[Person], today: date
) -> int:
    """A year from this month: holidays, a monthly support rota, training days."""
    this_month = month_index(month_of(today))
    months = [month_at(this_month + n) for n in range(REPORTED_MONTHS)]
    reports = 0
    for person in people:
        ctx = CommandContext(Principal(subject=person.line_manager))
        if PersonRole.SUPPORT in person.roles or rng.random() < 0.15:
            month = rng.choice(months)
            await service.report_availability(
                person.id,
                ReportAvailability(month=month, other_duty_hours=Decimal(8),
                                   note="support rota"),
                ctx,
            )  # fmt: skip
            reports += len(weeks_of_month(month))
        for _ in range(rng.choice([1, 2, 3, 4])):
            week = rng.choice(weeks_of_month(rng.choice(months)))
            holiday = rng.random() < 0.7
            await service.report_availability(
                person.id,
                ReportAvailability(
                    week=week,
                    absence_hours=Decimal(rng.choice([8, 16, 38])) if holiday else None,
                    available_percent=None if holiday else Decimal(60),
                    note="holiday" if holiday else "training",
                ),
                ctx,
            )
            reports += 1
    return reports


async def _allocations(
    service: CapacityService,
    rng: random.Random,
    people: Sequence[Person],
    projects: Sequence[PlannedProject],
) -> tuple[int, int]:
    """Two to four people a project, from its first planned week, in hours or in percent of
    their availability; about half confirmed by the line manager. The first few that would
    overbook someone are accepted as over-allocations (flagged, as a hurried project manager
    does), the others are not made."""
    soft = hard = forced = 0
    allocator = CommandContext(PROJECT_MANAGER)
    for project in projects[:PROJECTS_STAFFED]:
        start = weeks_of_quarter(project.start_quarter)[0]
        last = weeks_of_quarter(project.end_quarter)[-1]
        end = min(last, week_of(monday_of(start) + timedelta(weeks=ALLOCATION_WEEKS - 1)),
                  key=monday_of)  # fmt: skip
        for person in rng.sample(list(people), rng.randint(2, 4)):
            in_percent = rng.random() < 0.4
            command = ProposeAllocation(
                project_id=project.item_id, start_week=start, end_week=end,
                hours_per_week=None if in_percent else Decimal(rng.choice([8, 12, 16])),
                percent_of_availability=Decimal(rng.choice([20, 30, 40])) if in_percent else None,
            )  # fmt: skip
            try:
                result = await service.propose_allocation(person.id, command, allocator)
            except OverAllocation:
                if forced >= OVERBOOKED:
                    continue
                forced += 1
                command = command.model_copy(update={"accept_over_allocation": True})
                await service.propose_allocation(person.id, command, allocator)
                soft += 1
                continue
            assert result.allocation_id is not None
            if rng.random() < 0.5:
                manager = CommandContext(Principal(subject=person.line_manager))
                await service.confirm_allocation(person.id, result.allocation_id, manager)
                hard += 1
            else:
                soft += 1
    return soft, hard


async def _requests(
    requests: ResourceRequestService, rng: random.Random, projects: Sequence[PlannedProject]
) -> list[str]:
    """A few needs nobody fills yet: a role and skills for a project's first quarter."""
    needs = [
        (PersonRole.DEVELOPER, [RequiredSkill(name="Python", min_level=3)]),
        (PersonRole.PROJECT_MANAGER, [RequiredSkill(name="Prince2", min_level=3)]),
        (PersonRole.ARCHITECT, [RequiredSkill(name="Cloud architecture", min_level=4)]),
        (PersonRole.BUSINESS_ANALYST, [RequiredSkill(name="SAP", min_level=3),
                                       RequiredSkill(name="BPMN", min_level=2)]),
    ]  # fmt: skip
    raised: list[str] = []
    for project, (role, skills) in zip(projects[:PROJECTS_STAFFED], needs, strict=False):
        weeks = weeks_of_quarter(project.start_quarter)
        result = await requests.raise_request(
            RaiseResourceRequest(
                project_id=project.item_id, role=role, skills=skills, start_week=weeks[0],
                end_week=weeks[-1], hours_per_week=Decimal(rng.choice([16, 24, 32])),
                note="demo: staffing still open",
            ),
            CommandContext(PROJECT_MANAGER),
        )  # fmt: skip
        raised.append(result.id)
    return raised


__all__ = ["PlannedProject", "load_demo", "projects_of", "seed"]
