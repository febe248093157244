"""The Demand aggregate: a request for a project, from submission to a portfolio decision.

    submitted ──> information requested ──> information provided ──> information requested ...
    submitted or information provided ──> qualified ──> accepted
    any open state ──> rejected (with a reason) or withdrawn (by the requester)

"Open" means not yet decided nor withdrawn. Which command is allowed where is kept in one table
(`TRANSITIONS`) so the refusal message can say why and list where it would have been allowed.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Self

from pmo_demand.domain.commands import (
    AcceptDemand,
    ProvideInformation,
    QualifyDemand,
    RejectDemand,
    RequestInformation,
    ReviseBusinessCase,
    SubmitDemand,
    WithdrawDemand,
)
from pmo_demand.domain.events import (
    BusinessCaseRevised,
    DemandAccepted,
    DemandQualified,
    DemandRejected,
    DemandSubmitted,
    DemandWithdrawn,
    InformationProvided,
    InformationRequested,
)
from pmo_demand.domain.model import OPEN_STATES, BusinessCase, DemandContent, DemandState
from pmo_demand.domain.rules import GovernanceRules, evaluate
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, GovernanceRuleFailed, InvalidTransition, PermissionDenied
from pmo_kernel.events import DomainEvent, utcnow
from pmo_kernel.money import Money

S = DemandState


class Transition(NamedTuple):
    allowed_from: frozenset[DemandState]
    refusal: str  # completes "demand D is <state>; <refusal> while <allowed states>"


TRANSITIONS: dict[str, Transition] = {
    # An accepted demand is a project whose business case is kept current for its whole life
    # (the portfolio flags decisions taken on an older version); a refused one is closed.
    "revise_business_case": Transition(
        OPEN_STATES | {S.ACCEPTED},
        "the business case can only be revised before a decision or once accepted,",
    ),
    "request_information": Transition(
        frozenset({S.SUBMITTED, S.INFORMATION_PROVIDED}), "information can only be requested"
    ),
    "provide_information": Transition(
        frozenset({S.INFORMATION_REQUESTED}), "information can only be provided"
    ),
    "qualify": Transition(
        frozenset({S.SUBMITTED, S.INFORMATION_PROVIDED}), "it can only be qualified"
    ),
    "reject": Transition(OPEN_STATES, "it can only be rejected before a decision,"),
    "withdraw": Transition(OPEN_STATES, "it can only be withdrawn before a decision,"),
    "accept": Transition(frozenset({S.QUALIFIED}), "it can only be accepted"),
}


def _states_in_words(states: frozenset[DemandState]) -> str:
    labels = [state.label for state in DemandState if state in states]  # enum order, stable
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " or " + labels[-1]


class Demand(Aggregate):
    stream_type = "demand"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.state: DemandState | None = None  # None until submitted
        self.requester: str | None = None
        self.content: DemandContent | None = None
        self.submitted_at: datetime | None = None
        self.business_case: BusinessCase | None = None
        self.business_case_version: int | None = None
        self.open_questions: tuple[str, ...] = ()
        self.information_rounds = 0
        self.qualified_at: datetime | None = None
        self.qualified_business_case_version: int | None = None
        self.rules_version: str | None = None
        self.requires_investment_committee = False
        self.decided_at: datetime | None = None  # accepted or rejected
        self.withdrawn_at: datetime | None = None
        self.rejection_reason: str | None = None
        self.withdrawal_reason: str | None = None

    # -- decide ---------------------------------------------------------------------------------

    @classmethod
    def submit(
        cls, demand_id: str, command: SubmitDemand, requester: str, now: datetime | None = None
    ) -> Self:
        demand = cls(demand_id)
        case = command.business_case
        demand._record(
            DemandSubmitted(
                demand_id=demand_id,
                requester=requester,
                content=command.content,
                business_case=case,
                business_case_version=1 if case is not None else None,
                submitted_at=now or utcnow(),
            )
        )
        return demand

    def revise_business_case(
        self,
        command: ReviseBusinessCase,
        actor_id: str,
        now: datetime | None = None,
        *,
        as_reviewer: bool = False,
    ) -> None:
        """Only the requester may revise their case, unless the application layer vouches for
        a reviewer (a PMO analyst or an admin), who may revise anyone's."""
        if not as_reviewer:
            self._require_requester(actor_id, "revise_business_case", "revise the business case of")
        self._require("revise_business_case")
        if command.business_case == self.business_case:
            # A no-op revision would only add a version number that means nothing.
            raise DomainError(
                f"demand {self.id}: the revision is identical to business case version "
                f"{self.business_case_version}",
                business_case_version=self.business_case_version,
            )
        self._record(
            BusinessCaseRevised(
                demand_id=self.id,
                version=(self.business_case_version or 0) + 1,
                business_case=command.business_case,
                revised_by=actor_id,
                revised_at=now or utcnow(),
            )
        )

    def request_information(
        self, command: RequestInformation, actor_id: str, now: datetime | None = None
    ) -> None:
        self._require("request_information")
        self._record(
            InformationRequested(
                demand_id=self.id,
                questions=command.questions,
                requested_by=actor_id,
                requested_at=now or utcnow(),
            )
        )

    def provide_information(
        self, command: ProvideInformation, actor_id: str, now: datetime | None = None
    ) -> None:
        self._require_requester(actor_id, "provide_information", "provide information for")
        self._require("provide_information")
        self._record(
            InformationProvided(
                demand_id=self.id,
                answers=command.answers,
                provided_by=actor_id,
                provided_at=now or utcnow(),
            )
        )

    def qualify(
        self,
        command: QualifyDemand,
        rules: GovernanceRules,
        actor_id: str,
        now: datetime | None = None,
    ) -> None:
        self._require("qualify")
        evaluation = evaluate(rules, self._content(), self.business_case)
        if not evaluation.passed:
            failed = [{"rule": f.rule, "reason": f.reason} for f in evaluation.failures]
            raise GovernanceRuleFailed(
                f"demand {self.id} cannot be qualified: "
                + "; ".join(f"{f.rule}: {f.reason}" for f in evaluation.failures),
                rule=evaluation.failures[0].rule,
                failed_rules=failed,
                rules_version=evaluation.rules_version,
            )
        self._record(
            DemandQualified(
                demand_id=self.id,
                rules_version=evaluation.rules_version,
                rules_evaluated=list(evaluation.evaluated),
                requires_investment_committee=evaluation.requires_investment_committee,
                business_case_version=self.business_case_version,
                estimated_cost=self._estimated_cost(),
                note=command.note,
                qualified_by=actor_id,
                qualified_at=now or utcnow(),
            )
        )

    def reject(self, command: RejectDemand, actor_id: str, now: datetime | None = None) -> None:
        self._require("reject")
        self._record(
            DemandRejected(
                demand_id=self.id,
                reason=command.reason,
                rejected_by=actor_id,
                rejected_at=now or utcnow(),
            )
        )

    def withdraw(
        self,
        command: WithdrawDemand,
        actor_id: str,
        now: datetime | None = None,
        *,
        as_admin: bool = False,
    ) -> None:
        """Only the requester may withdraw, unless the application layer vouches for an admin."""
        if not as_admin:
            self._require_requester(actor_id, "withdraw", "withdraw")
        self._require("withdraw")
        self._record(
            DemandWithdrawn(
                demand_id=self.id,
                reason=command.reason,
                withdrawn_by=actor_id,
                withdrawn_at=now or utcnow(),
            )
        )

    def accept(self, command: AcceptDemand, actor_id: str, now: datetime | None = None) -> None:
        self._require("accept")
        self._record(
            DemandAccepted(
                demand_id=self.id,
                business_case_version=self.business_case_version,
                estimated_cost=self._estimated_cost(),
                requires_investment_committee=self.requires_investment_committee,
                note=command.note,
                accepted_by=actor_id,
                accepted_at=now or utcnow(),
            )
        )

    # -- evolve ---------------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        match event:
            case DemandSubmitted():
                self.state = S.SUBMITTED
                self.requester = event.requester
                self.content = event.content
                self.submitted_at = event.submitted_at
                self.business_case = event.business_case
                self.business_case_version = event.business_case_version
            case BusinessCaseRevised():
                self.business_case = event.business_case
                self.business_case_version = event.version
            case InformationRequested():
                self.state = S.INFORMATION_REQUESTED
                self.open_questions = tuple(event.questions)
                self.information_rounds += 1
            case InformationProvided():
                self.state = S.INFORMATION_PROVIDED
                self.open_questions = ()
            case DemandQualified():
                self.state = S.QUALIFIED
                self.qualified_at = event.qualified_at
                self.qualified_business_case_version = event.business_case_version
                self.rules_version = event.rules_version
                self.requires_investment_committee = event.requires_investment_committee
            case DemandRejected():
                self.state = S.REJECTED
                self.rejection_reason = event.reason
                self.decided_at = event.rejected_at
            case DemandWithdrawn():
                self.state = S.WITHDRAWN
                self.withdrawal_reason = event.reason
                self.withdrawn_at = event.withdrawn_at
            case DemandAccepted():
                self.state = S.ACCEPTED
                self.decided_at = event.accepted_at
            case _:
                raise TypeError(f"{type(event).__name__} is not a demand event")

    # -- helpers --------------------------------------------------------------------------------

    def _require(self, command: str) -> None:
        transition = TRANSITIONS[command]
        if self.state is None:
            raise InvalidTransition(
                f"demand {self.id} has not been submitted", command=command, state=None
            )
        if self.state not in transition.allowed_from:
            raise InvalidTransition(
                f"demand {self.id} is {self.state.label}; {transition.refusal} "
                f"while {_states_in_words(transition.allowed_from)}",
                command=command,
                state=self.state.value,
                allowed_states=[s.value for s in DemandState if s in transition.allowed_from],
            )

    def _require_requester(self, actor_id: str, command: str, action: str) -> None:
        if self.requester is not None and actor_id != self.requester:
            raise PermissionDenied(
                f"only the requester of demand {self.id} may {action} it", command=command
            )

    def _content(self) -> DemandContent:
        if self.content is None:
            raise InvalidTransition(f"demand {self.id} has not been submitted", state=None)
        return self.content

    def _estimated_cost(self) -> Money | None:
        return self.business_case.estimated_cost if self.business_case else None
