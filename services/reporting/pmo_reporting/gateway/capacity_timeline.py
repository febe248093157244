"""A person's dated history as the capacity read models know it (`Person.timeline`): their
registration, the availability reported for each week (with who reported it; a later report
of a week replaces the earlier one in the read model, so only the last is told), and each
allocation proposed (with its over-allocation flag), confirmed and released, the earliest
first, in Relay pages. The statements are capacity_demand_reads.py's.

The timeline is a field of `Person`, so it follows the person rule: whoever sees the person
sees their timeline, totalCount included; nobody else gets the person at all.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from pmo_reporting.gateway import fields
from pmo_reporting.gateway.capacity_demand_reads import DemandReads
from pmo_reporting.gateway.capacity_loads import Row
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.pagination import check_page_size, decode_cursor, page_of
from pmo_reporting.gateway.types import PageInfo


@strawberry.enum(description="What a timeline entry tells")
class TimelineEntryKind(Enum):
    REGISTERED = "registered"
    AVAILABILITY_REPORTED = "availability_reported"
    ALLOCATION_PROPOSED = "allocation_proposed"
    ALLOCATION_CONFIRMED = "allocation_confirmed"
    ALLOCATION_RELEASED = "allocation_released"


@strawberry.type(
    description="One dated fact of a person's: the report fields for AVAILABILITY_REPORTED, "
    "the allocation's for the ALLOCATION_ kinds, null otherwise"
)
class TimelineEntry:
    at: datetime
    kind: TimelineEntryKind
    by: str | None = strawberry.field(description="Who reported, proposed, confirmed, released")
    week: str | None
    available_percent: str | None = strawberry.field(description="Decimal string")
    absence_hours: str | None = strawberry.field(description="Decimal string")
    other_duty_hours: str | None = strawberry.field(description="Decimal string")
    note: str | None
    allocation_id: str | None
    project_id: str | None
    start_week: str | None
    end_week: str | None
    hours_per_week: str | None = strawberry.field(description="Decimal string")
    percent_of_availability: str | None = strawberry.field(description="Decimal string")
    over_allocated: bool | None = strawberry.field(
        description="The allocation was accepted although it over-allocated the person"
    )

    @staticmethod
    def of(row: Row) -> TimelineEntry:
        body: dict[str, Any] = row["body"]
        return TimelineEntry(
            at=row["at"],
            kind=TimelineEntryKind(row["kind"]),
            by=row["by"],
            week=body.get("week"),
            available_percent=body.get("available_percent"),
            absence_hours=body.get("absence_hours"),
            other_duty_hours=body.get("other_duty_hours"),
            note=body.get("note"),
            allocation_id=body.get("allocation_id"),
            project_id=body.get("project_id"),
            start_week=body.get("start_week"),
            end_week=body.get("end_week"),
            hours_per_week=body.get("hours_per_week"),
            percent_of_availability=body.get("percent_of_availability"),
            over_allocated=body.get("over_allocated"),
        )


@strawberry.type
class TimelineEdge:
    cursor: str
    node: TimelineEntry


@strawberry.type
class TimelineConnection:
    edges: list[TimelineEdge]
    page_info: PageInfo
    person_id: strawberry.Private[str]

    @fields.field("The person's entries, all pages")
    async def total_count(self, info: GatewayInfo) -> int:
        return await DemandReads(info.context.services.capacity_read_model).timeline_count(
            self.person_id
        )


async def timeline(
    info: GatewayInfo, person_id: str, first: int, after: str | None
) -> TimelineConnection:
    """A page of the timeline of `person_id`, whom the caller sees."""
    check_page_size(first)
    start = decode_cursor(after) if after is not None else None
    reads = DemandReads(info.context.services.capacity_read_model)
    rows = await reads.timeline(person_id, first + 1, start)
    page = await page_of(
        rows, first, "at", start, lambda key: reads.any_timeline_before(person_id, key)
    )
    return TimelineConnection(
        edges=[
            TimelineEdge(cursor=cursor, node=TimelineEntry.of(row)) for cursor, row in page.rows
        ],
        page_info=page.info,
        person_id=person_id,
    )
