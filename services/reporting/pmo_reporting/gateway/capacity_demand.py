"""Capacity against demand on the read side of the gateway: `capacityVsDemand` (availability,
allocations and open demand by role or skill and period, with the gap), `unfilledDemand` (the
open request hours no allocation covers, with the requests behind them) and `projectStaffing`
(a portfolio item's requests and the allocations to it). schema.py merges `DemandQuery` into
its `Query`.

The arithmetic is capacity_demand_grid.py's (its module doc says how a person with several
roles or skills and a request over several periods count); the rows are read as the heatmap
reads them (capacity.read_loads) plus the open requests of the range. Who may read them is the
staffing rule (capacity_staffing.reads_staffing): resource requests are for the capacity
readers (READER_ROLES), so these views are too; anyone else gets no rows and zero totals (the
same answer as an empty read model, so nothing is revealed).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from pmo_kernel.capacity import CENT, week_count
from pmo_reporting.gateway import fields
from pmo_reporting.gateway.capacity import (
    Allocation,
    CapacityUnit,
    Person,
    capacity,
    read_loads,
    week_range,
)
from pmo_reporting.gateway.capacity_demand_grid import (
    ZERO,
    DemandCell,
    GroupBy,
    Period,
    capacity_vs_demand,
    request_weeks,
    unfilled,
)
from pmo_reporting.gateway.capacity_demand_reads import DemandReads, people_of
from pmo_reporting.gateway.capacity_loads import Row, Unit, person_loads
from pmo_reporting.gateway.capacity_readmodel import PeopleFilter
from pmo_reporting.gateway.capacity_staffing import ResourceRequest, reads_staffing
from pmo_reporting.gateway.context import GatewayInfo

_SEVERAL = (
    "A person with several roles (skills) counts in full under each of them, as in "
    "people(role:) and the heatmap: rows do not add up to the headcount. "
)


# The grid's own enums, in the schema as GroupBy and Period.
strawberry.enum(
    GroupBy, name="CapacityGrouping", description="What capacity against demand is grouped by"
)
strawberry.enum(
    Period,
    name="CapacityPeriod",
    description="A period of ISO weeks: a month holds the weeks whose Thursday falls in it, a "
    "quarter those whose Monday does",
)


@strawberry.type(description="A period as a range holds it: its weeks inside the range")
class CapacityPeriodSpan:
    name: str = strawberry.field(description="2027-W17, 2027-04 or 2027-Q2")
    first_week: str
    last_week: str
    weeks: int = strawberry.field(description="Fewer than the period's at an end of the range")


@strawberry.type(description="One key's figures in one period, in the view's unit")
class CapacityDemandCell:
    period: str
    available: str = strawberry.field(
        description="Decimal string: the effective availability of the people with the key"
    )
    soft: str = strawberry.field(description="Decimal string: proposed allocations of them")
    hard: str = strawberry.field(description="Decimal string: confirmed allocations of them")
    allocated: str = strawberry.field(description="Decimal string: soft + hard")
    open_demand: str = strawberry.field(
        description="Decimal string: the hours a week of the open requests of the key, for "
        "each of their weeks in the period"
    )
    gap: str = strawberry.field(description="Decimal string: available - allocated - openDemand")
    short: bool = strawberry.field(
        description="The gap in hours is below zero (decided in hours whatever the unit)"
    )
    request_ids: list[strawberry.ID] = strawberry.field(
        description="The open requests behind openDemand"
    )

    @staticmethod
    def of(cell: DemandCell) -> CapacityDemandCell:
        return CapacityDemandCell(
            period=cell.period,
            available=str(cell.available),
            soft=str(cell.soft),
            hard=str(cell.hard),
            allocated=str(cell.allocated),
            open_demand=str(cell.open_demand),
            gap=str(cell.gap),
            short=cell.short,
            request_ids=[strawberry.ID(r) for r in cell.request_ids],
        )


@strawberry.type(description="A role's (or skill's) row: a cell per period")
class CapacityDemandRow:
    key: str = strawberry.field(description="The role, or the skill's name in lower case")
    people: int = strawberry.field(description="How many of the people hold the key")
    cells: list[CapacityDemandCell]


@strawberry.type(description="A cell whose gap is below zero")
class CapacityShortage:
    key: str
    period: str
    gap: str = strawberry.field(description="Decimal string, in the view's unit")


@strawberry.type(
    description="Availability against allocations and open demand, a row per role or skill, "
    "a cell per period"
)
class CapacityVsDemand:
    by: GroupBy
    period: Period
    unit: CapacityUnit
    from_week: str
    to_week: str
    periods: list[CapacityPeriodSpan]
    rows: list[CapacityDemandRow]
    shortages: list[CapacityShortage] = strawberry.field(
        description="The short cells, by key then period"
    )


@strawberry.type(description="Open request hours of a role (or skill) in a period")
class UnfilledDemandCell:
    key: str | None = strawberry.field(
        description="The role, or the skill's name in lower case; by SKILL, null for the "
        "requests requiring no skill"
    )
    period: str
    hours: str = strawberry.field(description="Decimal string")
    request_ids: list[strawberry.ID]


@strawberry.type(description="The open request hours no allocation covers yet")
class UnfilledDemand:
    by: GroupBy
    period: Period
    from_week: str
    to_week: str
    cells: list[UnfilledDemandCell]
    total_hours: str = strawberry.field(
        description="Decimal string: the open requests' hours in the range, each request "
        "once (by SKILL the cells may add up to more: a request counts under each skill)"
    )
    request_count: int = strawberry.field(description="The open requests with a week in range")


@strawberry.type(description="An allocation to a project, with whose it is and when it moved")
class ProjectAllocation:
    allocation: Allocation
    person_id: strawberry.ID
    proposed_at: datetime
    confirmed_at: datetime | None = strawberry.field(description="Null while soft")
    released_at: datetime | None = strawberry.field(description="Null unless released")
    released_by: str | None
    hours: str = strawberry.field(
        description="Decimal string: the hours it loads over all its weeks (0 once released)"
    )

    @fields.field("The person, as the Person type; null unless the caller sees them")
    async def person(self, info: GatewayInfo) -> Person | None:
        return Person.visible(await capacity(info).person.load(str(self.person_id)), info)


@strawberry.type(description="A portfolio item's (project's) resource requests and allocations")
class ProjectStaffing:
    item_id: strawberry.ID
    requests: list[ResourceRequest] = strawberry.field(description="The earliest first")
    allocations: list[ProjectAllocation] = strawberry.field(
        description="Released ones too, the earliest first"
    )
    requested_hours: str = strawberry.field(
        description="Decimal string: hours a week x weeks of the open and filled requests"
    )
    open_hours: str = strawberry.field(description="Decimal string: those of the open requests")
    allocated_hours: str = strawberry.field(
        description="Decimal string: soft + hard hours of the allocations not released"
    )
    soft_hours: str = strawberry.field(description="Decimal string")
    hard_hours: str = strawberry.field(description="Decimal string")


def _text(value: Decimal) -> str:
    return str(value.quantize(CENT))


def _request_hours(row: Row) -> Decimal:
    weeks = week_count(row["start_week"], row["end_week"])
    return Decimal(row["hours_per_week"]) * weeks


@strawberry.type
class DemandQuery:
    @fields.field(
        "For each role or skill and each period of the weeks fromWeek..toWeek (at most 156): "
        "the effective availability of the people holding it, their soft and hard "
        "allocations, the open demand (open resource requests, each week of a request in the "
        "period holding that week) and the gap, in hours unless another unit is asked for. "
        + _SEVERAL
        + "By SKILL a request counts under each skill it requires, and one requiring none "
        "under none. Units as the heatmap's, a request's hours at a nominal 40-hour week "
        "(8-hour day); a period's FTE is the average of its weeks'. For capacity readers (no "
        "rows for anyone else)"
    )
    async def capacity_vs_demand(
        self,
        info: GatewayInfo,
        by: GroupBy,
        period: Period,
        from_week: str,
        to_week: str,
        unit: CapacityUnit | None = None,
    ) -> CapacityVsDemand:
        first, last = week_range(from_week, to_week)
        unit = unit or CapacityUnit.HOURS
        people, calendars, reports, allocations, requests = [], {}, {}, {}, []
        if reads_staffing(info):
            read_model = capacity(info).read_model
            audience = info.context.people_audience()
            loads = await read_loads(read_model, PeopleFilter(), audience, first, last)
            people, calendars = loads.people, loads.calendars
            reports, allocations = loads.reports, loads.allocations
            requests = await DemandReads(read_model).open_requests(first, last)
        grid = capacity_vs_demand(
            people, calendars, reports, allocations, requests, first, last,
            by, period, Unit(unit.value),
        )  # fmt: skip
        return CapacityVsDemand(
            by=by,
            period=period,
            unit=unit,
            from_week=first,
            to_week=last,
            periods=[
                CapacityPeriodSpan(
                    name=p.name, first_week=p.first_week, last_week=p.last_week, weeks=p.weeks
                )
                for p in grid.periods
            ],
            rows=[
                CapacityDemandRow(
                    key=row.key,
                    people=row.people,
                    cells=[CapacityDemandCell.of(cell) for cell in row.cells],
                )
                for row in grid.rows
            ],
            shortages=[
                CapacityShortage(key=row.key, period=cell.period, gap=str(cell.gap))
                for row in grid.rows
                for cell in row.cells
                if cell.short
            ],
        )

    @fields.field(
        "The hours of the open resource requests (not filled, not cancelled) by role or skill "
        "and period of fromWeek..toWeek (at most 156), with the requests behind each cell, "
        "whatever any staffing proposal says; a request over several periods puts each of its "
        "weeks in the period holding it. For capacity readers (no cells for anyone else)"
    )
    async def unfilled_demand(
        self,
        info: GatewayInfo,
        by: GroupBy,
        period: Period,
        from_week: str,
        to_week: str,
    ) -> UnfilledDemand:
        first, last = week_range(from_week, to_week)
        requests: list[Row] = []
        if reads_staffing(info):
            requests = await DemandReads(capacity(info).read_model).open_requests(first, last)
        cells = unfilled(requests, first, last, by, period)
        total = sum(
            (Decimal(r["hours_per_week"]) * len(request_weeks(r, first, last)) for r in requests),
            ZERO,
        )
        return UnfilledDemand(
            by=by,
            period=period,
            from_week=first,
            to_week=last,
            cells=[
                UnfilledDemandCell(
                    key=c.key,
                    period=c.period,
                    hours=str(c.hours),
                    request_ids=[strawberry.ID(r) for r in c.request_ids],
                )
                for c in cells
            ],
            total_hours=_text(total),
            request_count=len(requests),
        )

    @fields.field(
        "A portfolio item's (project's) resource requests and the allocations to it, with the "
        "hours requested against those allocated; for capacity readers (empty for anyone else)"
    )
    async def project_staffing(self, info: GatewayInfo, item_id: strawberry.ID) -> ProjectStaffing:
        requests: list[Row] = []
        allocations: list[Row] = []
        if reads_staffing(info):
            reads = DemandReads(capacity(info).read_model)
            requests = await reads.project_requests(str(item_id))
            allocations = await reads.project_allocations(str(item_id))
        loaded = await _allocation_hours(info, allocations)
        counted = [r for r in requests if r["status"] != "cancelled"]
        return ProjectStaffing(
            item_id=item_id,
            requests=[ResourceRequest.of(row) for row in requests],
            allocations=[
                ProjectAllocation(
                    allocation=Allocation.of(row),
                    person_id=strawberry.ID(row["person_id"]),
                    proposed_at=row["proposed_at"],
                    confirmed_at=row["confirmed_at"],
                    released_at=row["released_at"],
                    released_by=row["released_by"],
                    hours=_text(sum(loaded[row["id"]], ZERO)),
                )
                for row in allocations
            ],
            requested_hours=_text(sum((_request_hours(r) for r in counted), ZERO)),
            open_hours=_text(
                sum((_request_hours(r) for r in counted if r["status"] == "open"), ZERO)
            ),
            allocated_hours=_text(sum((sum(h, ZERO) for h in loaded.values()), ZERO)),
            soft_hours=_text(sum((loaded[r["id"]][0] for r in allocations), ZERO)),
            hard_hours=_text(sum((loaded[r["id"]][1] for r in allocations), ZERO)),
        )


async def _allocation_hours(
    info: GatewayInfo, allocations: list[Row]
) -> dict[str, tuple[Decimal, Decimal]]:
    """(soft, hard) hours each allocation loads over its weeks, by the kernel's rule (a
    percentage is of each week's availability, so the person's calendar and reports count)."""
    if not allocations:
        return {}
    loaders = capacity(info)
    people = {
        row["id"]: row
        for row in await loaders.person.load_many(people_of(allocations))
        if row is not None
    }
    calendars = await loaders.read_model.calendars_by_ids(p["calendar_id"] for p in people.values())
    reports = await loaders.read_model.reports_for(list(people))
    hours: dict[str, tuple[Decimal, Decimal]] = {}
    for row in allocations:
        person = people.get(row["person_id"])
        if person is None:  # projected before its person: cannot happen, loads nothing
            hours[row["id"]] = (ZERO, ZERO)
            continue
        loads = person_loads(
            person, calendars.get(person["calendar_id"]), reports.get(person["id"], []), [row],
            row["start_week"], row["end_week"],
        )  # fmt: skip
        hours[row["id"]] = (
            sum((load.soft_hours for load in loads), ZERO),
            sum((load.hard_hours for load in loads), ZERO),
        )
    return hours
