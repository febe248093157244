"""`overAllocationRaised` (graphql-transport-ws): a person and their weeks, when a capacity
projector batch makes them over-allocated in weeks they were not over-allocated in before.
schema.py merges `CapacitySubscription` into its `Subscription`.

One `OverAllocationWatch` per gateway process does the arithmetic for all subscribers, and only
while there are some: it starts with the first (reads the over-allocated weeks of everyone who
has an allocation: the baseline), then sleeps on the person notices of the capacity
projection's NOTIFY (CAPACITY_CHANNEL, through the ChangeHub): for the people a batch touched
(one notice per stream and batch; the notices queued together are read together) it reads
their rows again, computes their loads with the kernel's rule over the weeks of their
allocations, and tells the weeks over-allocated now that were not before. It stops with the
last subscriber: no polling, no work while nobody listens.

Each subscriber hears only of the people it may see (the person rule, `PeopleAudience`): a
capacity reader of everyone, a line manager of their own people. Not told: a calendar
redefined (its notice is not a person's), and what changed while the LISTEN connection was
down or before the baseline was read (that is the baseline then).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Collection
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

import strawberry

from pmo_kernel.capacity import Load
from pmo_kernel.identity import Principal
from pmo_reporting.gateway import fields
from pmo_reporting.gateway.access import PeopleAudience
from pmo_reporting.gateway.capacity import Person, WeekLoad
from pmo_reporting.gateway.capacity_loads import Row, person_loads
from pmo_reporting.gateway.capacity_readmodel import CapacityReadModel, PeopleFilter
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.listener import SUBSCRIBER_QUEUE, ChangeHub

log = logging.getLogger(__name__)

PERSON = "person"  # the capacity stream type of people (their reports and allocations)
_EVERYONE = PeopleAudience(Principal(subject="over-allocation-watch", roles=frozenset({"service"})))


@dataclass(frozen=True)
class Raised:
    """A person (their read model row) newly over-allocated in the weeks of `loads`."""

    person: Row
    loads: list[Load]


async def over_allocated_weeks(
    read_model: CapacityReadModel, person_ids: Collection[str] | None
) -> dict[str, tuple[Row, list[Load]]]:
    """The over-allocated weeks of these people (None: everyone), by person, with their row:
    their loads over the weeks of their allocations not released (four statements)."""
    if person_ids is None:
        people = await read_model.people(PeopleFilter(), _EVERYONE)
    else:
        people = list((await read_model.people_by_ids(sorted(person_ids))).values())
    ids = [row["id"] for row in people]
    if not ids:
        return {}
    allocations = await read_model.allocations_for(ids, active_only=True)
    booked = [row for row in people if allocations.get(row["id"])]
    calendars = await read_model.calendars_by_ids(row["calendar_id"] for row in booked)
    reports = await read_model.reports_for([row["id"] for row in booked])
    found: dict[str, tuple[Row, list[Load]]] = {}
    for person in booked:
        own = allocations[person["id"]]
        first = min(row["start_week"] for row in own)
        last = max(row["end_week"] for row in own)
        loads = person_loads(
            person, calendars.get(person["calendar_id"]), reports.get(person["id"], []), own,
            first, last,
        )  # fmt: skip
        found[person["id"]] = (person, [load for load in loads if load.over_allocated])
    return found


@dataclass(eq=False)
class OverAllocationWatch:
    """The gateway's watch (see the module doc); `subscribe` for the over-allocations raised."""

    hub: ChangeHub
    read_model: CapacityReadModel
    ready: asyncio.Event = field(default_factory=asyncio.Event)  # the baseline is read
    _subscribers: set[asyncio.Queue[Raised]] = field(default_factory=set)
    _over: dict[str, frozenset[str]] = field(default_factory=dict)  # person → weeks
    _task: asyncio.Task[None] | None = None

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Raised]]:
        queue: asyncio.Queue[Raised] = asyncio.Queue(SUBSCRIBER_QUEUE)
        self._subscribers.add(queue)
        if self._task is None:
            self.ready.clear()
            self._task = asyncio.create_task(self._watch())
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)
            if not self._subscribers and self._task is not None:
                task, self._task = self._task, None
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _watch(self) -> None:
        async with self.hub.subscribe_capacity_streams(frozenset({PERSON})) as feed:
            # Subscribed first: a batch committed while the baseline is read is told after.
            self._over = {
                person_id: frozenset(load.week for load in loads)
                for person_id, (_, loads) in (
                    await over_allocated_weeks(self.read_model, None)
                ).items()
            }
            self.ready.set()
            while True:
                touched = {(await feed.queue.get()).stream_id}
                while not feed.queue.empty():
                    touched.add(feed.queue.get_nowait().stream_id)
                try:
                    raised = await self.raised(touched)
                except Exception:  # the next batch reads them again; the watch must go on
                    log.exception("over-allocation watch: cannot read %s", sorted(touched))
                    continue
                for one in raised:
                    for queue in self._subscribers:
                        if queue.full():  # a slow subscriber loses its oldest
                            queue.get_nowait()
                        queue.put_nowait(one)

    async def raised(self, person_ids: Collection[str]) -> list[Raised]:
        """The people of `person_ids` over-allocated in weeks they were not before (what is
        known of them moves on)."""
        now = await over_allocated_weeks(self.read_model, person_ids)
        found = []
        for person_id in sorted(person_ids):
            person, loads = now.get(person_id, (None, []))
            weeks = frozenset(load.week for load in loads)
            before = self._over.get(person_id, frozenset())
            self._over[person_id] = weeks
            if person is not None and weeks - before:
                found.append(Raised(person, [load for load in loads if load.week not in before]))
        return found


_WATCHES: WeakKeyDictionary[ChangeHub, OverAllocationWatch] = WeakKeyDictionary()


def watch_of(hub: ChangeHub, read_model: CapacityReadModel) -> OverAllocationWatch:
    """The app's watch: one per hub, which the app creates once."""
    watch = _WATCHES.get(hub)
    if watch is None:
        watch = _WATCHES[hub] = OverAllocationWatch(hub, read_model)
    return watch


@strawberry.type(description="A person a projector batch made over-allocated in these weeks")
class OverAllocationRaised:
    person: Person
    weeks: list[WeekLoad] = strawberry.field(
        description="The weeks newly over-allocated, in order, with their hours"
    )


@strawberry.type
class CapacitySubscription:
    @fields.subscription(
        "Each person a capacity projector batch makes over-allocated in weeks they were not "
        "over-allocated in before, with those weeks, for one person or all; only people the "
        "caller sees (graphql-transport-ws)"
    )
    async def over_allocation_raised(
        self, info: GatewayInfo, person_id: strawberry.ID | None = None
    ) -> AsyncGenerator[OverAllocationRaised, None]:
        audience = info.context.people_audience()
        services = info.context.services
        watch = watch_of(services.changes, services.capacity_read_model)
        async with watch.subscribe() as queue:
            while True:
                raised = await queue.get()
                if person_id is not None and raised.person["id"] != str(person_id):
                    continue
                if not audience.sees(raised.person):
                    continue
                yield OverAllocationRaised(
                    person=Person.of(raised.person, audience),
                    weeks=[WeekLoad.of(load) for load in raised.loads],
                )
