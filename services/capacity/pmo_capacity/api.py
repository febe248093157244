"""The capacity REST command API: one endpoint per command, reads folded from the streams.

Optimistic concurrency: responses carry `ETag: "<version>"`; a command sent with
`If-Match: "<version>"` is refused with 409 if the person has moved on. Retries: send an
`Idempotency-Key` header and a repeated request returns the first outcome, writing nothing
(pmo_kernel.idempotency).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from pmo_capacity.application.people_csv import MAX_ROWS
from pmo_capacity.application.requests import ResourceRequestService
from pmo_capacity.application.service import CapacityService, CommandResult
from pmo_capacity.domain import (
    AddSkill,
    CancelResourceRequest,
    ConfirmAllocation,
    DefineCalendar,
    ProposeAllocation,
    RaiseResourceRequest,
    RecordLeaving,
    RegisterPerson,
    ReleaseAllocation,
    ReportAvailability,
    RequestStatus,
    ReviseResourceRequest,
)
from pmo_capacity.domain.model import WEEK_PATTERN, monday_of, week_of
from pmo_capacity.views import (
    CalendarView,
    CommandAccepted,
    PeopleImported,
    PersonView,
    ResourceRequestView,
    SkillsView,
)
from pmo_kernel.application import CommandContext
from pmo_kernel.errors import DomainError, UnsupportedMediaType
from pmo_kernel.http.auth import CurrentPrincipal
from pmo_kernel.http.commands import Context
from pmo_kernel.http.conditional import etag
from pmo_kernel.http.idempotency import run_once
from pmo_kernel.http.problems import problem_responses

PROBLEMS = problem_responses(
    {
        400: "Malformed request",
        401: "Missing or invalid bearer token",
        403: "The caller's roles do not allow this command, or they are not the line manager",
        404: "No such person, calendar, allocation or resource request, or not one the caller "
        "may see",
        409: "Not allowed in the current state, or the person changed (If-Match / concurrency)",
        413: "Body too large",
        422: "Invalid body or business rule failed (an overbooking names its weeks)",
        429: "Too many commands from this caller: send again after Retry-After seconds",
        503: "The database is unavailable: nothing was written, send again after Retry-After",
    }
)
M = TypeVar("M", bound=BaseModel)
DEFAULT_WEEKS = 13  # a read without a range: this week and the next twelve


async def _service(request: Request) -> CapacityService:
    service: CapacityService = request.app.state.capacity_service
    return service


Service = Annotated[CapacityService, Depends(_service)]


def _accepted(result: CommandResult, response: Response, location: str) -> CommandAccepted:
    response.headers["ETag"] = etag(result.version)
    response.headers["Location"] = location
    return CommandAccepted(
        id=result.id,
        version=result.version,
        event_ids=[str(e) for e in result.event_ids],
        allocation_id=result.allocation_id,
        replayed=result.replayed,
    )


async def _once(
    request: Request,
    ctx: CommandContext,
    body: BaseModel | None,
    response: Response,
    status_code: int,
    execute: Callable[[], Awaitable[M]],
) -> M | JSONResponse:
    return await run_once(
        request, ctx.principal, ctx.idempotency_key, body, response, status_code, execute
    )


calendars = APIRouter(prefix="/calendars", tags=["calendars"], responses=PROBLEMS)
people = APIRouter(prefix="/people", tags=["people"], responses=PROBLEMS)
skills = APIRouter(prefix="/skills", tags=["skills"], responses=PROBLEMS)


@skills.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a skill to the catalogue; names are unique case-insensitively (resource manager)",
    response_model=CommandAccepted,
)
async def add_skill(
    body: AddSkill, service: Service, ctx: Context, response: Response, request: Request
) -> CommandAccepted | JSONResponse:
    async def execute() -> CommandAccepted:
        result = await service.add_skill(body, ctx)
        return _accepted(result, response, "/skills")

    return await _once(request, ctx, body, response, status.HTTP_201_CREATED, execute)


@skills.get("", summary="The skills catalogue: the skills people may have and requests need")
async def list_skills(
    service: Service, response: Response, principal: CurrentPrincipal
) -> SkillsView:
    catalogue = await service.skill_catalogue()
    response.headers["ETag"] = etag(catalogue.version)
    return SkillsView.of(catalogue)


@calendars.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Define a working calendar: contract hours a week, public holidays (resource manager)",
    response_model=CommandAccepted,
)
async def define_calendar(
    body: DefineCalendar, service: Service, ctx: Context, response: Response, request: Request
) -> CommandAccepted | JSONResponse:
    async def execute() -> CommandAccepted:
        result = await service.define_calendar(body, ctx)
        return _accepted(result, response, f"/calendars/{result.id}")

    return await _once(request, ctx, body, response, status.HTTP_201_CREATED, execute)


@calendars.get("/{calendar_id}", summary="A working calendar")
async def get_calendar(
    calendar_id: str, service: Service, response: Response, principal: CurrentPrincipal
) -> CalendarView:
    calendar = await service.calendar(calendar_id)
    response.headers["ETag"] = etag(calendar.version)
    return CalendarView.of(calendar)


@people.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a person: line manager, team, roles, skills, cost rate (resource manager)",
    response_model=CommandAccepted,
)
async def register_person(
    body: RegisterPerson, service: Service, ctx: Context, response: Response, request: Request
) -> CommandAccepted | JSONResponse:
    async def execute() -> CommandAccepted:
        result = await service.register_person(body, ctx)
        return _accepted(result, response, f"/people/{result.id}")

    return await _once(request, ctx, body, response, status.HTTP_201_CREATED, execute)


class PeopleCsv(BaseModel):
    """The CSV of an import, as the idempotency fingerprint sees it."""

    csv: str


CSV_MEDIA_TYPE = "text/csv"


@people.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    summary="Register people from CSV, all in one append or none (resource manager); any "
    "rejected row: 422 listing every one (row, column, message)",
    description=(
        "Body `text/csv` (UTF-8), a header row then one person a row; columns name, "
        "line_manager, team, roles (`;`-separated), skills (`name:level;name:level`), "
        "cost_rate_per_day, currency, calendar_id, part_time_percent (empty: 100). Each row "
        f"follows the rules of POST /people. At most {MAX_ROWS} rows (413)."
    ),
    response_model=PeopleImported,
    responses=problem_responses({415: "The body is not text/csv"}),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
async def import_people(
    service: Service, ctx: Context, response: Response, request: Request
) -> PeopleImported | JSONResponse:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != CSV_MEDIA_TYPE:
        raise UnsupportedMediaType(
            f"send the people as {CSV_MEDIA_TYPE}, not {media_type or 'no content type'}"
        )
    try:
        text = (await request.body()).decode("utf-8-sig")  # a spreadsheet's BOM is not a column
    except UnicodeDecodeError:
        raise DomainError("the CSV is not UTF-8 text") from None

    async def execute() -> PeopleImported:
        result = await service.import_people(text, ctx)
        response.headers["Location"] = "/people"
        return PeopleImported.of(result)

    return await _once(
        request, ctx, PeopleCsv(csv=text), response, status.HTTP_201_CREATED, execute
    )


Week = Annotated[str | None, Query(pattern=WEEK_PATTERN, description="ISO week, e.g. 2027-W05")]


def _week(value: str | None, default: date, name: str) -> str:
    if value is None:
        return week_of(default)
    try:
        monday_of(value)
    except ValueError:
        raise DomainError(f"{name}: {value} is not an ISO week of its year") from None
    return value


@people.get(
    "/{person_id}",
    summary="A person with their availability and allocation load each week of a range",
)
async def get_person(
    person_id: str,
    service: Service,
    response: Response,
    principal: CurrentPrincipal,
    from_week: Week = None,
    to_week: Week = None,
) -> PersonView:
    today = date.today()
    first = _week(from_week, today, "from_week")
    last = _week(to_week, monday_of(first) + timedelta(weeks=DEFAULT_WEEKS - 1), "to_week")
    load = await service.load(person_id, first, last, principal)
    response.headers["ETag"] = etag(load.person.version)
    return PersonView.of(load)


def _person_command(
    path: str,
    summary: str,
    run: Callable[[CapacityService, str, BaseModel, CommandContext], Awaitable[CommandResult]],
    body_type: type[BaseModel],
    name: str,
) -> None:
    async def endpoint(
        person_id: str,
        body: BaseModel,
        service: Service,
        ctx: Context,
        response: Response,
        request: Request,
    ) -> CommandAccepted | JSONResponse:
        async def execute() -> CommandAccepted:
            result = await run(service, person_id, body, ctx)
            return _accepted(result, response, f"/people/{person_id}")

        return await _once(request, ctx, body, response, status.HTTP_200_OK, execute)

    endpoint.__annotations__ = {**endpoint.__annotations__, "body": body_type}
    endpoint.__name__ = name
    people.add_api_route(
        f"/{{person_id}}/{path}",
        endpoint,
        methods=["POST"],
        summary=summary,
        response_model=CommandAccepted,
    )


async def _leaving(
    service: CapacityService, person_id: str, body: BaseModel, ctx: CommandContext
) -> CommandResult:
    assert isinstance(body, RecordLeaving)
    return await service.record_leaving(person_id, body, ctx)


async def _report(
    service: CapacityService, person_id: str, body: BaseModel, ctx: CommandContext
) -> CommandResult:
    assert isinstance(body, ReportAvailability)
    return await service.report_availability(person_id, body, ctx)


async def _propose(
    service: CapacityService, person_id: str, body: BaseModel, ctx: CommandContext
) -> CommandResult:
    assert isinstance(body, ProposeAllocation)
    return await service.propose_allocation(person_id, body, ctx)


_person_command("leaving", "Record the person's last day (resource manager)", _leaving,
                RecordLeaving, "record_leaving")  # fmt: skip
_person_command("availability-reports",
                "Report the person's availability for one ISO week, or a month: each of its ISO "
                "weeks, those whose Thursday is in it (their line manager)",
                _report, ReportAvailability, "report_availability")  # fmt: skip
_person_command("allocations",
                "Propose a soft allocation, in hours a week or in percent of the person's "
                "availability each week; refused (422 over_allocation, naming the weeks) if "
                "it overbooks the person, unless accept_over_allocation (then flagged)",
                _propose, ProposeAllocation, "propose_allocation")  # fmt: skip


@people.post(
    "/{person_id}/allocations/{allocation_id}/confirmation",
    summary="Confirm an allocation: it becomes hard (the person's line manager only)",
    response_model=CommandAccepted,
)
async def confirm_allocation(
    person_id: str,
    allocation_id: str,
    body: ConfirmAllocation,
    service: Service,
    ctx: Context,
    response: Response,
    request: Request,
) -> CommandAccepted | JSONResponse:
    async def execute() -> CommandAccepted:
        result = await service.confirm_allocation(person_id, allocation_id, ctx)
        return _accepted(result, response, f"/people/{person_id}")

    return await _once(request, ctx, body, response, status.HTTP_200_OK, execute)


@people.post(
    "/{person_id}/allocations/{allocation_id}/release",
    summary="Release an allocation: its hours no longer load the person",
    response_model=CommandAccepted,
)
async def release_allocation(
    person_id: str,
    allocation_id: str,
    body: ReleaseAllocation,
    service: Service,
    ctx: Context,
    response: Response,
    request: Request,
) -> CommandAccepted | JSONResponse:
    async def execute() -> CommandAccepted:
        result = await service.release_allocation(person_id, allocation_id, body, ctx)
        return _accepted(result, response, f"/people/{person_id}")

    return await _once(request, ctx, body, response, status.HTTP_200_OK, execute)


async def _request_service(request: Request) -> ResourceRequestService:
    service: ResourceRequestService = request.app.state.request_service
    return service


RequestService = Annotated[ResourceRequestService, Depends(_request_service)]

requests = APIRouter(prefix="/resource-requests", tags=["resource requests"], responses=PROBLEMS)


@requests.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Raise a resource request: a role, skills, hours a week over ISO weeks, for a "
    "project (project manager, PMO analyst, resource manager)",
    response_model=CommandAccepted,
)
async def raise_resource_request(
    body: RaiseResourceRequest,
    service: RequestService,
    ctx: Context,
    response: Response,
    request: Request,
) -> CommandAccepted | JSONResponse:
    async def execute() -> CommandAccepted:
        result = await service.raise_request(body, ctx)
        return _accepted(result, response, f"/resource-requests/{result.id}")

    return await _once(request, ctx, body, response, status.HTTP_201_CREATED, execute)


@requests.get("", summary="Resource requests, by status and / or project")
async def list_resource_requests(
    service: RequestService,
    principal: CurrentPrincipal,
    state: Annotated[RequestStatus | None, Query(alias="status")] = None,
    project_id: str | None = None,
) -> list[ResourceRequestView]:
    found = await service.requests_of(principal, state, project_id)
    return [ResourceRequestView.of(r) for r in found]


@requests.get("/{request_id}", summary="A resource request")
async def get_resource_request(
    request_id: str, service: RequestService, response: Response, principal: CurrentPrincipal
) -> ResourceRequestView:
    found = await service.request(request_id, principal)
    response.headers["ETag"] = etag(found.version)
    return ResourceRequestView.of(found)


@requests.post(
    "/{request_id}/revision",
    summary="Revise an open request's period, hours or skills (a project manager only those "
    "they raised)",
    response_model=CommandAccepted,
)
async def revise_resource_request(
    request_id: str,
    body: ReviseResourceRequest,
    service: RequestService,
    ctx: Context,
    response: Response,
    request: Request,
) -> CommandAccepted | JSONResponse:
    async def execute() -> CommandAccepted:
        result = await service.revise(request_id, body, ctx)
        return _accepted(result, response, f"/resource-requests/{request_id}")

    return await _once(request, ctx, body, response, status.HTTP_200_OK, execute)


@requests.post(
    "/{request_id}/cancellation",
    summary="Cancel an open request, saying why (a project manager only those they raised)",
    response_model=CommandAccepted,
)
async def cancel_resource_request(
    request_id: str,
    body: CancelResourceRequest,
    service: RequestService,
    ctx: Context,
    response: Response,
    request: Request,
) -> CommandAccepted | JSONResponse:
    async def execute() -> CommandAccepted:
        result = await service.cancel(request_id, body, ctx)
        return _accepted(result, response, f"/resource-requests/{request_id}")

    return await _once(request, ctx, body, response, status.HTTP_200_OK, execute)
