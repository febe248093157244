"""The ScoringModel aggregate: how portfolio items are scored, as versions that never change.

    created (draft of version 1) ──publish──> version 1 published
    version n published ──revise_draft──> draft of version n + 1 ──publish──> version n + 1 ...
    any state ──retire──> retired (final)

A draft can be revised as often as needed; publishing freezes it as the next version. A score
names the model id and version it was given with, so publishing version 2 leaves every score given
with version 1 as it was: `published_version(1)` still answers with the criteria it was computed
from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Self

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_kernel.events import DomainEvent, utcnow
from pmo_portfolio.domain.scoring.events import (
    ScoringModelCreated,
    ScoringModelDraftRevised,
    ScoringModelRetired,
    ScoringModelVersionPublished,
)
from pmo_portfolio.domain.scoring.model import (
    HUNDRED,
    Criterion,
    ModelKind,
    ModelStatus,
    ScoringModelVersion,
)
from pmo_portfolio.domain.scoring.wsjf import wsjf_problems


def validate_criteria(kind: ModelKind, criteria: Sequence[Criterion]) -> None:
    """The rules a set of criteria obeys, refused with a DomainError naming the rule broken.

    At least one criterion; unique keys; for a WSJF model exactly the four WSJF components on the
    modified Fibonacci scale; weights adding up to exactly 100 %. (A scale whose minimum is not
    below its maximum cannot even be built: see `Scale`.)
    """
    if not criteria:
        raise DomainError("a scoring model needs at least one criterion", rule="criteria_present")
    keys = [c.key for c in criteria]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise DomainError(
            "criterion keys must be unique; repeated: " + ", ".join(duplicates),
            rule="unique_keys",
            duplicates=duplicates,
        )
    if kind is ModelKind.WSJF:
        problems = wsjf_problems(criteria)
        if problems:
            raise DomainError("; ".join(problems), rule="wsjf_components", problems=problems)
    total = sum((c.weight for c in criteria), Decimal(0))
    if total != HUNDRED:
        shown = f"{total.normalize():f}"
        raise DomainError(
            f"criterion weights must add up to 100 %, they add up to {shown} %",
            rule="weights_sum_to_100",
            total=shown,
        )


class ScoringModel(Aggregate):
    stream_type = "scoring-model"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.name: str | None = None
        self.kind: ModelKind | None = None
        self.status: ModelStatus | None = None  # None until created
        self.draft: tuple[Criterion, ...] | None = None  # the next version's criteria, if open
        self.versions: dict[int, ScoringModelVersion] = {}
        self.published_at: dict[int, datetime] = {}
        self.created_at: datetime | None = None
        self.retired_at: datetime | None = None

    # -- decide ---------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        model_id: str,
        name: str,
        kind: ModelKind,
        criteria: Sequence[Criterion],
        actor_id: str,
        now: datetime | None = None,
    ) -> Self:
        validate_criteria(kind, criteria)
        model = cls(model_id)
        model._record(
            ScoringModelCreated(
                model_id=model_id,
                name=name,
                kind=kind,
                criteria=tuple(criteria),
                created_by=actor_id,
                created_at=now or utcnow(),
            )
        )
        return model

    def revise_draft(
        self, criteria: Sequence[Criterion], actor_id: str, now: datetime | None = None
    ) -> None:
        """Replace the draft of the next version (opening one if the last version is published)."""
        self._require_not_retired("revise_draft", "its draft can no longer be revised")
        validate_criteria(self._kind(), criteria)
        revised = tuple(criteria)
        if self.draft is not None and revised == self.draft:
            raise DomainError(
                f"scoring model {self.id}: the revision is identical to the current draft",
                rule="revision_changes_something",
            )
        latest = self.latest
        if self.draft is None and latest is not None and revised == latest.criteria:
            raise DomainError(
                f"scoring model {self.id}: the revision is identical to published version "
                f"{latest.version}",
                rule="revision_changes_something",
                version=latest.version,
            )
        self._record(
            ScoringModelDraftRevised(
                model_id=self.id,
                draft_version=self.latest_version + 1,
                criteria=revised,
                revised_by=actor_id,
                revised_at=now or utcnow(),
            )
        )

    def publish(self, actor_id: str, now: datetime | None = None) -> None:
        """Freeze the draft as the next version. Publishing again needs a revised draft first."""
        self._require_not_retired("publish", "it can no longer be published")
        if self.draft is None:
            raise InvalidTransition(
                f"scoring model {self.id} has no draft to publish: version {self.latest_version} "
                "is already published; revise the draft first",
                command="publish",
                state=self._status().value,
                version=self.latest_version,
            )
        latest = self.latest
        if latest is not None and self.draft == latest.criteria:
            raise DomainError(
                f"scoring model {self.id}: the draft is identical to published version "
                f"{latest.version}; there is nothing new to publish",
                rule="revision_changes_something",
                version=latest.version,
            )
        self._record(
            ScoringModelVersionPublished(
                model_id=self.id,
                version=self.latest_version + 1,
                name=self._name(),
                kind=self._kind(),
                criteria=self.draft,
                published_by=actor_id,
                published_at=now or utcnow(),
            )
        )

    def retire(self, actor_id: str, reason: str | None = None, now: datetime | None = None) -> None:
        self._require_not_retired("retire", "it is already retired")
        self._record(
            ScoringModelRetired(
                model_id=self.id,
                last_version=self.latest_version or None,
                reason=reason,
                retired_by=actor_id,
                retired_at=now or utcnow(),
            )
        )

    # -- evolve ---------------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        match event:
            case ScoringModelCreated():
                self.name = event.name
                self.kind = event.kind
                self.status = ModelStatus.DRAFT
                self.draft = event.criteria
                self.created_at = event.created_at
            case ScoringModelDraftRevised():
                self.draft = event.criteria
            case ScoringModelVersionPublished():
                self.status = ModelStatus.PUBLISHED
                self.draft = None
                self.versions[event.version] = ScoringModelVersion(
                    model_id=event.model_id,
                    version=event.version,
                    name=event.name,
                    kind=event.kind,
                    criteria=event.criteria,
                )
                self.published_at[event.version] = event.published_at
            case ScoringModelRetired():
                self.status = ModelStatus.RETIRED
                self.retired_at = event.retired_at
            case _:
                raise TypeError(f"{type(event).__name__} is not a scoring model event")

    # -- queries --------------------------------------------------------------------------------

    @property
    def latest_version(self) -> int:
        """The number of the last published version; 0 when none is."""
        return max(self.versions, default=0)

    @property
    def latest(self) -> ScoringModelVersion | None:
        return self.versions.get(self.latest_version)

    @property
    def accepts_scores(self) -> bool:
        """New scores may be given with the latest version: published and not retired."""
        return self.status is ModelStatus.PUBLISHED

    def published_version(self, number: int) -> ScoringModelVersion:
        """A published version, for scoring with it or recomputing a score given with it."""
        try:
            return self.versions[number]
        except KeyError:
            raise DomainError(
                f"scoring model {self.id} has no published version {number}",
                version=number,
                published=sorted(self.versions),
            ) from None

    def for_scoring(self) -> ScoringModelVersion:
        """The version new scores are given with: the latest, if the model accepts scores."""
        latest = self.latest
        if not self.accepts_scores or latest is None:
            raise InvalidTransition(
                f"scoring model {self.id} is {self._status().value}; items can only be scored "
                "with a published model that is not retired",
                command="score",
                state=self._status().value,
            )
        return latest

    # -- helpers --------------------------------------------------------------------------------

    def _require_not_retired(self, command: str, refusal: str) -> None:
        status = self._status()
        if status is ModelStatus.RETIRED:
            raise InvalidTransition(
                f"scoring model {self.id} is retired; {refusal}",
                command=command,
                state=status.value,
            )

    def _status(self) -> ModelStatus:
        if self.status is None:
            raise InvalidTransition(f"scoring model {self.id} does not exist", state=None)
        return self.status

    def _kind(self) -> ModelKind:
        if self.kind is None:
            raise InvalidTransition(f"scoring model {self.id} does not exist", state=None)
        return self.kind

    def _name(self) -> str:
        if self.name is None:
            raise InvalidTransition(f"scoring model {self.id} does not exist", state=None)
        return self.name
