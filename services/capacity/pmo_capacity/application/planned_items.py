"""Planned items: `pmo.portfolio.events` → resource requests, and allocations released when a
project ends.

- `ItemPlanned` carries the people the item needs: person-days per role per quarter. Each
  (role, quarter) is a demand over the ISO weeks whose Monday falls in the quarter, at
  person-days x HOURS_PER_PERSON_DAY (8 h) / the number of those weeks, to the cent. A request
  is filled whole by one person, so the demand is split into seats of at most SEAT_HOURS (a
  full-time week) shared evenly (the last seat takes the cents left): requests
  `item-<item id>-<role>-<quarter>`, then `...-seat-2`, `...-seat-3`; source "portfolio". A
  re-plan revises the item's open requests
  (period and hours; skills a person added stay), raises those it adds and cancels those it no
  longer needs. A filled request is left as it is. A request this consumer cancelled is raised
  again, under the next id (`<id>.2`...), if a later plan needs its quarter again; one a person
  cancelled stays cancelled. A role the capacity service does not know is skipped (logged).
- `ItemDecided` into cancelled, closed or rejected: the item's open requests are cancelled and
  every active allocation to it is released, with the reason ("project cancelled"...).

The handler runs in the consumer's transaction (pmo_kernel.consumer): what it appends and the
dedupe record commit together. Its events' ids derive from the portfolio event's id, and it
writes only what differs from the streams, so handling the same event again writes nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

import asyncpg
from pydantic import ValidationError

from pmo_capacity.domain import (
    AllocationProposed,
    Person,
    PersonRole,
    RaiseResourceRequest,
    ReleaseAllocation,
    RequestSource,
    RequestStatus,
    ResourceRequest,
    ResourceRequestRaised,
    ReviseResourceRequest,
)
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.capacity import weeks_of_quarter
from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.consumer import Unprocessable
from pmo_kernel.events import Actor, EventMetadata
from pmo_kernel.store import EventStore, NewEvent

log = logging.getLogger(__name__)

HOURS_PER_PERSON_DAY = Decimal(8)  # a person-day of the portfolio's estimates, in hours
SEAT_HOURS = Decimal(40)  # at most one full-time week per request (one person fills it)
MAX_SEATS = 100  # a role's demand in a quarter of more than 100 people is a mistake upstream
PLANNER = Actor(id="system:capacity-planned-items", name="capacity planned items",
                roles=("service",))  # fmt: skip
ITEM_STREAM = "portfolio-item"
ENDINGS = {"cancelled": "project cancelled", "closed": "project closed",
           "rejected": "project rejected"}  # fmt: skip
UNPLANNED = "no longer in the item's plan"
_CENT = Decimal("0.01")
_NAMESPACE = uuid.UUID("6b1d3f2e-0c4a-4e8b-9f57-2a1c3d4e5f60")
_ROLES = frozenset(role.value for role in PersonRole)

A = TypeVar("A", bound=Aggregate)


def request_id_of(item_id: str, role: str, quarter: str, seat: int = 1) -> str:
    base = f"item-{item_id}-{role}-{quarter}"
    return base if seat == 1 else f"{base}-seat-{seat}"


def seats_of(hours: Decimal) -> list[Decimal]:
    """`hours` a week as the fewest seats of at most SEAT_HOURS, shared evenly to the cent."""
    count = int((hours / SEAT_HOURS).to_integral_value(rounding=ROUND_CEILING))
    share = (hours / count).quantize(_CENT, rounding=ROUND_DOWN)
    return [share] * (count - 1) + [hours - share * (count - 1)]


def requests_of_plan(
    item_id: str, effort: Mapping[str, Mapping[str, Any]]
) -> dict[str, RaiseResourceRequest]:
    """The requests a plan's effort (role -> quarter -> person-days) asks for, by request id."""
    wanted: dict[str, RaiseResourceRequest] = {}
    for role, quarters in sorted(effort.items()):
        if role not in _ROLES:
            log.warning("item %s: no role %r in the capacity service; skipped", item_id, role)
            continue
        for quarter, days in sorted(quarters.items()):
            weeks = weeks_of_quarter(quarter)
            hours = (Decimal(str(days)) * HOURS_PER_PERSON_DAY / len(weeks)).quantize(
                _CENT, rounding=ROUND_HALF_UP
            )
            if hours <= 0:
                continue
            seats = seats_of(hours)
            if len(seats) > MAX_SEATS:
                raise Unprocessable(
                    f"item {item_id}: {role} in {quarter}: {hours} h a week is more than "
                    f"{MAX_SEATS} people"
                )
            for seat, seat_hours in enumerate(seats, start=1):
                try:
                    command = RaiseResourceRequest(
                        project_id=item_id, role=PersonRole(role), start_week=weeks[0],
                        end_week=weeks[-1], hours_per_week=seat_hours,
                    )  # fmt: skip
                except ValidationError as exc:
                    raise Unprocessable(f"item {item_id}: {role} in {quarter}: {exc}") from exc
                wanted[request_id_of(item_id, role, quarter, seat)] = command
    return wanted


class PlannedItems:
    name = "capacity.planned-items"

    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def handle(self, conn: asyncpg.Connection, event: ReceivedEvent) -> None:
        if event.stream_type != ITEM_STREAM:
            return
        if event.event_type == "ItemPlanned":
            await self._planned(conn, event)
        elif event.event_type == "ItemDecided" and event.data.get("state") in ENDINGS:
            await self._ended(conn, event, ENDINGS[event.data["state"]])

    async def after_commit(self, events: Sequence[ReceivedEvent]) -> None:
        return None

    # -- planned ----------------------------------------------------------------------------------

    async def _planned(self, conn: asyncpg.Connection, event: ReceivedEvent) -> None:
        item_id = str(event.data["item_id"])
        wanted = requests_of_plan(item_id, event.data.get("effort_by_role_quarter") or {})
        kept = set()
        for request_id, command in wanted.items():
            request = await self._current(conn, request_id)
            kept.add(request.id)
            if request.version == 0:
                request = ResourceRequest.raise_request(
                    request.id, command, RequestSource.PORTFOLIO, PLANNER.id, event.time
                )
            elif request.status is RequestStatus.OPEN and (
                request.start_week, request.end_week, request.hours_per_week,
            ) != (command.start_week, command.end_week, command.hours_per_week):  # fmt: skip
                revision = ReviseResourceRequest(
                    start_week=command.start_week, end_week=command.end_week,
                    hours_per_week=command.hours_per_week,
                )  # fmt: skip
                request.revise(revision, PLANNER.id, PLANNER.roles, event.time)
            await self._append(conn, request, event)
        for request in await self._requests_of(conn, item_id, source=RequestSource.PORTFOLIO):
            if request.id not in kept and request.status is RequestStatus.OPEN:
                request.cancel(UNPLANNED, PLANNER.id, PLANNER.roles, event.time)
                await self._append(conn, request, event)

    async def _current(self, conn: asyncpg.Connection, request_id: str) -> ResourceRequest:
        """The request of that id, or of its next id if this consumer cancelled it (a new one,
        version 0, when that id is free)."""
        number = 1
        while True:
            numbered = request_id if number == 1 else f"{request_id}.{number}"
            request = await self._load(conn, ResourceRequest, numbered)
            replanned_away = (
                request.status is RequestStatus.CANCELLED and request.cancelled_by == PLANNER.id
            )
            if not replanned_away:
                return request
            number += 1

    # -- ended ------------------------------------------------------------------------------------

    async def _ended(self, conn: asyncpg.Connection, event: ReceivedEvent, reason: str) -> None:
        item_id = str(event.data["item_id"])
        for request in await self._requests_of(conn, item_id):
            if request.status is RequestStatus.OPEN:
                request.cancel(reason, PLANNER.id, PLANNER.roles, event.time)
                await self._append(conn, request, event)
        people = await self.store.stream_ids_with(
            Person.stream_type, AllocationProposed.event_type, conn=conn, project_id=item_id
        )
        for person_id in people:
            person = await self._load(conn, Person, person_id)
            for allocation in list(person.allocations.values()):
                if allocation.project_id == item_id and not allocation.released:
                    person.release_allocation(
                        allocation.allocation_id, ReleaseAllocation(reason=reason), PLANNER.id,
                        event.time,
                    )  # fmt: skip
            await self._append(conn, person, event)

    # -- streams ----------------------------------------------------------------------------------

    async def _requests_of(
        self, conn: asyncpg.Connection, item_id: str, source: RequestSource | None = None
    ) -> list[ResourceRequest]:
        values: dict[str, str] = {"project_id": item_id}
        if source is not None:
            values["source"] = source.value
        ids = await self.store.stream_ids_with(
            ResourceRequest.stream_type, ResourceRequestRaised.event_type, conn=conn, **values
        )
        return [await self._load(conn, ResourceRequest, request_id) for request_id in ids]

    async def _load(self, conn: asyncpg.Connection, kind: type[A], stream_id: str) -> A:
        history = await self.store.read_stream(kind.stream_type, stream_id, conn=conn)
        return kind.load(stream_id, history)

    async def _append(
        self, conn: asyncpg.Connection, aggregate: Aggregate, cause: ReceivedEvent
    ) -> None:
        if not aggregate.pending:
            return
        metadata = EventMetadata(
            actor=PLANNER,
            occurred_at=cause.time,
            correlation_id=cause.correlation_id,
            causation_id=str(cause.event_id),
            traceparent=cause.traceparent,
            tracestate=cause.tracestate,
        )
        key = f"{cause.event_id}:{aggregate.stream_type}:{aggregate.id}"
        events = [
            NewEvent(e, metadata, uuid.uuid5(_NAMESPACE, f"{key}:{i}"))
            for i, e in enumerate(aggregate.pending)
        ]
        result = await self.store.append(
            aggregate.stream_type, aggregate.id, aggregate.version, events,
            prev_hash=aggregate.last_hash, conn=conn,
        )  # fmt: skip
        aggregate.mark_saved(result.version, result.last_hash)
