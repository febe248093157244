"""What the `pmo` command line needs of the portfolio service beyond its processes."""

from __future__ import annotations

from pmo_kernel.db import create_engine
from pmo_kernel.plugin import ConsumerSpec
from pmo_kernel.settings import Settings
from pmo_kernel.store import EventStore
from pmo_portfolio.application.intake import DemandIntake
from pmo_portfolio.bootstrap import SCHEMA
from pmo_portfolio.capacity.feed import CapacityFeed
from pmo_portfolio.domain.registry import registry


def consumers(settings: Settings) -> list[ConsumerSpec]:
    """The demand intake and the capacity feed, for `pmo dlq list` and `pmo dlq replay`. They
    write through the connection they are handed (the replay's transaction), so the intake's
    store's engine never connects."""
    store = EventStore(create_engine(settings.database_url, pool_size=1), SCHEMA, registry)
    return [
        ConsumerSpec(
            name=DemandIntake.name,
            topics=(settings.topic("demand"),),
            schema=SCHEMA,
            handler=DemandIntake(store),
        ),
        ConsumerSpec(
            name=CapacityFeed.name,
            topics=(settings.topic("capacity"),),
            schema=SCHEMA,
            handler=CapacityFeed(SCHEMA),
        ),
    ]
