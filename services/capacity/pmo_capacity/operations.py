"""What the `pmo` command line needs of the capacity service beyond its processes."""

from __future__ import annotations

from pmo_capacity.application.planned_items import PlannedItems
from pmo_capacity.bootstrap import SCHEMA
from pmo_capacity.domain import registry
from pmo_kernel.db import create_engine
from pmo_kernel.plugin import ConsumerSpec
from pmo_kernel.settings import Settings
from pmo_kernel.store import EventStore


def consumers(settings: Settings) -> list[ConsumerSpec]:
    """The planned-items consumer, for `pmo dlq list` and `pmo dlq replay`. It appends through
    the connection it is handed (the replay's transaction), so its store's engine never
    connects."""
    store = EventStore(create_engine(settings.database_url, pool_size=1), SCHEMA, registry)
    return [
        ConsumerSpec(
            name=PlannedItems.name,
            topics=(settings.topic("portfolio"),),
            schema=SCHEMA,
            handler=PlannedItems(store),
        )
    ]
