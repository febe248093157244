"""Builders for staffing problems: people with the same spare hours every week by default."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from pmo_capacity.staffing import Candidate, Need

WEEKS = tuple(f"2027-W{w:02d}" for w in range(1, 9))


def person(
    person_id: str,
    *roles: str,
    skills: Mapping[str, int] | None = None,
    spare: int | str | Mapping[str, int | str] = 40,
    projects: frozenset[str] = frozenset(),
) -> Candidate:
    hours = spare if isinstance(spare, Mapping) else dict.fromkeys(WEEKS, spare)
    return Candidate(
        person_id=person_id,
        name=person_id.title(),
        roles=frozenset(roles or ("developer",)),
        skills=skills or {},
        spare_hours={w: Decimal(h) for w, h in hours.items()},
        projects=projects,
    )


def need(
    request_id: str,
    role: str = "developer",
    *,
    project: str = "erp",
    skills: Mapping[str, int] | None = None,
    weeks: tuple[str, ...] = WEEKS[:4],
    hours: int | str = 20,
) -> Need:
    return Need(
        request_id=request_id,
        project_id=project,
        role=role,
        skills=skills or {},
        weeks=weeks,
        hours_per_week=Decimal(hours),
    )
