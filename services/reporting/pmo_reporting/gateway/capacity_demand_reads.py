"""Statements on the capacity read models for capacity against demand, a project's staffing and
a person's timeline (capacity_demand.py, capacity_timeline.py), beside CapacityReadModel's.

A person's timeline is the union of what the read models keep dated: their registration, the
latest availability report of each week (a later report of a week replaced the earlier one:
the read model knows only the last), and each allocation's proposal (with its over-allocation
flag), confirmation and release. It is ordered by (time, place), the place being the kind's
rank then the report's week or the allocation's id, compared byte-wise (COLLATE "C"), so that
one order serves the page, the cursor after it and hasPreviousPage.
"""

from __future__ import annotations

from collections.abc import Sequence

from pmo_reporting.gateway.capacity_readmodel import REQUEST_COLUMNS, CapacityReadModel, Row
from pmo_reporting.gateway.sql import Keyset

_ALLOCATION_COLUMNS = (
    "id, person_id, project_id, start_week, end_week, hours_per_week, percent_of_availability, "
    "kind, over_allocated, released, proposed_by, proposed_at, confirmed_by, confirmed_at, "
    "released_by, released_at"
)
_ALLOCATION_BODY = (
    "jsonb_build_object('allocation_id', id, 'project_id', project_id, 'start_week', "
    "start_week, 'end_week', end_week, 'hours_per_week', hours_per_week::text, "
    "'percent_of_availability', percent_of_availability::text, 'over_allocated', "
    "over_allocated)"
)


class DemandReads:
    """The statements, on the connections of `read_model`."""

    def __init__(self, read_model: CapacityReadModel) -> None:
        self.read_model = read_model
        s = read_model.s
        allocation = f"{_ALLOCATION_BODY} AS body FROM {s}.allocations WHERE person_id = $1"
        self._timeline = f"""(
            SELECT registered_at AS at, '0:' || id AS place, 'registered' AS kind,
                NULL::text AS by, '{{}}'::jsonb AS body FROM {s}.people WHERE id = $1
            UNION ALL
            SELECT reported_at, '1:' || week, 'availability_reported', reported_by,
                jsonb_build_object('week', week, 'available_percent', available_percent::text,
                    'absence_hours', absence_hours::text,
                    'other_duty_hours', other_duty_hours::text, 'note', note)
                FROM {s}.availability_reports WHERE person_id = $1
            UNION ALL
            SELECT proposed_at, '2:' || id, 'allocation_proposed', proposed_by, {allocation}
            UNION ALL
            SELECT confirmed_at, '3:' || id, 'allocation_confirmed', confirmed_by,
                {allocation} AND confirmed_at IS NOT NULL
            UNION ALL
            SELECT released_at, '4:' || id, 'allocation_released', released_by,
                {allocation} AND released_at IS NOT NULL
        ) AS t"""

    async def open_requests(self, first: str, last: str) -> list[Row]:
        """The open resource requests with a week in `first`..`last`."""
        sql = (
            f"SELECT {REQUEST_COLUMNS} FROM {self.read_model.s}.resource_requests "
            f"WHERE status = 'open' AND start_week <= $2 AND end_week >= $1 ORDER BY id"
        )
        return await self.read_model.fetch(sql, first, last)

    async def project_requests(self, project_id: str) -> list[Row]:
        """Every request of the project, the earliest first."""
        sql = (
            f"SELECT {REQUEST_COLUMNS} FROM {self.read_model.s}.resource_requests "
            f"WHERE project_id = $1 ORDER BY start_week, raised_at, id"
        )
        return await self.read_model.fetch(sql, project_id)

    async def project_allocations(self, project_id: str) -> list[Row]:
        """Every allocation to the project, released ones too, the earliest first."""
        sql = (
            f"SELECT {_ALLOCATION_COLUMNS} FROM {self.read_model.s}.allocations "
            f"WHERE project_id = $1 ORDER BY start_week, proposed_at, id"
        )
        return await self.read_model.fetch(sql, project_id)

    async def timeline(self, person_id: str, first: int, after: Keyset | None) -> list[Row]:
        """Up to `first` entries of the person's timeline after `after`, the earliest first:
        rows of (at, id: the place, kind, by, body)."""
        args: list[object] = [person_id, first]
        where = ""
        if after is not None:
            args += [after.at, after.id]
            where = 'WHERE (at, place COLLATE "C") > ($3, $4::text COLLATE "C")'
        sql = (
            f"SELECT at, place AS id, kind, by, body::text AS body FROM {self._timeline} "
            f'{where} ORDER BY at, place COLLATE "C" LIMIT $2'
        )
        return await self.read_model.fetch(sql, *args)

    async def timeline_count(self, person_id: str) -> int:
        rows = await self.read_model.fetch(f"SELECT count(*) AS n FROM {self._timeline}", person_id)
        return int(rows[0]["n"])

    async def any_timeline_before(self, person_id: str, key: Keyset) -> bool:
        sql = (
            f"SELECT EXISTS (SELECT 1 FROM {self._timeline} "
            f'WHERE (at, place COLLATE "C") <= ($2, $3::text COLLATE "C")) AS found'
        )
        rows = await self.read_model.fetch(sql, person_id, key.at, key.id)
        return bool(rows[0]["found"])


def people_of(allocations: Sequence[Row]) -> list[str]:
    return list(dict.fromkeys(row["person_id"] for row in allocations))
