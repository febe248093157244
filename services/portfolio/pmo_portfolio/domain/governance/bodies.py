"""The GovernanceBody aggregate: a committee that decides on portfolio items at stage gates.

A body has a kind (steering committee, project committee, investment committee, arbitration
board), a name, members (at most one chair) and decision rights: for each gate, the outcomes it
may decide there. Every refusal says what was asked and why it cannot be done.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Self

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_kernel.events import DomainEvent, utcnow
from pmo_portfolio.domain.governance.events import (
    BodyMemberAdded,
    BodyMemberRemoved,
    DecisionRightGranted,
    DecisionRightRevoked,
    GovernanceBodyEstablished,
)
from pmo_portfolio.domain.governance.gates import DEFAULT_GATE_SCHEME, GateScheme
from pmo_portfolio.domain.governance.validation import validated
from pmo_portfolio.domain.governance.vocabulary import (
    MIN_PARTICIPANTS,
    BodyKind,
    MemberRole,
    Outcome,
    canonical_outcomes,
    outcomes_in_words,
)


class GovernanceBody(Aggregate):
    stream_type = "governance-body"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.kind: BodyKind | None = None  # None until established
        self.name: str | None = None
        self.members: dict[str, MemberRole] = {}  # person id -> role, in joining order
        self.rights: dict[str, tuple[Outcome, ...]] = {}  # gate -> outcomes, canonical order

    # -- queries --------------------------------------------------------------------------------

    @property
    def label(self) -> str:
        """How refusals name the body: "investment committee 'Group Investment Committee'"."""
        if self.kind is None:
            return f"governance body {self.id}"
        return f"{self.kind.label} {self.name!r}"

    @property
    def chair(self) -> str | None:
        return next((p for p, role in self.members.items() if role is MemberRole.CHAIR), None)

    def is_member(self, person_id: str) -> bool:
        return person_id in self.members

    def may_decide(self, gate: str, outcome: Outcome) -> bool:
        return outcome in self.rights.get(gate, ())

    def participant_problems(self, participants: Collection[str]) -> list[str]:
        """Why these people cannot take a decision for the body: too few, or not members."""
        problems: list[str] = []
        distinct = list(dict.fromkeys(participants))
        if len(distinct) < MIN_PARTICIPANTS:
            problems.append(
                f"a decision needs at least {MIN_PARTICIPANTS} participants, got {len(distinct)}"
            )
        strangers = [person for person in distinct if person not in self.members]
        if strangers:
            verb = "is not a member" if len(strangers) == 1 else "are not members"
            problems.append(f"{', '.join(strangers)} {verb} of {self.label}")
        return problems

    def require_established(self) -> None:
        if self.kind is None:
            raise DomainError(
                f"governance body {self.id} has not been established", body_id=self.id
            )

    def require_kind(self) -> BodyKind:
        self.require_established()
        assert self.kind is not None
        return self.kind

    # -- decide ---------------------------------------------------------------------------------

    @classmethod
    def establish(
        cls,
        body_id: str,
        *,
        kind: BodyKind,
        name: str,
        actor_id: str,
        now: datetime | None = None,
    ) -> Self:
        body = cls(body_id)
        body._record(
            validated(
                GovernanceBodyEstablished,
                f"governance body {body_id} cannot be established",
                body_id=body_id,
                kind=kind,
                name=name,
                established_by=actor_id,
                established_at=now or utcnow(),
            )
        )
        return body

    def add_member(
        self,
        person_id: str,
        role: MemberRole = MemberRole.MEMBER,
        *,
        actor_id: str,
        now: datetime | None = None,
    ) -> None:
        self.require_established()
        current = self.members.get(person_id)
        if current is not None:
            raise InvalidTransition(
                f"{person_id} is already a member of {self.label} (as {current.value})",
                body_id=self.id,
                person_id=person_id,
            )
        chair = self.chair
        if role is MemberRole.CHAIR and chair is not None:
            raise DomainError(
                f"{self.label} already has a chair, {chair}: remove {chair} first, or add "
                f"{person_id} as a member",
                body_id=self.id,
                chair=chair,
            )
        self._record(
            validated(
                BodyMemberAdded,
                f"{person_id} cannot be added to {self.label}",
                body_id=self.id,
                person_id=person_id,
                role=role,
                added_by=actor_id,
                added_at=now or utcnow(),
            )
        )

    def remove_member(self, person_id: str, *, actor_id: str, now: datetime | None = None) -> None:
        self.require_established()
        role = self.members.get(person_id)
        if role is None:
            raise InvalidTransition(
                f"{person_id} is not a member of {self.label}, so cannot be removed",
                body_id=self.id,
                person_id=person_id,
            )
        self._record(
            BodyMemberRemoved(
                body_id=self.id,
                person_id=person_id,
                role=role,
                removed_by=actor_id,
                removed_at=now or utcnow(),
            )
        )

    def grant_right(
        self,
        gate: str,
        outcomes: Iterable[Outcome],
        *,
        actor_id: str,
        gates: GateScheme = DEFAULT_GATE_SCHEME,
        now: datetime | None = None,
    ) -> None:
        """Allow the body to decide `outcomes` at `gate` (added to what it may already decide)."""
        self.require_established()
        wanted = canonical_outcomes(outcomes)
        if not wanted:
            raise DomainError(
                f"a decision right for {self.label} at {gate} needs at least one outcome "
                f"({outcomes_in_words(Outcome)})",
                body_id=self.id,
            )
        if not gates.knows(gate):
            raise DomainError(
                f"{self.label} cannot be granted a right at {gate}: it is not a stage gate "
                f"(gates: {gates.describe()})",
                body_id=self.id,
                gate=gate,
            )
        held = self.rights.get(gate, ())
        new = tuple(outcome for outcome in wanted if outcome not in held)
        if not new:
            raise InvalidTransition(
                f"{self.label} may already {outcomes_in_words(wanted)} at {gate}",
                body_id=self.id,
                gate=gate,
            )
        self._record(
            DecisionRightGranted(
                body_id=self.id,
                gate=gate,
                granted=new,
                allowed=canonical_outcomes((*held, *new)),
                granted_by=actor_id,
                granted_at=now or utcnow(),
            )
        )

    def revoke_right(
        self,
        gate: str,
        outcomes: Iterable[Outcome] | None = None,
        *,
        actor_id: str,
        now: datetime | None = None,
    ) -> None:
        """Withdraw `outcomes` at `gate` (all of them when None)."""
        self.require_established()
        held = self.rights.get(gate, ())
        if not held:
            raise InvalidTransition(
                f"{self.label} has no decision right at {gate} to revoke",
                body_id=self.id,
                gate=gate,
            )
        wanted = held if outcomes is None else canonical_outcomes(outcomes)
        if not wanted:
            raise DomainError(
                f"say which outcomes to revoke from {self.label} at {gate} "
                f"(it may {outcomes_in_words(held)})",
                body_id=self.id,
                gate=gate,
            )
        not_held = [outcome for outcome in wanted if outcome not in held]
        if not_held:
            raise InvalidTransition(
                f"{self.label} has no right to {outcomes_in_words(not_held)} at {gate} to "
                f"revoke (it may {outcomes_in_words(held)})",
                body_id=self.id,
                gate=gate,
            )
        self._record(
            DecisionRightRevoked(
                body_id=self.id,
                gate=gate,
                revoked=wanted,
                allowed=tuple(outcome for outcome in held if outcome not in wanted),
                revoked_by=actor_id,
                revoked_at=now or utcnow(),
            )
        )

    # -- evolve ---------------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        match event:
            case GovernanceBodyEstablished():
                self.kind = event.kind
                self.name = event.name
            case BodyMemberAdded():
                self.members[event.person_id] = event.role
            case BodyMemberRemoved():
                self.members.pop(event.person_id, None)
            case DecisionRightGranted():
                self.rights[event.gate] = event.allowed
            case DecisionRightRevoked():
                if event.allowed:
                    self.rights[event.gate] = event.allowed
                else:
                    self.rights.pop(event.gate, None)
            case _:
                raise TypeError(f"{type(event).__name__} is not a governance-body event")


__all__ = ["GovernanceBody"]
