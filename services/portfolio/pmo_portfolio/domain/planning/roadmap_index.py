"""The RoadmapIndex aggregate: whether the budget years hold every planned item's commitment.

Budget-year streams hold the approved, planned items that run in each year (`BudgetYear.commit`),
so a plan, a decision or the roadmap reads a few year streams instead of every item's. Items
planned before that existed were committed once, all together, when the index was first needed:
`RoadmapIndexed` on this one stream ("roadmap-index") says it was done, so it is done once even
by two processes at the same moment (the second meets a version conflict and writes nothing).
"""

from __future__ import annotations

from datetime import datetime

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import InvalidTransition
from pmo_kernel.events import DomainEvent, utcnow
from pmo_portfolio.domain.governance.validation import validated
from pmo_portfolio.domain.planning.events import RoadmapIndexed

ROADMAP_INDEX_ID = "roadmap-index"


class RoadmapIndex(Aggregate):
    stream_type = "roadmap-index"

    def __init__(self, stream_id: str = ROADMAP_INDEX_ID) -> None:
        super().__init__(stream_id)
        self.indexed = False

    def index(
        self, years: list[int], items: int, *, actor_id: str, now: datetime | None = None
    ) -> None:
        if self.indexed:
            raise InvalidTransition("the roadmap is already indexed by budget year")
        self._record(
            validated(
                RoadmapIndexed,
                "the roadmap cannot be indexed",
                years=sorted(years),
                items=items,
                indexed_by=actor_id,
                indexed_at=now or utcnow(),
            )
        )

    def apply(self, event: DomainEvent) -> None:
        match event:
            case RoadmapIndexed():
                self.indexed = True
            case _:
                raise TypeError(f"{type(event).__name__} is not a roadmap-index event")


__all__ = ["ROADMAP_INDEX_ID", "RoadmapIndex"]
