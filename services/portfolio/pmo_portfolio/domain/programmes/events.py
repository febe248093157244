"""The facts of programmes. Stream "programme": a programme groups portfolio items (projects)
under one sponsor; which items belong to it is recorded on each item (`ItemAssignedToProgramme`).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime

from pmo_kernel.events import DomainEvent
from pmo_portfolio.domain.governance.values import ActorId, Id, ShortText
from pmo_portfolio.domain.planning.events import Description
from pmo_portfolio.domain.registry import registry


@registry.event
class ProgrammeEstablished(DomainEvent):
    """A programme was set up, with its sponsor; items join it one by one afterwards."""

    event_type: ClassVar[str] = "ProgrammeEstablished"

    programme_id: Id
    name: ShortText
    description: Description
    sponsor: ShortText
    established_by: ActorId
    established_at: AwareDatetime


ProgrammeEvent = ProgrammeEstablished

__all__ = ["ProgrammeEstablished", "ProgrammeEvent"]
