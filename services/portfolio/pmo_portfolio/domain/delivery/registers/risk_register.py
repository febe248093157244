"""The RiskRegister aggregate: one portfolio item's risks and issues, on the stream
("risk-register", item id).

    risk:   identified ─ reassessed / response planned / actions / reviewed … ─ closed
    issue:  raised (from a risk that materialised, or not) ─ resolved

One stream per item keeps an issue's link to the risk it came from consistent (both are checked
and written in one append) and gives the register one version for If-Match. Risks are numbered
R1, R2, … and issues I1, I2, … in the order they are recorded; actions A1, A2, … per risk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, InvalidTransition, NotFound
from pmo_kernel.events import DomainEvent, utcnow
from pmo_portfolio.domain.delivery.registers.events import (
    IssueRaised,
    IssueResolved,
    RiskActionCompleted,
    RiskActionPlanned,
    RiskClosed,
    RiskIdentified,
    RiskReassessed,
    RiskResponsePlanned,
    RiskReviewed,
)
from pmo_portfolio.domain.delivery.registers.matrix import Rating
from pmo_portfolio.domain.delivery.registers.values import Response, RiskCategory, Severity


@dataclass
class Action:
    action_id: str
    description: str
    owner: str
    due_on: dt.date
    completed_at: dt.datetime | None = None
    completed_by: str | None = None

    @property
    def done(self) -> bool:
        return self.completed_at is not None

    def overdue(self, today: dt.date) -> bool:
        return not self.done and self.due_on < today


@dataclass
class Risk:
    item_id: str
    risk_id: str
    title: str
    description: str | None
    category: RiskCategory
    inherent: Rating
    owner: str
    review_by: dt.date
    identified_at: dt.datetime
    identified_by: str
    response: Response | None = None
    planned_residual: Rating | None = None
    actions: dict[str, Action] = field(default_factory=dict)
    reviews: int = 0
    last_reviewed_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    closed_reason: str | None = None
    materialised_as: list[str] = field(default_factory=list)  # issue ids

    @property
    def open(self) -> bool:
        return self.closed_at is None

    @property
    def residual(self) -> Rating:
        """The rating once answered; the inherent one until a response is planned."""
        return self.planned_residual or self.inherent

    def review_overdue(self, today: dt.date) -> bool:
        return self.open and self.review_by < today


@dataclass
class Issue:
    item_id: str
    issue_id: str
    title: str
    description: str | None
    severity: Severity
    owner: str
    due_on: dt.date
    from_risk_id: str | None
    raised_at: dt.datetime
    raised_by: str
    resolution: str | None = None
    resolved_at: dt.datetime | None = None
    resolved_by: str | None = None

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    def overdue(self, today: dt.date) -> bool:
        return self.open and self.due_on < today


class RiskRegister(Aggregate):
    stream_type = "risk-register"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.risks: dict[str, Risk] = {}  # in the order identified
        self.issues: dict[str, Issue] = {}  # in the order raised

    # ---------------------------------------------------------------- risks

    def identify_risk(
        self, *, title: str, category: RiskCategory, probability: int, impact: int, owner: str,
        review_by: dt.date, actor_id: str, description: str | None = None,
        now: dt.datetime | None = None,
    ) -> str:  # fmt: skip
        """Record a new risk with its inherent rating; returns its id."""
        when = now or utcnow()
        rating = Rating(probability, impact)
        _not_before(review_by, when, "the first review")
        risk_id = f"R{len(self.risks) + 1}"
        self._record(
            RiskIdentified(
                item_id=self.id, risk_id=risk_id, title=title, description=description,
                category=category, probability=rating.probability, impact=rating.impact,
                owner=owner, review_by=review_by, identified_by=actor_id, identified_at=when,
            )
        )  # fmt: skip
        return risk_id

    def reassess_risk(
        self, risk_id: str, *, probability: int, impact: int, actor_id: str,
        reason: str | None = None, now: dt.datetime | None = None,
    ) -> None:  # fmt: skip
        risk = self._open_risk(risk_id, "reassessed")
        rating = Rating(probability, impact)
        if rating == risk.inherent:
            raise InvalidTransition(
                f"risk {risk_id} is already rated P{rating.probability} I{rating.impact}",
                risk_id=risk_id,
            )
        self._record(
            RiskReassessed(
                risk_id=risk_id, probability=rating.probability, impact=rating.impact,
                reason=reason, reassessed_by=actor_id, reassessed_at=now or utcnow(),
            )
        )  # fmt: skip

    def plan_response(
        self, risk_id: str, *, response: Response, residual_probability: int,
        residual_impact: int, actor_id: str, now: dt.datetime | None = None,
    ) -> None:  # fmt: skip
        """Choose the response and the rating expected once it works. A response does not make
        a risk worse: the residual score may not exceed the inherent one."""
        risk = self._open_risk(risk_id, "answered")
        residual = Rating(residual_probability, residual_impact)
        if residual.score > risk.inherent.score:
            raise DomainError(
                f"risk {risk_id}: the residual score {residual.score} exceeds the inherent "
                f"score {risk.inherent.score}; a response does not make a risk worse",
                risk_id=risk_id,
            )
        self._record(
            RiskResponsePlanned(
                risk_id=risk_id, response=response, residual_probability=residual.probability,
                residual_impact=residual.impact, planned_by=actor_id, planned_at=now or utcnow(),
            )
        )  # fmt: skip

    def plan_action(
        self, risk_id: str, *, description: str, owner: str, due_on: dt.date, actor_id: str,
        now: dt.datetime | None = None,
    ) -> str:  # fmt: skip
        """An action against the risk, due on or after the day the risk was identified."""
        risk = self._open_risk(risk_id, "acted on")
        if due_on < risk.identified_at.date():
            raise DomainError(
                f"risk {risk_id}: an action due {due_on} is due before the risk was identified "
                f"({risk.identified_at.date()})",
                risk_id=risk_id,
                due_on=due_on.isoformat(),
            )
        action_id = f"A{len(risk.actions) + 1}"
        self._record(
            RiskActionPlanned(
                risk_id=risk_id, action_id=action_id, description=description, owner=owner,
                due_on=due_on, planned_by=actor_id, planned_at=now or utcnow(),
            )
        )  # fmt: skip
        return action_id

    def complete_action(
        self, risk_id: str, action_id: str, *, actor_id: str, note: str | None = None,
        now: dt.datetime | None = None,
    ) -> None:  # fmt: skip
        risk = self._risk(risk_id)
        action = risk.actions.get(action_id)
        if action is None:
            raise NotFound(f"risk {risk_id} has no action {action_id}", id=action_id)
        if action.done:
            raise InvalidTransition(
                f"action {action_id} of risk {risk_id} is already complete", id=action_id
            )
        self._record(
            RiskActionCompleted(
                risk_id=risk_id, action_id=action_id, note=note, completed_by=actor_id,
                completed_at=now or utcnow(),
            )
        )  # fmt: skip

    def review_risk(
        self, risk_id: str, *, next_review_by: dt.date, actor_id: str, note: str | None = None,
        now: dt.datetime | None = None,
    ) -> None:  # fmt: skip
        when = now or utcnow()
        self._open_risk(risk_id, "reviewed")
        _not_before(next_review_by, when, "the next review")
        self._record(
            RiskReviewed(
                risk_id=risk_id, next_review_by=next_review_by, note=note, reviewed_by=actor_id,
                reviewed_at=when,
            )
        )  # fmt: skip

    def close_risk(
        self, risk_id: str, *, reason: str, actor_id: str, now: dt.datetime | None = None
    ) -> None:
        self._open_risk(risk_id, "closed")
        self._record(
            RiskClosed(risk_id=risk_id, reason=reason, closed_by=actor_id,
                       closed_at=now or utcnow())
        )  # fmt: skip

    # ---------------------------------------------------------------- issues

    def raise_issue(
        self, *, title: str, severity: Severity, owner: str, due_on: dt.date, actor_id: str,
        description: str | None = None, from_risk_id: str | None = None,
        now: dt.datetime | None = None,
    ) -> str:  # fmt: skip
        """Record an issue; from a risk of this register that materialised, when named (the
        risk stays as it is: closing it is its owner's decision)."""
        when = now or utcnow()
        if from_risk_id is not None:
            self._risk(from_risk_id)
        _not_before(due_on, when, "the issue's due date")
        issue_id = f"I{len(self.issues) + 1}"
        self._record(
            IssueRaised(
                item_id=self.id, issue_id=issue_id, title=title, description=description,
                severity=severity, owner=owner, due_on=due_on, from_risk_id=from_risk_id,
                raised_by=actor_id, raised_at=when,
            )
        )  # fmt: skip
        return issue_id

    def resolve_issue(
        self, issue_id: str, *, resolution: str, actor_id: str, now: dt.datetime | None = None
    ) -> None:
        issue = self.issues.get(issue_id)
        if issue is None:
            raise NotFound(f"item {self.id} has no issue {issue_id}", id=issue_id)
        if not issue.open:
            raise InvalidTransition(f"issue {issue_id} is already resolved", id=issue_id)
        self._record(
            IssueResolved(issue_id=issue_id, resolution=resolution, resolved_by=actor_id,
                          resolved_at=now or utcnow())
        )  # fmt: skip

    # ---------------------------------------------------------------- evolve

    def apply(self, event: DomainEvent) -> None:
        match event:
            case RiskIdentified():
                self.risks[event.risk_id] = Risk(
                    item_id=event.item_id, risk_id=event.risk_id, title=event.title,
                    description=event.description, category=event.category,
                    inherent=Rating(event.probability, event.impact), owner=event.owner,
                    review_by=event.review_by, identified_at=event.identified_at,
                    identified_by=event.identified_by,
                )  # fmt: skip
            case RiskReassessed():
                self.risks[event.risk_id].inherent = Rating(event.probability, event.impact)
            case RiskResponsePlanned():
                risk = self.risks[event.risk_id]
                risk.response = event.response
                risk.planned_residual = Rating(event.residual_probability, event.residual_impact)
            case RiskActionPlanned():
                self.risks[event.risk_id].actions[event.action_id] = Action(
                    event.action_id, event.description, event.owner, event.due_on
                )
            case RiskActionCompleted():
                action = self.risks[event.risk_id].actions[event.action_id]
                action.completed_at, action.completed_by = event.completed_at, event.completed_by
            case RiskReviewed():
                risk = self.risks[event.risk_id]
                risk.review_by = event.next_review_by
                risk.reviews += 1
                risk.last_reviewed_at = event.reviewed_at
            case RiskClosed():
                risk = self.risks[event.risk_id]
                risk.closed_at, risk.closed_reason = event.closed_at, event.reason
            case IssueRaised():
                self.issues[event.issue_id] = Issue(
                    item_id=event.item_id, issue_id=event.issue_id, title=event.title,
                    description=event.description, severity=event.severity, owner=event.owner,
                    due_on=event.due_on, from_risk_id=event.from_risk_id,
                    raised_at=event.raised_at, raised_by=event.raised_by,
                )  # fmt: skip
                if event.from_risk_id is not None:
                    self.risks[event.from_risk_id].materialised_as.append(event.issue_id)
            case IssueResolved():
                issue = self.issues[event.issue_id]
                issue.resolution, issue.resolved_at = event.resolution, event.resolved_at
                issue.resolved_by = event.resolved_by
            case _:
                raise TypeError(f"{type(event).__name__} is not a risk register event")

    # ---------------------------------------------------------------- helpers

    def _risk(self, risk_id: str) -> Risk:
        risk = self.risks.get(risk_id)
        if risk is None:
            raise NotFound(f"item {self.id} has no risk {risk_id}", id=risk_id)
        return risk

    def _open_risk(self, risk_id: str, verb: str) -> Risk:
        risk = self._risk(risk_id)
        if not risk.open:
            raise InvalidTransition(
                f"risk {risk_id} is closed: it cannot be {verb}", risk_id=risk_id
            )
        return risk


def _not_before(day: dt.date, now: dt.datetime, what: str) -> None:
    if day < now.date():
        raise DomainError(f"{what} ({day}) is before today ({now.date()})", date=day.isoformat())


__all__ = ["Action", "Issue", "Risk", "RiskRegister"]
