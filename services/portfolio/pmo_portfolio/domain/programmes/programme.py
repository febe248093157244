"""The Programme aggregate: a named group of portfolio items under one sponsor.

    established

Membership lives on the items (`PortfolioItem.assign_to_programme`), so moving an item between
programmes is one event on one stream and programmes never need to agree with each other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.events import DomainEvent, utcnow
from pmo_portfolio.domain.governance.validation import validated
from pmo_portfolio.domain.programmes.events import ProgrammeEstablished


class Programme(Aggregate):
    stream_type = "programme"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.name: str | None = None  # None until established
        self.description: str | None = None
        self.sponsor: str | None = None
        self.established_by: str | None = None
        self.established_at: datetime | None = None

    @property
    def established(self) -> bool:
        return self.name is not None

    @classmethod
    def establish(
        cls,
        programme_id: str,
        *,
        name: str,
        description: str,
        sponsor: str,
        actor_id: str,
        now: datetime | None = None,
    ) -> Self:
        programme = cls(programme_id)
        programme._record(
            validated(
                ProgrammeEstablished,
                f"programme {programme_id} cannot be established",
                programme_id=programme_id,
                name=name,
                description=description,
                sponsor=sponsor,
                established_by=actor_id,
                established_at=now or utcnow(),
            )
        )
        return programme

    def apply(self, event: DomainEvent) -> None:
        match event:
            case ProgrammeEstablished():
                self.name = event.name
                self.description = event.description
                self.sponsor = event.sponsor
                self.established_by = event.established_by
                self.established_at = event.established_at
            case _:
                raise TypeError(f"{type(event).__name__} is not a programme event")


__all__ = ["Programme"]
