"""The capacity read side of the gateway: people with their calendar, allocations and weekly
loads, and the over-allocation heatmap. schema.py merges `CapacityQuery` into its `Query`.

Who sees what is the capacity service's rule (`PeopleAudience`, gateway/access.py): readers
see everyone, a line manager their own people, anyone else no one; cost rates only the cost
readers and the line manager. Loads are computed with the kernel's availability rule
(capacity_loads.py), from rows read a few statements per request (capacity_readmodel.py).

A heatmap row gives its weeks as `WeekSeries` (one JSON array per measure; `cells` as objects
too, for small reads), and a computed heatmap is kept (`HeatmapCache`) until the capacity
projection next writes: a grid of hundreds of people over a year costs tens of milliseconds to
compute, and the same few views are asked for again and again.
"""

from __future__ import annotations

import base64
import binascii
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, NewType
from weakref import WeakKeyDictionary

import orjson
import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types.scalar import ScalarDefinition

from pmo_kernel.capacity import Load
from pmo_reporting.gateway import capacity_loads, capacity_timeline, fields
from pmo_reporting.gateway.access import PeopleAudience
from pmo_reporting.gateway.capacity_loads import (
    Heatmap,
    InvalidRange,
    Row,
    Unit,
    WeekTotal,
    check_range,
    heatmap,
    person_loads,
)
from pmo_reporting.gateway.capacity_readmodel import CapacityReadModel, PeopleFilter, PersonKey
from pmo_reporting.gateway.capacity_timeline import TimelineConnection
from pmo_reporting.gateway.context import GatewayContext, GatewayInfo
from pmo_reporting.gateway.errors import bad_input
from pmo_reporting.gateway.pagination import check_page_size
from pmo_reporting.gateway.types import Money, PageInfo

_CURSOR_VERSION = "p1"


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# -- loaders --------------------------------------------------------------------------------


class CapacityLoaders:
    """Per-request DataLoaders: one statement per kind per tick, whatever the query asks."""

    def __init__(self, read_model: CapacityReadModel, *, cache: bool = True) -> None:
        self.read_model = read_model
        self.person: DataLoader[str, Row | None] = DataLoader(self._people, cache=cache)
        self.calendar: DataLoader[str, Row | None] = DataLoader(self._calendars, cache=cache)
        self.allocations: DataLoader[str, list[Row]] = DataLoader(self._allocations, cache=cache)
        self.reports: DataLoader[str, list[Row]] = DataLoader(self._reports, cache=cache)
        self.allocation: DataLoader[str, Row | None] = DataLoader(
            self._allocations_by_id, cache=cache
        )

    async def _people(self, ids: Sequence[str]) -> list[Row | None]:
        found = await self.read_model.people_by_ids(ids)
        return [found.get(key) for key in ids]

    async def _calendars(self, ids: Sequence[str]) -> list[Row | None]:
        found = await self.read_model.calendars_by_ids(ids)
        return [found.get(key) for key in ids]

    async def _allocations(self, ids: Sequence[str]) -> list[list[Row]]:
        found = await self.read_model.allocations_for(ids)
        return [found.get(key, []) for key in ids]

    async def _allocations_by_id(self, ids: Sequence[str]) -> list[Row | None]:
        found = await self.read_model.allocations_by_ids(ids)
        return [found.get(key) for key in ids]

    async def _reports(self, ids: Sequence[str]) -> list[list[Row]]:
        found = await self.read_model.reports_for(ids)
        return [found.get(key, []) for key in ids]


_PER_CONTEXT: WeakKeyDictionary[GatewayContext, CapacityLoaders] = WeakKeyDictionary()


def capacity(info: GatewayInfo) -> CapacityLoaders:
    """This request's capacity loaders (their `read_model` for the queries that list)."""
    context = info.context
    loaders = _PER_CONTEXT.get(context)
    if loaders is None:
        read_model = context.services.capacity_read_model
        loaders = CapacityLoaders(read_model, cache=context.loaders.demand.cache)
        _PER_CONTEXT[context] = loaders
    return loaders


def week_range(from_week: str, to_week: str) -> tuple[str, str]:
    try:
        return check_range(from_week, to_week)
    except InvalidRange as exc:
        raise bad_input(str(exc), argument=exc.argument) from exc


# -- types ----------------------------------------------------------------------------------


@strawberry.enum(description="The unit of a capacity figure")
class CapacityUnit(Enum):
    HOURS = "hours"
    FTE = "fte"  # hours / the person's calendar's full-time hours per week
    PERSON_DAYS = "person_days"  # hours / (those hours / 5)


@strawberry.enum(description="Soft: proposed; hard: confirmed by the person's line manager")
class AllocationKind(Enum):
    SOFT = "soft"
    HARD = "hard"


@strawberry.type(description="A skill and its level, 1 (notions) to 5 (expert)")
class Skill:
    name: str
    level: int


@strawberry.type(description="Contract hours per week and public holidays")
class WorkingCalendar:
    id: strawberry.ID
    name: str
    hours_per_week: str = strawberry.field(description="Decimal string")
    public_holidays: list[date]

    @staticmethod
    def of(row: Row) -> WorkingCalendar:
        return WorkingCalendar(
            id=strawberry.ID(row["id"]),
            name=row["name"],
            hours_per_week=str(row["hours_per_week"]),
            public_holidays=[date.fromisoformat(day) for day in row["holidays"]],
        )


@strawberry.type(
    description="A person's time for a project over a range of weeks: hours per week, or a "
    "percent of their availability"
)
class Allocation:
    id: strawberry.ID
    project_id: str
    start_week: str
    end_week: str
    hours_per_week: str | None = strawberry.field(
        description="Decimal string; null when it asks a percent of availability"
    )
    percent_of_availability: str | None = strawberry.field(
        description="Decimal string: the share of each week's available hours it loads"
    )
    kind: AllocationKind
    over_allocated: bool = strawberry.field(description="Accepted although it overbooked")
    released: bool
    proposed_by: str
    confirmed_by: str | None

    @staticmethod
    def of(row: Row) -> Allocation:
        return Allocation(
            id=strawberry.ID(row["id"]),
            project_id=row["project_id"],
            start_week=row["start_week"],
            end_week=row["end_week"],
            hours_per_week=_text(row["hours_per_week"]),
            percent_of_availability=_text(row["percent_of_availability"]),
            kind=AllocationKind(row["kind"]),
            over_allocated=row["over_allocated"],
            released=row["released"],
            proposed_by=row["proposed_by"],
            confirmed_by=row["confirmed_by"],
        )


@strawberry.type(description="A week of a person's: hours available and allocated")
class WeekLoad:
    week: str
    available_hours: str = strawberry.field(description="Decimal string")
    allocated_hours: str = strawberry.field(description="Decimal string, soft + hard")
    soft_hours: str = strawberry.field(description="Decimal string")
    hard_hours: str = strawberry.field(description="Decimal string")
    over_allocated: bool

    @staticmethod
    def of(load: Load) -> WeekLoad:
        return WeekLoad(
            week=load.week,
            available_hours=str(load.available_hours),
            allocated_hours=str(load.allocated_hours),
            soft_hours=str(load.soft_hours),
            hard_hours=str(load.hard_hours),
            over_allocated=load.over_allocated,
        )


@strawberry.type(description="A person whose capacity is planned")
class Person:
    id: strawberry.ID
    version: int
    name: str
    line_manager: str
    team: str
    roles: list[str]
    skills: list[Skill]
    part_time_percent: str = strawberry.field(description="Decimal string")
    last_day: date | None = strawberry.field(description="Their last working day, if leaving")
    cost_rate_per_day: Money | None = strawberry.field(
        description="Null unless the caller reads costs or is the person's line manager"
    )
    row: strawberry.Private[Row]

    @staticmethod
    def of(row: Row, audience: PeopleAudience) -> Person:
        costs = audience.sees_cost_rate(row)
        return Person(
            id=strawberry.ID(row["id"]),
            version=row["version"],
            name=row["name"],
            line_manager=row["line_manager"],
            team=row["team"],
            roles=list(row["roles"]),
            skills=[Skill(name=s["name"], level=s["level"]) for s in row["skills"]],
            part_time_percent=str(row["part_time_percent"]),
            last_day=row["last_day"],
            cost_rate_per_day=Money(
                amount=str(row["cost_rate_amount"]), currency=row["cost_rate_currency"]
            )
            if costs
            else None,
            row=row,
        )

    @staticmethod
    def visible(row: Row | None, info: GatewayInfo) -> Person | None:
        audience = info.context.people_audience()
        return Person.of(row, audience) if row is not None and audience.sees(row) else None

    @fields.field("The person's working calendar; null until the read model has it")
    async def calendar(self, info: GatewayInfo) -> WorkingCalendar | None:
        row = await capacity(info).calendar.load(self.row["calendar_id"])
        return WorkingCalendar.of(row) if row is not None else None

    @fields.field("The person's allocations, released ones too, the earliest first")
    async def allocations(self, info: GatewayInfo) -> list[Allocation]:
        rows = await capacity(info).allocations.load(self.row["id"])
        return [Allocation.of(row) for row in rows]

    @fields.field(
        "The person's dated history, the earliest first, in pages (Relay): registration, "
        "availability reported (the latest report of each week, with who reported it), "
        "allocations proposed (with their over-allocation flag), confirmed and released"
    )
    async def timeline(
        self, info: GatewayInfo, first: int = 50, after: str | None = None
    ) -> TimelineConnection:
        return await capacity_timeline.timeline(info, self.row["id"], first, after)

    @fields.field("Each week fromWeek..toWeek (at most 156): availability and allocated hours")
    async def weeks(self, info: GatewayInfo, from_week: str, to_week: str) -> list[WeekLoad]:
        first, last = week_range(from_week, to_week)
        loaders = capacity(info)
        calendar = await loaders.calendar.load(self.row["calendar_id"])
        reports = await loaders.reports.load(self.row["id"])
        allocations = await loaders.allocations.load(self.row["id"])
        return [
            WeekLoad.of(load)
            for load in person_loads(self.row, calendar, reports, allocations, first, last)
        ]


@strawberry.type
class PersonEdge:
    cursor: str
    node: Person


@strawberry.type
class PersonConnection:
    edges: list[PersonEdge]
    page_info: PageInfo
    wanted: strawberry.Private[PeopleFilter]

    @fields.field("The people matching the filter that the caller sees, all pages")
    async def total_count(self, info: GatewayInfo) -> int:
        audience = info.context.people_audience()
        return await capacity(info).read_model.count_people(self.wanted, audience)


WeekSeries = NewType("WeekSeries", list[Any])
SCALARS: Mapping[object, ScalarDefinition] = {  # the schema's StrawberryConfig(scalar_map=)
    WeekSeries: strawberry.scalar(
        name="WeekSeries",
        description=(
            "One value per week of the heatmap's `weeks`, in order, as a JSON array: decimal "
            "strings, or booleans for overAllocated. (A whole grid as objects, 300 people x "
            "156 weeks, would be 280,000 GraphQL fields: too slow to serve.)"
        ),
        serialize=lambda value: value,
        parse_value=lambda value: value,
    )
}


@strawberry.type(description="One person's week in the heatmap, in the heatmap's unit")
class HeatmapCell:
    week: str
    available: str = strawberry.field(description="Decimal string")
    allocated: str = strawberry.field(description="Decimal string, soft + hard")
    soft: str = strawberry.field(description="Decimal string")
    hard: str = strawberry.field(description="Decimal string")
    over_allocated: bool = strawberry.field(description="More hours allocated than available")


@dataclass(frozen=True)
class DrawnRow:
    """A heatmap row ready to serve: its week series rendered once (then cached)."""

    row: capacity_loads.HeatmapRow
    available: list[str]
    allocated: list[str]
    soft: list[str]
    hard: list[str]
    over_allocated: list[bool]

    @staticmethod
    def of(row: capacity_loads.HeatmapRow, text: dict[Decimal, str]) -> DrawnRow:
        """`text`: the strings of the values met so far (a heatmap repeats a few values
        thousands of times; every value is to the cent, so equal values print alike)."""

        def texts(values: list[Decimal]) -> list[str]:
            found = []
            for value in values:
                printed = text.get(value)
                if printed is None:
                    printed = text[value] = str(value)
                found.append(printed)
            return found

        return DrawnRow(
            row=row,
            available=texts(row.available),
            allocated=texts(row.allocated),
            soft=texts(row.soft),
            hard=texts(row.hard),
            over_allocated=row.over_allocated,
        )


@strawberry.type(description="A person's row of the heatmap: their figures week by week")
class HeatmapRow:
    person: Person
    available: WeekSeries = strawberry.field(description="Available, in the heatmap's unit")
    allocated: WeekSeries = strawberry.field(description="Allocated, soft + hard")
    soft: WeekSeries = strawberry.field(description="Proposed allocations")
    hard: WeekSeries = strawberry.field(description="Confirmed allocations")
    over_allocated: WeekSeries = strawberry.field(description="More allocated than available")
    drawn: strawberry.Private[DrawnRow]

    @fields.field("The same figures as one object per week (for a few people and weeks)")
    def cells(self) -> list[HeatmapCell]:
        return [
            HeatmapCell(
                week=c.week,
                available=str(c.available),
                allocated=str(c.allocated),
                soft=str(c.soft),
                hard=str(c.hard),
                over_allocated=c.over_allocated,
            )
            for c in self.drawn.row.cells
        ]

    @staticmethod
    def of(drawn: DrawnRow, audience: PeopleAudience) -> HeatmapRow:
        return HeatmapRow(
            person=Person.of(drawn.row.person, audience),
            available=WeekSeries(drawn.available),
            allocated=WeekSeries(drawn.allocated),
            soft=WeekSeries(drawn.soft),
            hard=WeekSeries(drawn.hard),
            over_allocated=WeekSeries(drawn.over_allocated),
            drawn=drawn,
        )


@strawberry.type(description="A week's totals over the heatmap's rows")
class HeatmapTotal:
    week: str
    available: str = strawberry.field(description="Decimal string")
    allocated: str = strawberry.field(description="Decimal string")
    soft: str = strawberry.field(description="Decimal string")
    hard: str = strawberry.field(description="Decimal string")
    over_allocated_people: int = strawberry.field(description="People over-allocated that week")

    @staticmethod
    def of(total: WeekTotal) -> HeatmapTotal:
        return HeatmapTotal(
            week=total.week,
            available=str(total.available),
            allocated=str(total.allocated),
            soft=str(total.soft),
            hard=str(total.hard),
            over_allocated_people=total.over_allocated_people,
        )


@dataclass(frozen=True)
class DrawnHeatmap:
    """A heatmap computed for one audience, filter, range and unit: what the cache keeps."""

    weeks: list[str]
    rows: list[DrawnRow]
    totals: list[HeatmapTotal]

    @staticmethod
    def of(drawn: Heatmap) -> DrawnHeatmap:
        text: dict[Decimal, str] = {}
        return DrawnHeatmap(
            weeks=drawn.weeks,
            rows=[DrawnRow.of(row, text) for row in drawn.rows],
            totals=[HeatmapTotal.of(total) for total in drawn.totals],
        )


@strawberry.type(description="Availability against allocations, a row per person, per week")
class CapacityHeatmap:
    from_week: str
    to_week: str
    unit: CapacityUnit
    weeks: list[str]
    rows: list[HeatmapRow]
    totals: list[HeatmapTotal]


class HeatmapCache:
    """The heatmaps computed lately, by what they were computed from. A key holds the capacity
    projection's progress (it moves in the transaction of every write to the capacity read
    models), so a heatmap is served from here only until the read models change."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, DrawnHeatmap] = OrderedDict()

    def get(self, key: Hashable) -> DrawnHeatmap | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: Hashable, value: DrawnHeatmap) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


_CACHES: WeakKeyDictionary[CapacityReadModel, HeatmapCache] = WeakKeyDictionary()


def heatmaps_of(read_model: CapacityReadModel) -> HeatmapCache:
    """The app's heatmap cache: one per read model, which the app creates once."""
    cache = _CACHES.get(read_model)
    if cache is None:
        cache = _CACHES[read_model] = HeatmapCache()
    return cache


# -- cursors --------------------------------------------------------------------------------


def encode_cursor(row: Row) -> str:
    raw = orjson.dumps([_CURSOR_VERSION, row["name"], row["id"]])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> PersonKey:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, name, person_id = orjson.loads(raw)
        if (
            version != _CURSOR_VERSION
            or not isinstance(name, str)
            or not isinstance(person_id, str)
        ):
            raise ValueError("unknown cursor format")
        return PersonKey(name, person_id)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise bad_input(f"invalid cursor {cursor[:60]!r}", argument="after") from exc


# -- queries --------------------------------------------------------------------------------


@strawberry.type
class CapacityQuery:
    @fields.field("People by name, in pages (Relay): those the caller sees, as filtered")
    async def people(
        self,
        info: GatewayInfo,
        team: str | None = None,
        role: str | None = None,
        skill: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> PersonConnection:
        audience = info.context.people_audience()
        check_page_size(first)
        start = decode_cursor(after) if after is not None else None
        wanted = PeopleFilter(team=team, role=role, skill=skill)
        loaders = capacity(info)
        rows = await loaders.read_model.people(wanted, audience, first + 1, start)
        page = rows[:first]
        for row in page:
            loaders.person.prime(row["id"], row)
        has_previous = start is not None and await loaders.read_model.any_people_before(
            wanted, audience, start
        )
        edges = [
            PersonEdge(cursor=encode_cursor(row), node=Person.of(row, audience)) for row in page
        ]
        return PersonConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > first,
                has_previous_page=has_previous,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            wanted=wanted,
        )

    @fields.field(
        "One person by id; null if the read model lacks them or the caller may not see them"
    )
    async def person(self, info: GatewayInfo, id: strawberry.ID) -> Person | None:
        return Person.visible(await capacity(info).person.load(str(id)), info)

    @fields.field(
        "Availability against allocations per person and week fromWeek..toWeek (at most "
        "156), of the people the caller sees, as filtered, with each week's totals; in hours "
        "unless another unit is asked for"
    )
    async def capacity_heatmap(
        self,
        info: GatewayInfo,
        from_week: str,
        to_week: str,
        team: str | None = None,
        role: str | None = None,
        skill: str | None = None,
        unit: CapacityUnit | None = None,
    ) -> CapacityHeatmap:
        audience = info.context.people_audience()
        first, last = week_range(from_week, to_week)
        unit = unit or CapacityUnit.HOURS
        wanted = PeopleFilter(team, role, skill)
        read_model = capacity(info).read_model
        cache = heatmaps_of(read_model)
        # The progress first: the rows read after it are at least as new, never older.
        progress = await read_model.progress()
        seen_by = None if audience.everyone else audience.principal.subject
        key = (progress, wanted, first, last, unit, seen_by)
        drawn = cache.get(key)
        if drawn is None:
            drawn = DrawnHeatmap.of(
                await draw_heatmap(read_model, wanted, audience, first, last, Unit(unit.value))
            )
            cache.put(key, drawn)
        return CapacityHeatmap(
            from_week=first,
            to_week=last,
            unit=unit,
            weeks=drawn.weeks,
            rows=[HeatmapRow.of(row, audience) for row in drawn.rows],
            totals=drawn.totals,
        )


async def draw_heatmap(
    read_model: CapacityReadModel,
    wanted: PeopleFilter,
    audience: PeopleAudience,
    first: str,
    last: str,
    unit: Unit,
) -> Heatmap:
    """The heatmap of the people `audience` sees that match `wanted`: four statements, then
    the kernel's arithmetic in memory."""
    rows = await read_loads(read_model, wanted, audience, first, last)
    return heatmap(rows.people, rows.calendars, rows.reports, rows.allocations, first, last, unit)


@dataclass(frozen=True)
class LoadRows:
    """What the weekly loads of some people over a range are computed from (capacity_loads)."""

    people: list[Row]
    calendars: dict[str, Row]
    reports: dict[str, list[Row]]  # by person, the range's weeks
    allocations: dict[str, list[Row]]  # by person, those not released overlapping the range


async def read_loads(
    read_model: CapacityReadModel,
    wanted: PeopleFilter,
    audience: PeopleAudience,
    first: str,
    last: str,
) -> LoadRows:
    """The rows of the people `audience` sees that match `wanted`, with what their loads of
    `first`..`last` need: four statements (one when nobody matches)."""
    people = await read_model.people(wanted, audience)
    ids = [row["id"] for row in people]
    if not ids:
        return LoadRows(people, {}, {}, {})
    calendars = await read_model.calendars_by_ids(row["calendar_id"] for row in people)
    reports = await read_model.reports_for(ids, first, last)
    allocations = await read_model.allocations_for(ids, first, last, active_only=True)
    return LoadRows(people, calendars, reports, allocations)
