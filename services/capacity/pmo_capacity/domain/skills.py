"""The SkillCatalogue aggregate: the skills a person may have and a request may need, kept by
resource managers. One stream for the organisation; names are unique case-insensitively.

A skill is never removed, so a command that checked its skills against the catalogue cannot
be invalidated by a concurrent change: it needs no lock on the catalogue's stream.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pmo_capacity.domain.events import SkillAdded
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_kernel.events import DomainEvent, utcnow

CATALOGUE_ID = "catalogue"


class UnknownSkills(DomainError):
    """Skills named that the catalogue does not hold."""

    code = "unknown_skills"
    status = 422
    title = "Unknown skills"


@dataclass(frozen=True)
class CatalogueSkill:
    name: str
    description: str | None
    added_by: str
    added_at: datetime


class SkillCatalogue(Aggregate):
    stream_type = "skills"

    def __init__(self, stream_id: str = CATALOGUE_ID) -> None:
        super().__init__(stream_id)
        self.skills: dict[str, CatalogueSkill] = {}  # by case-folded name

    def add(self, name: str, description: str | None, by: str, now: datetime | None = None) -> None:
        existing = self.skills.get(name.casefold())
        if existing is not None:
            raise InvalidTransition(
                f"the catalogue already holds the skill {existing.name}", skill=existing.name
            )
        self._record(
            SkillAdded(name=name, description=description, added_by=by, added_at=now or utcnow())
        )

    def unknown(self, names: Iterable[str]) -> list[str]:
        """The names among `names` the catalogue does not hold, in their order, once each."""
        return list(dict.fromkeys(n for n in names if n.casefold() not in self.skills))

    def require_known(self, names: Iterable[str], what: str) -> None:
        unknown = self.unknown(names)
        if unknown:
            raise UnknownSkills(
                f"{what}: the skills catalogue has no {', '.join(unknown)} (a resource manager "
                "adds skills with POST /skills)",
                unknown_skills=unknown,
            )

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, SkillAdded):
            self.skills[event.name.casefold()] = CatalogueSkill(
                event.name, event.description, event.added_by, event.added_at
            )
