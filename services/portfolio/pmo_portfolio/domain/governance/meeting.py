"""The Meeting aggregate: a governance body's meeting, its agenda and its minutes.

    scheduled ──add agenda items, record decisions──> closed

A decision is recorded only for an item on the agenda, at the gate it is on the agenda for, by the
body that meets, once per agenda entry. The body may also adopt a saved scenario (a whole
selection funded in one decision), once per scenario. Closing fixes the minutes: the decisions
taken and the scenarios adopted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Self

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_kernel.events import DomainEvent, utcnow
from pmo_portfolio.domain.governance.decision_record import Decision
from pmo_portfolio.domain.governance.events import (
    AgendaItemAdded,
    DecisionRecorded,
    MeetingClosed,
    MeetingScheduled,
    ScenarioAdoptionRecorded,
)
from pmo_portfolio.domain.governance.validation import validated


class Meeting(Aggregate):
    stream_type = "meeting"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.body_id: str | None = None  # None until scheduled
        self.date: dt.date | None = None
        self.title: str | None = None
        self.agenda: list[AgendaItemAdded] = []  # in the order items were added
        self.decisions: list[Decision] = []  # in the order they were taken
        self.scenario_adoptions: list[ScenarioAdoptionRecorded] = []  # in the order taken
        self.closed = False
        self.closed_at: dt.datetime | None = None

    # -- queries --------------------------------------------------------------------------------

    @property
    def minutes(self) -> tuple[Decision, ...]:
        """The decisions taken on items, in order (scenario adoptions: `scenario_adoptions`)."""
        return tuple(self.decisions)

    @property
    def decision_register(self) -> tuple[str, ...]:
        """Every decision id of the meeting, on items and on scenarios, in the order taken."""
        return tuple(d.decision_id for d in self.decisions) + tuple(
            a.decision_id for a in self.scenario_adoptions
        )

    @property
    def undecided(self) -> tuple[AgendaItemAdded, ...]:
        """Agenda entries without a decision yet."""
        return tuple(entry for entry in self.agenda if self._decision_on(entry) is None)

    def agenda_entry(self, item_id: str) -> AgendaItemAdded | None:
        return next((entry for entry in self.agenda if entry.item_id == item_id), None)

    # -- decide ---------------------------------------------------------------------------------

    @classmethod
    def schedule(
        cls,
        meeting_id: str,
        *,
        body_id: str,
        date: dt.date,
        title: str,
        actor_id: str,
        now: dt.datetime | None = None,
    ) -> Self:
        meeting = cls(meeting_id)
        meeting._record(
            validated(
                MeetingScheduled,
                f"meeting {meeting_id} cannot be scheduled",
                meeting_id=meeting_id,
                body_id=body_id,
                date=date,
                title=title,
                scheduled_by=actor_id,
                scheduled_at=now or utcnow(),
            )
        )
        return meeting

    def add_agenda_item(
        self,
        item_id: str,
        gate: str,
        purpose: str,
        *,
        actor_id: str,
        now: dt.datetime | None = None,
    ) -> None:
        self._require_open(f"item {item_id} cannot be added to its agenda")
        existing = self.agenda_entry(item_id)
        if existing is not None:
            raise InvalidTransition(
                f"item {item_id} is already on the agenda of meeting {self.id} "
                f"(for {existing.gate}: {existing.purpose})",
                meeting_id=self.id,
                item_id=item_id,
            )
        self._record(
            validated(
                AgendaItemAdded,
                f"item {item_id} cannot be added to the agenda of meeting {self.id}",
                meeting_id=self.id,
                item_id=item_id,
                gate=gate,
                purpose=purpose,
                added_by=actor_id,
                added_at=now or utcnow(),
            )
        )

    def record_decision(
        self, decision: Decision, *, actor_id: str, now: dt.datetime | None = None
    ) -> None:
        """Minute a decision checked by `check_decision`: one per agenda item."""
        label = f"decision {decision.decision_id} on item {decision.item_id}"
        self._require_open(f"{label} cannot be recorded")
        if decision.meeting_id != self.id:
            raise DomainError(
                f"{label} names meeting {decision.meeting_id}, not meeting {self.id}",
                meeting_id=self.id,
                decision_id=decision.decision_id,
            )
        if decision.body_id != self.body_id:
            raise DomainError(
                f"{label} was taken by body {decision.body_id}, but meeting {self.id} is a "
                f"meeting of body {self.body_id}",
                meeting_id=self.id,
                decision_id=decision.decision_id,
            )
        entry = self.agenda_entry(decision.item_id)
        if entry is None:
            on_agenda = ", ".join(e.item_id for e in self.agenda) or "nothing"
            raise InvalidTransition(
                f"{label} cannot be recorded: the item is not on the agenda of meeting "
                f"{self.id} (on the agenda: {on_agenda})",
                meeting_id=self.id,
                item_id=decision.item_id,
            )
        if entry.gate != decision.gate:
            raise DomainError(
                f"{label} is at {decision.gate}, but the item is on the agenda of meeting "
                f"{self.id} for {entry.gate}",
                meeting_id=self.id,
                item_id=decision.item_id,
            )
        taken = self._decision_on(entry)
        if taken is not None:
            raise InvalidTransition(
                f"{label} cannot be recorded: decision {taken.decision_id} "
                f"({taken.outcome.label}) was already taken on it in meeting {self.id}",
                meeting_id=self.id,
                item_id=decision.item_id,
                decision_id=taken.decision_id,
            )
        self._record(
            DecisionRecorded(
                meeting_id=self.id,
                decision=decision,
                recorded_by=actor_id,
                recorded_at=now or utcnow(),
            )
        )

    def record_scenario_adoption(
        self,
        decision_id: str,
        scenario_id: str,
        *,
        body_id: str,
        participants: Sequence[str],
        rationale: str,
        selected: Sequence[str],
        decided_at: dt.datetime | None = None,
    ) -> None:
        """Minute the adoption of a scenario checked by `check_scenario_adoption`."""
        label = f"the adoption of scenario {scenario_id}"
        self._require_open(f"{label} cannot be recorded")
        if body_id != self.body_id:
            raise DomainError(
                f"{label} was decided by body {body_id}, but meeting {self.id} is a meeting of "
                f"body {self.body_id}",
                meeting_id=self.id,
                scenario_id=scenario_id,
            )
        twice = sorted({p for p in participants if list(participants).count(p) > 1})
        if twice:
            raise DomainError(
                f"{label}: participants are listed more than once: {', '.join(twice)}",
                meeting_id=self.id,
                scenario_id=scenario_id,
            )
        if decision_id in self.decision_register:
            raise InvalidTransition(
                f"{label} cannot be recorded: decision {decision_id} is already in the minutes of "
                f"meeting {self.id}",
                meeting_id=self.id,
                decision_id=decision_id,
            )
        earlier = next((a for a in self.scenario_adoptions if a.scenario_id == scenario_id), None)
        if earlier is not None:
            raise InvalidTransition(
                f"{label} cannot be recorded: meeting {self.id} already adopted it (decision "
                f"{earlier.decision_id})",
                meeting_id=self.id,
                scenario_id=scenario_id,
                decision_id=earlier.decision_id,
            )
        self._record(
            validated(
                ScenarioAdoptionRecorded,
                f"{label} cannot be recorded in meeting {self.id}",
                meeting_id=self.id,
                decision_id=decision_id,
                scenario_id=scenario_id,
                body_id=body_id,
                participants=tuple(participants),
                rationale=rationale,
                selected=tuple(selected),
                decided_at=decided_at or utcnow(),
            )
        )

    def close(self, *, actor_id: str, now: dt.datetime | None = None) -> tuple[Decision, ...]:
        """Close the meeting; returns its minutes (the decisions taken on items)."""
        self._require_open(f"meeting {self.id} cannot be closed")
        self._record(
            MeetingClosed(
                meeting_id=self.id,
                decision_ids=self.decision_register,
                undecided_item_ids=tuple(entry.item_id for entry in self.undecided),
                closed_by=actor_id,
                closed_at=now or utcnow(),
            )
        )
        return self.minutes

    # -- evolve ---------------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        match event:
            case MeetingScheduled():
                self.body_id = event.body_id
                self.date = event.date
                self.title = event.title
            case AgendaItemAdded():
                self.agenda.append(event)
            case DecisionRecorded():
                self.decisions.append(event.decision)
            case ScenarioAdoptionRecorded():
                self.scenario_adoptions.append(event)
            case MeetingClosed():
                self.closed = True
                self.closed_at = event.closed_at
            case _:
                raise TypeError(f"{type(event).__name__} is not a meeting event")

    # -- helpers --------------------------------------------------------------------------------

    def _require_open(self, what: str) -> None:
        if self.body_id is None:
            raise InvalidTransition(
                f"{what}: meeting {self.id} has not been scheduled", meeting_id=self.id
            )
        if self.closed:
            raise InvalidTransition(
                f"{what}: meeting {self.id} is closed", meeting_id=self.id, state="closed"
            )

    def _decision_on(self, entry: AgendaItemAdded) -> Decision | None:
        return next(
            (d for d in self.decisions if d.item_id == entry.item_id and d.gate == entry.gate),
            None,
        )


__all__ = ["Meeting"]
