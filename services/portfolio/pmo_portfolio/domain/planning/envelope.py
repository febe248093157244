"""The BudgetEnvelope aggregate: the money the portfolio may commit in one calendar year.

    opened (version 1) ──revise──> version 2 ──revise──> ... ──close──> closed

Each revision is a new envelope version (1, 2, ...), distinct from the stream version: a decision
freezes the envelope id and version it was based on (`Decision.budget_envelope_version`). While
open, an envelope over-committed by the roadmap may have arbitration requested on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Self

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_kernel.events import DomainEvent, utcnow
from pmo_kernel.money import Money
from pmo_portfolio.domain.governance.validation import validated
from pmo_portfolio.domain.planning.events import (
    ArbitrationRequested,
    BudgetEnvelopeClosed,
    BudgetEnvelopeOpened,
    BudgetEnvelopeRevised,
)


@dataclass(frozen=True)
class EnvelopeVersion:
    """One version of an envelope's amount: who set it, when and why (None for the opening)."""

    version: int
    amount: Money
    reason: str | None
    set_by: str
    set_at: datetime


class BudgetEnvelope(Aggregate):
    stream_type = "budget-envelope"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self._year: int | None = None
        self.description: str | None = None
        self.versions: list[EnvelopeVersion] = []
        self.closed = False
        self.arbitration_requests: list[ArbitrationRequested] = []

    # -- queries --------------------------------------------------------------------------------

    @property
    def year(self) -> int:
        self._require_opened()
        assert self._year is not None
        return self._year

    @property
    def amount(self) -> Money:
        """The amount of the latest version."""
        self._require_opened()
        return self.versions[-1].amount

    @property
    def envelope_version(self) -> int:
        """1 when opened, one more with each revision; not the stream version."""
        self._require_opened()
        return self.versions[-1].version

    @property
    def history(self) -> tuple[EnvelopeVersion, ...]:
        """Every version, oldest first."""
        return tuple(self.versions)

    def amount_at(self, version: int) -> Money:
        """The amount of a given version, e.g. the one a decision was based on."""
        for known in self.versions:
            if known.version == version:
                return known.amount
        raise DomainError(
            f"budget envelope {self.id} has no version {version}",
            envelope_id=self.id,
            envelope_version=version,
        )

    # -- decide ---------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        envelope_id: str,
        *,
        year: int,
        amount: Money,
        description: str,
        actor_id: str,
        now: datetime | None = None,
    ) -> Self:
        """Open the envelope of a calendar year with its first amount (version 1)."""
        envelope = cls(envelope_id)
        envelope._record(
            validated(
                BudgetEnvelopeOpened,
                f"budget envelope {envelope_id} cannot be opened",
                envelope_id=envelope_id,
                year=year,
                amount=amount,
                description=description,
                opened_by=actor_id,
                opened_at=now or utcnow(),
            )
        )
        return envelope

    def revise(
        self, amount: Money, reason: str, *, actor_id: str, now: datetime | None = None
    ) -> None:
        """A new amount, as a new envelope version; the earlier versions stay on record."""
        context = f"budget envelope {self.id} cannot be revised"
        self._require_open(context)
        current = self.amount
        if amount.currency != current.currency:
            raise DomainError(
                f"{context}: it is in {current.currency}, not {amount.currency}",
                envelope_id=self.id,
            )
        if amount.amount == current.amount:
            raise DomainError(
                f"{context}: version {self.envelope_version} already holds {current}",
                envelope_id=self.id,
                envelope_version=self.envelope_version,
            )
        self._record(
            validated(
                BudgetEnvelopeRevised,
                context,
                envelope_id=self.id,
                envelope_version=self.envelope_version + 1,
                previous_amount=current,
                amount=amount,
                reason=reason,
                revised_by=actor_id,
                revised_at=now or utcnow(),
            )
        )

    def close(
        self, *, actor_id: str, reason: str | None = None, now: datetime | None = None
    ) -> None:
        """Close the envelope: no more revisions or arbitration requests."""
        context = f"budget envelope {self.id} cannot be closed"
        self._require_open(context)
        self._record(
            validated(
                BudgetEnvelopeClosed,
                context,
                envelope_id=self.id,
                envelope_version=self.envelope_version,
                reason=reason,
                closed_by=actor_id,
                closed_at=now or utcnow(),
            )
        )

    def request_arbitration(
        self,
        committed: Money,
        over_by: Money,
        item_ids: Iterable[str],
        *,
        actor_id: str,
        now: datetime | None = None,
    ) -> None:
        """The roadmap commits more than the envelope: send the items at stake to arbitration.

        The figures must be those of the current version (committed − amount = over_by > 0):
        figures computed before a revision are stale and refused.
        """
        context = f"arbitration cannot be requested on budget envelope {self.id}"
        self._require_open(context)
        amount = self.amount
        if over_by.amount <= 0:
            raise DomainError(
                f"{context}: it is not over-committed (over by {over_by})", envelope_id=self.id
            )
        mixed = sorted({committed.currency, over_by.currency} - {amount.currency})
        if mixed:
            raise DomainError(
                f"{context}: the envelope is in {amount.currency}, the figures in "
                f"{', '.join(mixed)}",
                envelope_id=self.id,
            )
        if committed.amount - amount.amount != over_by.amount:
            raise DomainError(
                f"{context}: committed {committed} against version {self.envelope_version} of "
                f"{amount} is over by {Money.of(committed.amount - amount.amount, amount.currency)}"
                f", not {over_by}; recompute the roadmap",
                envelope_id=self.id,
                envelope_version=self.envelope_version,
            )
        ids = tuple(item_ids)
        twice = sorted({one for one in ids if ids.count(one) > 1})
        if twice:
            raise DomainError(
                f"{context}: items named more than once: {', '.join(twice)}", envelope_id=self.id
            )
        self._record(
            validated(
                ArbitrationRequested,
                context,
                envelope_id=self.id,
                year=self.year,
                envelope_version=self.envelope_version,
                envelope=amount,
                committed=committed,
                over_by=over_by,
                item_ids=ids,
                requested_by=actor_id,
                requested_at=now or utcnow(),
            )
        )

    # -- evolve ---------------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        match event:
            case BudgetEnvelopeOpened():
                self._year = event.year
                self.description = event.description
                self.versions.append(
                    EnvelopeVersion(
                        event.envelope_version, event.amount, None, event.opened_by, event.opened_at
                    )
                )
            case BudgetEnvelopeRevised():
                self.versions.append(
                    EnvelopeVersion(
                        event.envelope_version,
                        event.amount,
                        event.reason,
                        event.revised_by,
                        event.revised_at,
                    )
                )
            case BudgetEnvelopeClosed():
                self.closed = True
            case ArbitrationRequested():
                self.arbitration_requests.append(event)
            case _:
                raise TypeError(f"{type(event).__name__} is not a budget-envelope event")

    # -- helpers --------------------------------------------------------------------------------

    def _require_opened(self) -> None:
        if not self.versions:
            raise InvalidTransition(
                f"budget envelope {self.id} has not been opened", envelope_id=self.id
            )

    def _require_open(self, context: str) -> None:
        self._require_opened()
        if self.closed:
            raise InvalidTransition(f"{context}: it is closed", envelope_id=self.id, state="closed")


__all__ = ["BudgetEnvelope", "EnvelopeVersion"]
