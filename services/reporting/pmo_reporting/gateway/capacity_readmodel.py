"""Queries on the capacity read models (projections/capacity.py), for the capacity resolvers.

Like readmodel.py: asyncpg statements on pooled connections, jsonb selected as text and parsed
here, numbers as exact Decimals. Lists of people are filtered by team, role and skill and by
who the caller may see (`PeopleAudience`, in SQL, so a page and its total agree), ordered by
name then id, and paged by the last (name, id) seen. The heatmap reads everything for its
people in four statements: the people, their calendars, the reports and the allocations of the
range. Resource requests, staffing proposals and staffing drafts list the latest first,
keyset-paged like the demands (sql.KeysetList); who may read them is the resolvers' business.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.db import raw_connection
from pmo_reporting.gateway.access import PeopleAudience
from pmo_reporting.gateway.sql import Conditions, Keyset, KeysetList
from pmo_reporting.projections.capacity import PROJECTION_NAME as CAPACITY_PROJECTION

Row = dict[str, Any]

_PEOPLE_COLUMNS = (
    "id, version, name, line_manager, team, roles::text AS roles, skills::text AS skills, "
    "cost_rate_amount, cost_rate_currency, calendar_id, part_time_percent, last_day"
)
_JSON = (
    "roles", "skills", "holidays", "body", "decisions", "request_ids", "assignments", "adopted",
)  # fmt: skip
REQUEST_COLUMNS = (
    "id, version, status, project_id, role, skills::text AS skills, start_week, end_week, "
    "hours_per_week, source, note, raised_by, raised_at, person_id, allocation_id, "
    "cancel_reason, cancelled_by"
)
_PROPOSAL_COLUMNS = (
    "id, version, body::text AS body, decisions::text AS decisions, proposed_by, proposed_at"
)

_DRAFT_COLUMNS = (
    "id, version, name, status, from_proposal_id, request_ids::text AS request_ids, "
    "assignments::text AS assignments, adopted::text AS adopted, filled_hours, discard_reason, "
    "started_by, started_at, changed_by, changed_at, closed_by, closed_at"
)


@dataclass(frozen=True)
class DraftFilter:
    status: str | None = None
    started_by: str | None = None

    def conditions(self) -> Conditions:
        conditions = Conditions()
        for column, value in (("status", self.status), ("started_by", self.started_by)):
            if value is not None:
                conditions.add(f"{column} = ?", value)
        return conditions


@dataclass(frozen=True)
class RequestFilter:
    status: str | None = None
    project_id: str | None = None
    role: str | None = None

    def conditions(self) -> Conditions:
        conditions = Conditions()
        for column, value in (
            ("status", self.status), ("project_id", self.project_id), ("role", self.role),
        ):  # fmt: skip
            if value is not None:
                conditions.add(f"{column} = ?", value)
        return conditions


@dataclass(frozen=True)
class PeopleFilter:
    team: str | None = None
    role: str | None = None
    skill: str | None = None  # a skill's name, any case


@dataclass(frozen=True)
class PersonKey:
    """A place in the list of people ordered by (name, id): the last one seen."""

    name: str
    id: str


class CapacityReadModel:
    def __init__(self, engine: AsyncEngine, schema: str = "reporting") -> None:
        if not schema.replace("_", "").isalnum():
            raise ValueError(f"unsafe schema name {schema!r}")
        self.engine = engine
        self.s = f'"{schema}"'
        self._requests = KeysetList(f"{self.s}.resource_requests", REQUEST_COLUMNS, "raised_at")
        self._proposals = KeysetList(
            f"{self.s}.staffing_proposals", _PROPOSAL_COLUMNS, "proposed_at"
        )
        self._drafts = KeysetList(f"{self.s}.staffing_drafts", _DRAFT_COLUMNS, "started_at")

    # -- people ---------------------------------------------------------------------------

    async def people(
        self,
        wanted: PeopleFilter,
        audience: PeopleAudience,
        first: int | None = None,
        after: PersonKey | None = None,
    ) -> list[Row]:
        """The people matching `wanted` that `audience` sees, by name; `first` of them after
        `after` (all when `first` is None)."""
        conditions = self._conditions(wanted, audience)
        if after is not None:
            conditions.add("(name, id) > (?, ?)", after.name, after.id)
        limit = ""
        if first is not None:
            conditions.args.append(first)
            limit = f" LIMIT ${len(conditions.args)}"
        sql = (
            f"SELECT {_PEOPLE_COLUMNS} FROM {self.s}.people {conditions.sql} "
            f"ORDER BY name, id{limit}"
        )
        return await self._fetch(sql, *conditions.args)

    async def count_people(self, wanted: PeopleFilter, audience: PeopleAudience) -> int:
        conditions = self._conditions(wanted, audience)
        sql = f"SELECT count(*) FROM {self.s}.people {conditions.sql}"
        async with raw_connection(self.engine) as conn:
            return int(await conn.fetchval(sql, *conditions.args))

    async def any_people_before(
        self, wanted: PeopleFilter, audience: PeopleAudience, key: PersonKey
    ) -> bool:
        conditions = self._conditions(wanted, audience)
        conditions.add("(name, id) <= (?, ?)", key.name, key.id)
        sql = f"SELECT EXISTS (SELECT 1 FROM {self.s}.people {conditions.sql})"
        async with raw_connection(self.engine) as conn:
            return bool(await conn.fetchval(sql, *conditions.args))

    async def people_by_ids(self, ids: Sequence[str]) -> dict[str, Row]:
        """People by id, whoever may see them: the resolvers apply the audience."""
        sql = f"SELECT {_PEOPLE_COLUMNS} FROM {self.s}.people WHERE id = ANY($1::text[])"
        return {row["id"]: row for row in await self._fetch(sql, list(ids))}

    def _conditions(self, wanted: PeopleFilter, audience: PeopleAudience) -> Conditions:
        conditions = Conditions()
        audience.restrict(conditions)
        if wanted.team is not None:
            conditions.add("team = ?", wanted.team)
        if wanted.role is not None:
            conditions.add("roles @> jsonb_build_array(?::text)", wanted.role)
        if wanted.skill is not None:
            conditions.add(
                "EXISTS (SELECT 1 FROM jsonb_array_elements(skills) AS skill "
                "WHERE lower(skill->>'name') = lower(?::text))",
                wanted.skill,
            )
        return conditions

    async def progress(self) -> tuple[int, datetime] | None:
        """How far the capacity projection is: (events applied, when it last wrote), which
        every write to the capacity read models moves in its own transaction."""
        sql = (
            f"SELECT events_applied, last_applied_at FROM {self.s}.projection_status "
            f"WHERE projection = $1"
        )
        async with raw_connection(self.engine) as conn:
            record = await conn.fetchrow(sql, CAPACITY_PROJECTION)
        return None if record is None else (int(record[0]), record[1])

    async def stream_version(self, stream_key: str) -> int | None:
        """The version the capacity projection applied on a stream ("<type>/<id>")."""
        sql = f"SELECT version FROM {self.s}.capacity_stream_versions WHERE stream_id = $1"
        async with raw_connection(self.engine) as conn:
            version: int | None = await conn.fetchval(sql, stream_key)
        return version

    # -- what a person's load is made of --------------------------------------------------

    async def calendars_by_ids(self, ids: Iterable[str]) -> dict[str, Row]:
        sql = (
            f"SELECT id, version, name, hours_per_week, holidays::text AS holidays "
            f"FROM {self.s}.calendars WHERE id = ANY($1::text[])"
        )
        return {row["id"]: row for row in await self._fetch(sql, sorted(set(ids)))}

    async def reports_for(
        self, person_ids: Sequence[str], first: str | None = None, last: str | None = None
    ) -> dict[str, list[Row]]:
        """The latest availability report of each week, by person; of the weeks `first` to
        `last` when given (ISO week texts sort in time order)."""
        conditions = Conditions()
        conditions.add("person_id = ANY(?::text[])", list(person_ids))
        if first is not None and last is not None:
            conditions.add("week BETWEEN ? AND ?", first, last)
        sql = (
            f"SELECT person_id, week, available_percent, absence_hours, other_duty_hours "
            f"FROM {self.s}.availability_reports {conditions.sql}"
        )
        return _grouped(await self._fetch(sql, *conditions.args), person_ids)

    async def allocations_for(
        self,
        person_ids: Sequence[str],
        first: str | None = None,
        last: str | None = None,
        *,
        active_only: bool = False,
    ) -> dict[str, list[Row]]:
        """Allocations by person, the earliest first; those overlapping `first`..`last` when
        given, and only the ones not released with `active_only`."""
        conditions = Conditions()
        conditions.add("person_id = ANY(?::text[])", list(person_ids))
        if first is not None and last is not None:
            conditions.add("start_week <= ? AND end_week >= ?", last, first)
        if active_only:
            conditions.add("NOT released")
        sql = (
            f"SELECT id, person_id, project_id, start_week, end_week, hours_per_week, "
            f"percent_of_availability, kind, "
            f"over_allocated, released, proposed_by, confirmed_by FROM {self.s}.allocations "
            f"{conditions.sql} ORDER BY start_week, id"
        )
        return _grouped(await self._fetch(sql, *conditions.args), person_ids)

    async def allocations_by_ids(self, ids: Sequence[str]) -> dict[str, Row]:
        sql = (
            f"SELECT id, person_id, project_id, start_week, end_week, hours_per_week, "
            f"percent_of_availability, kind, over_allocated, released, proposed_by, "
            f"confirmed_by FROM {self.s}.allocations WHERE id = ANY($1::text[])"
        )
        return {row["id"]: row for row in await self._fetch(sql, list(ids))}

    # -- staffing: requests, proposals, the skills catalogue ------------------------------

    async def requests(self, wanted: RequestFilter, first: int, after: Keyset | None) -> list[Row]:
        """Up to `first` requests matching `wanted` after `after`, the latest raised first."""
        sql, args = self._requests.page(wanted.conditions(), first, after)
        return await self._fetch(sql, *args)

    async def count_requests(self, wanted: RequestFilter) -> int:
        return int(await self._value(*self._requests.count(wanted.conditions())))

    async def any_requests_before(self, wanted: RequestFilter, key: Keyset) -> bool:
        return bool(await self._value(*self._requests.any_before(wanted.conditions(), key)))

    async def requests_by_ids(self, ids: Sequence[str]) -> dict[str, Row]:
        sql = f"SELECT {REQUEST_COLUMNS} FROM {self.s}.resource_requests WHERE id = ANY($1::text[])"
        return {row["id"]: row for row in await self._fetch(sql, list(ids))}

    async def proposals(self, first: int, after: Keyset | None) -> list[Row]:
        """Up to `first` proposals after `after`, the latest first."""
        sql, args = self._proposals.page(Conditions(), first, after)
        return await self._fetch(sql, *args)

    async def count_proposals(self) -> int:
        async with raw_connection(self.engine) as conn:
            return int(await conn.fetchval(f"SELECT count(*) FROM {self.s}.staffing_proposals"))

    async def any_proposals_before(self, key: Keyset) -> bool:
        sql, args = self._proposals.any_before(Conditions(), key)
        async with raw_connection(self.engine) as conn:
            return bool(await conn.fetchval(sql, *args))

    async def proposals_by_ids(self, ids: Sequence[str]) -> dict[str, Row]:
        sql = (
            f"SELECT {_PROPOSAL_COLUMNS} FROM {self.s}.staffing_proposals "
            f"WHERE id = ANY($1::text[])"
        )
        return {row["id"]: row for row in await self._fetch(sql, list(ids))}

    async def drafts(self, wanted: DraftFilter, first: int, after: Keyset | None) -> list[Row]:
        """Up to `first` drafts matching `wanted` after `after`, the latest started first."""
        sql, args = self._drafts.page(wanted.conditions(), first, after)
        return await self._fetch(sql, *args)

    async def count_drafts(self, wanted: DraftFilter) -> int:
        return int(await self._value(*self._drafts.count(wanted.conditions())))

    async def any_drafts_before(self, wanted: DraftFilter, key: Keyset) -> bool:
        return bool(await self._value(*self._drafts.any_before(wanted.conditions(), key)))

    async def drafts_by_ids(self, ids: Sequence[str]) -> dict[str, Row]:
        sql = f"SELECT {_DRAFT_COLUMNS} FROM {self.s}.staffing_drafts WHERE id = ANY($1::text[])"
        return {row["id"]: row for row in await self._fetch(sql, list(ids))}

    async def skills(self) -> list[Row]:
        """The catalogue, by name (any case)."""
        sql = (
            f"SELECT name, description, added_by, added_at FROM {self.s}.skills "
            f"ORDER BY lower(name), name"
        )
        return await self._fetch(sql)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        """The rows of any statement on these read models, jsonb columns parsed: for the
        modules with statements of their own (capacity_demand_reads.py)."""
        return await self._fetch(sql, *args)

    async def _value(self, sql: str, args: list[Any]) -> Any:
        async with raw_connection(self.engine) as conn:
            return await conn.fetchval(sql, *args)

    async def _fetch(self, sql: str, *args: Any) -> list[Row]:
        async with raw_connection(self.engine) as conn:
            records = await conn.fetch(sql, *args)
        rows: list[Row] = []
        for record in records:
            row = dict(record)
            for column in _JSON:
                if isinstance(row.get(column), str):
                    row[column] = orjson.loads(row[column])
            rows.append(row)
        return rows


def _grouped(rows: list[Row], person_ids: Sequence[str]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {person_id: [] for person_id in person_ids}
    for row in rows:
        grouped.setdefault(row["person_id"], []).append(row)
    return grouped
