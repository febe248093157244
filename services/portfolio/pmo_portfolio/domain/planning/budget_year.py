"""The BudgetYear aggregate: the claim on a calendar year, held by its one open envelope.

    unclaimed ──claim (envelope E)──> held by E ──release (by E)──> released ──claim──> ...

"One open budget envelope per year" spans several envelope streams, so no single envelope can
guard it against two opened at the same moment. The year's claim stream ("budget-year-2027")
can: opening an envelope appends its `BudgetYearClaimed` in the same transaction as its
`BudgetEnvelopeOpened`, at the version the claim was loaded at, so of two concurrent openings
the second meets a version conflict on this stream and writes nothing. Closing the envelope
releases the year in the same transaction as `BudgetEnvelopeClosed`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_kernel.events import DomainEvent, utcnow
from pmo_portfolio.domain.governance.validation import validated
from pmo_portfolio.domain.planning.events import (
    BudgetYearClaimed,
    BudgetYearReleased,
    ItemCommittedToYear,
    ItemWithdrawnFromYear,
)
from pmo_portfolio.domain.planning.roadmap import PlannedItem

STREAM_PREFIX = "budget-year-"


def budget_year_id(year: int) -> str:
    """The stream id of a year's claim: "budget-year-2027"."""
    return f"{STREAM_PREFIX}{year}"


class BudgetYear(Aggregate):
    stream_type = "budget-year"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        digits = stream_id.removeprefix(STREAM_PREFIX)
        if not stream_id.startswith(STREAM_PREFIX) or not digits.isdigit():
            raise DomainError(
                f"{stream_id!r} is not a budget year (expected {budget_year_id(2027)!r})",
                id=stream_id,
            )
        self.year = int(digits)
        self.holder: str | None = None  # the envelope holding the year, None when free
        self.holders: list[str] = []  # every envelope that held the year, oldest first
        # The approved, planned items that run in the year or cost money in it, by id.
        self.commitments: dict[str, PlannedItem] = {}

    @classmethod
    def of(cls, year: int) -> Self:
        """The claim on `year`, not loaded (version 0)."""
        return cls(budget_year_id(year))

    # -- decide ---------------------------------------------------------------------------------

    def claim(self, envelope_id: str, *, actor_id: str, now: datetime | None = None) -> None:
        """The envelope being opened takes the year; refused while another envelope holds it."""
        context = f"budget envelope {envelope_id} cannot claim {self.year}"
        if self.holder is not None:
            raise InvalidTransition(
                f"{context}: {self.year} already has the open envelope {self.holder}; revise it, "
                "or close it first",
                year=self.year,
                envelope_id=self.holder,
            )
        self._record(
            validated(
                BudgetYearClaimed,
                context,
                year=self.year,
                envelope_id=envelope_id,
                claimed_by=actor_id,
                claimed_at=now or utcnow(),
            )
        )

    def release(self, envelope_id: str, *, actor_id: str, now: datetime | None = None) -> None:
        """The envelope holding the year was closed; only the holder releases it."""
        context = f"budget envelope {envelope_id} cannot release {self.year}"
        if self.holder is None:
            raise InvalidTransition(
                f"{context}: no envelope holds it", year=self.year, envelope_id=envelope_id
            )
        if self.holder != envelope_id:
            raise InvalidTransition(
                f"{context}: it is held by the envelope {self.holder}",
                year=self.year,
                envelope_id=self.holder,
            )
        self._record(
            validated(
                BudgetYearReleased,
                context,
                year=self.year,
                envelope_id=envelope_id,
                released_by=actor_id,
                released_at=now or utcnow(),
            )
        )

    def commit(self, planned: PlannedItem, *, actor_id: str, now: datetime | None = None) -> None:
        """The item runs in the year, or costs money in it, with this plan (nothing recorded
        if the year already has it so)."""
        if self.commitments.get(planned.item_id) == planned:
            return
        self._record(
            validated(
                ItemCommittedToYear,
                f"item {planned.item_id} cannot be committed to {self.year}",
                year=self.year,
                item_id=planned.item_id,
                title=planned.title,
                start_quarter=planned.start_quarter,
                end_quarter=planned.end_quarter,
                cost_per_year=dict(planned.cost_per_year),
                committed_by=actor_id,
                committed_at=now or utcnow(),
            )
        )

    def withdraw(
        self, item_id: str, reason: str, *, actor_id: str, now: datetime | None = None
    ) -> None:
        """The item no longer commits the year (nothing recorded if it did not)."""
        if item_id not in self.commitments:
            return
        self._record(
            validated(
                ItemWithdrawnFromYear,
                f"item {item_id} cannot be withdrawn from {self.year}",
                year=self.year,
                item_id=item_id,
                reason=reason,
                withdrawn_by=actor_id,
                withdrawn_at=now or utcnow(),
            )
        )

    # -- evolve ---------------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        match event:
            case BudgetYearClaimed():
                self.holder = event.envelope_id
                self.holders.append(event.envelope_id)
            case BudgetYearReleased():
                self.holder = None
            case ItemCommittedToYear():
                self.commitments[event.item_id] = PlannedItem(
                    event.item_id, event.start_quarter, event.end_quarter,
                    dict(event.cost_per_year), event.title,
                )  # fmt: skip
            case ItemWithdrawnFromYear():
                self.commitments.pop(event.item_id, None)
            case _:
                raise TypeError(f"{type(event).__name__} is not a budget-year event")


__all__ = ["BudgetYear", "budget_year_id"]
