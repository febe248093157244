"""The PortfolioItem aggregate: an accepted demand on its way through the stage gates.

    registered: candidate past the entry gate G1 ──G2──> approved ──G3──> ... ──G4──> closed
    any open state ──reject──> rejected │ ──cancel──> cancelled │ ──put on hold──> on hold
    on hold ──approve at the next gate──> candidate or approved again; defer changes nothing
    an approval that awaits other required bodies changes nothing but the approvals given

An item is decided at its next gate; deferring, holding and cancelling may also happen at the gate
it is at. When routing rules require several bodies at a gate (joint sign-off), each required body
approves in its own meeting, in any order: an approval that still awaits others leaves the item's
state and gate as they are, and the last one passes the gate. Decisions come checked
(`decisions.decide`) and carry their frozen inputs; the item records them and flags
those taken on a business case older than the latest it knows.
The id of an item is the id of the demand it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Self

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, GovernanceRuleFailed, InvalidTransition
from pmo_kernel.events import DomainEvent, utcnow
from pmo_kernel.money import Money
from pmo_portfolio.domain.governance.decision_record import Decision, DecisionOnRecord
from pmo_portfolio.domain.governance.effort import effort_by_role_quarter, person_days
from pmo_portfolio.domain.governance.events import (
    BusinessCaseRevisionNoted,
    CandidateRegistered,
    ItemAssignedToProgramme,
    ItemDecided,
    ItemPlanned,
)
from pmo_portfolio.domain.governance.gates import DEFAULT_GATE_SCHEME, GateScheme
from pmo_portfolio.domain.governance.quarters import quarter_key, quarters_between
from pmo_portfolio.domain.governance.routing_rule import ItemFacts
from pmo_portfolio.domain.governance.validation import validated
from pmo_portfolio.domain.governance.vocabulary import GATE_SEQUENCE, ItemState, Outcome, RiskLevel

S = ItemState
ITEM_SCORED = "ItemScored"  # the scoring module's event, recorded on the item's stream


class PortfolioItem(Aggregate):
    stream_type = "portfolio-item"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.state: ItemState | None = None  # None until registered
        self.title: str | None = None
        self.department: str | None = None
        self.category: str | None = None
        self.requester: str | None = None
        self.sponsor: str | None = None
        self.risk_level: RiskLevel | None = None
        self.requires_investment_committee = False
        self.desired_start_quarter: str | None = None
        self.desired_end_quarter: str | None = None
        self.estimated_cost: Money | None = None
        self.business_case_version: int | None = None  # the latest known
        self.business_case: dict[str, Any] = {}  # snapshot of the latest known version
        self.business_case_history: dict[int, dict[str, Any]] = {}  # version -> snapshot
        self.gate_scheme: GateScheme | None = None  # frozen at registration
        self.current_gate: str | None = None  # the last gate passed
        self.passed_gates: tuple[str, ...] = ()
        self.conditions: dict[str, tuple[str, ...]] = {}  # gate -> conditions of its approval
        self.decision_log: list[Decision] = []  # as recorded, oldest first
        # Approvals at the next gate that await other bodies, since the item last changed state
        # or gate (joint sign-off: see `approvals_given`).
        self.pending_approvals: list[Decision] = []
        self.start_quarter: str | None = None  # roadmap plan
        self.end_quarter: str | None = None
        self.cost_per_year: dict[int, Money] = {}
        self.programme_id: str | None = None
        # -- scoring (owned by the scoring module, see `record_score`) ---------------------------
        self.evaluations: list[DomainEvent] = []  # ItemScored events, in recorded order

    # -- queries --------------------------------------------------------------------------------

    @property
    def scheme(self) -> GateScheme:
        self._require_registered()
        assert self.gate_scheme is not None
        return self.gate_scheme

    @property
    def next_gate(self) -> str | None:
        """The gate the item is to be decided at next; None once it passed the last one."""
        if self.current_gate is None:
            return None
        return self.scheme.next_after(self.current_gate)

    @property
    def facts(self) -> ItemFacts:
        """What the routing rules look at, as the item stands now."""
        self._require_registered()
        assert self.category is not None
        assert self.department is not None
        return ItemFacts(
            estimated_cost=self.estimated_cost,
            category=self.category,
            department=self.department,
            risk_level=self.risk_level,
            requires_investment_committee=self.requires_investment_committee,
        )

    @property
    def planned_quarters(self) -> tuple[str, ...]:
        """The quarters the item is planned in, first to last (e.g. 2027-Q3, 2027-Q4, 2028-Q1);
        none while it is unplanned."""
        if self.start_quarter is None or self.end_quarter is None:
            return ()
        return quarters_between(self.start_quarter, self.end_quarter)

    @property
    def effort_person_days(self) -> Decimal | None:
        """The effort the latest known business case estimates, in person-days; None when it
        gives none (or nothing readable as a non-negative number)."""
        return person_days(self.business_case.get("effort_person_days"))

    @property
    def decisions(self) -> tuple[DecisionOnRecord, ...]:
        """Every decision on the item, each flagged when its business case is not the latest."""
        return tuple(
            DecisionOnRecord(
                decision=decision,
                outdated=decision.is_outdated(self.business_case_version),
                latest_business_case_version=self.business_case_version,
            )
            for decision in self.decision_log
        )

    @property
    def scores(self) -> list[DomainEvent]:
        """The item's ItemScored events (the scoring module's), in recorded order."""
        return self.evaluations

    def approvals_given(self, gate: str) -> tuple[Decision, ...]:
        """The approvals that count towards passing `gate` jointly, oldest first: taken at that
        gate since the item last changed state or gate, on the business case it knows now.

        An approval that awaits other bodies leaves the item where it is; deferring keeps the
        approvals given, rejecting, cancelling or putting on hold ends them (the item's state
        changes), and so does passing the gate. An approval on a business case revised since
        lapses (see `approvals_lapsed`): its body approves again on the new one."""
        return tuple(
            decision
            for decision in self.pending_approvals
            if decision.gate == gate and not decision.is_outdated(self.business_case_version)
        )

    def approvals_lapsed(self, gate: str) -> tuple[Decision, ...]:
        """Approvals at `gate` since the item last changed state or gate that no longer count:
        the business case they were based on has been revised since."""
        return tuple(
            decision
            for decision in self.pending_approvals
            if decision.gate == gate and decision.is_outdated(self.business_case_version)
        )

    def gate_refusal(self, gate: str, outcome: Outcome) -> str | None:
        """Why `outcome` cannot be decided at `gate` in the gate sequence, or None if it can."""
        scheme = self.scheme
        current = self.current_gate
        assert current is not None
        if not scheme.knows(gate):
            return f"{gate} is not a stage gate of item {self.id} (gates: {scheme.describe()})"
        following = scheme.next_after(current)
        allowed = {following} if following is not None else set()
        if outcome.allowed_at_current_gate:
            allowed.add(current)
        if gate in allowed:
            return None
        if following is None:
            return f"item {self.id} has passed its last gate {current}"
        refusal = f"item {self.id} is at {current}; it can only be decided at {following}"
        if outcome.allowed_at_current_gate:
            refusal += f" (or at {current} to defer, put on hold or cancel)"
        return refusal

    def require_open_for(self, outcome: Outcome) -> None:
        """Refuse any decision on a closed item, and holding an item already on hold."""
        self._require_registered()
        assert self.state is not None
        if self.state.is_final:
            raise InvalidTransition(
                f"item {self.id} is {self.state.label}; no decision can be taken on it any more",
                item_id=self.id,
                state=self.state.value,
            )
        if self.state is S.ON_HOLD and outcome is Outcome.PUT_ON_HOLD:
            raise InvalidTransition(
                f"item {self.id} is already on hold", item_id=self.id, state=self.state.value
            )

    # -- decide ---------------------------------------------------------------------------------

    @classmethod
    def register_candidate(
        cls,
        item_id: str,
        *,
        title: str,
        department: str,
        category: str,
        requester: str,
        actor_id: str,
        sponsor: str | None = None,
        estimated_cost: Money | None = None,
        business_case_version: int | None = None,
        business_case: Mapping[str, Any] | None = None,
        requires_investment_committee: bool = False,
        desired_start_quarter: str | None = None,
        desired_end_quarter: str | None = None,
        risk_level: RiskLevel | None = None,
        gates: GateScheme = DEFAULT_GATE_SCHEME,
        now: datetime | None = None,
    ) -> Self:
        """An accepted demand enters the portfolio as a candidate past the entry gate (G1)."""
        context = f"demand {item_id} cannot be registered as a portfolio candidate"
        snapshot = dict(business_case or {})
        if business_case_version is None and snapshot:
            raise DomainError(
                f"{context}: its business case snapshot has no version number", item_id=item_id
            )
        if business_case_version is not None and not snapshot:
            raise DomainError(
                f"{context}: business case version {business_case_version} is named but its "
                "snapshot is missing",
                item_id=item_id,
            )
        if desired_start_quarter is not None and desired_end_quarter is not None:
            start = quarter_key(desired_start_quarter, context)
            end = quarter_key(desired_end_quarter, context)
            if end < start:
                raise DomainError(
                    f"{context}: desired end quarter {desired_end_quarter} is before desired "
                    f"start quarter {desired_start_quarter}",
                    item_id=item_id,
                )
        item = cls(item_id)
        item._record(
            validated(
                CandidateRegistered,
                context,
                item_id=item_id,
                title=title,
                department=department,
                category=category,
                requester=requester,
                sponsor=sponsor,
                risk_level=risk_level,
                estimated_cost=estimated_cost,
                business_case_version=business_case_version,
                business_case=snapshot,
                requires_investment_committee=requires_investment_committee,
                desired_start_quarter=desired_start_quarter,
                desired_end_quarter=desired_end_quarter,
                gate_scheme=gates,
                current_gate=gates.entry_gate,
                registered_by=actor_id,
                registered_at=now or utcnow(),
            )
        )
        return item

    def note_business_case_revision(
        self,
        version: int,
        business_case: Mapping[str, Any],
        estimated_cost: Money | None,
        *,
        actor_id: str,
        now: datetime | None = None,
    ) -> None:
        """A later version of the business case; earlier decisions become outdated."""
        self._require_registered()
        assert self.state is not None
        context = f"business case version {version} cannot be noted on item {self.id}"
        if self.state.is_final:
            raise InvalidTransition(
                f"{context}: the item is {self.state.label}",
                item_id=self.id,
                state=self.state.value,
            )
        latest = self.business_case_version
        if latest is not None and version <= latest:
            raise InvalidTransition(
                f"{context}: the item already knows version {latest}; a revision must be newer",
                item_id=self.id,
                business_case_version=latest,
            )
        snapshot = dict(business_case)
        if not snapshot:
            raise DomainError(f"{context}: the business case snapshot is empty", item_id=self.id)
        if snapshot == self.business_case and estimated_cost == self.estimated_cost:
            raise DomainError(
                f"{context}: it is identical to version {latest}",
                item_id=self.id,
                business_case_version=latest,
            )
        self._record(
            validated(
                BusinessCaseRevisionNoted,
                context,
                item_id=self.id,
                version=version,
                business_case=snapshot,
                estimated_cost=estimated_cost,
                noted_by=actor_id,
                noted_at=now or utcnow(),
            )
        )

    def record_decision(self, decision: Decision) -> None:
        """Record a decision checked by `check_decision` (and minuted by its meeting)."""
        self.require_open_for(decision.outcome)
        label = f"decision {decision.decision_id}"
        if decision.item_id != self.id:
            raise DomainError(
                f"{label} is about item {decision.item_id}, not item {self.id}",
                item_id=self.id,
                decision_id=decision.decision_id,
            )
        if any(taken.decision_id == decision.decision_id for taken in self.decision_log):
            raise InvalidTransition(
                f"{label} is already recorded on item {self.id}",
                item_id=self.id,
                decision_id=decision.decision_id,
            )
        refusal = self.gate_refusal(decision.gate, decision.outcome)
        if refusal is not None:
            raise GovernanceRuleFailed(
                f"{label} cannot be recorded: {refusal}",
                rule=GATE_SEQUENCE,
                failed_rules=[{"rule": GATE_SEQUENCE, "reason": refusal}],
                item_id=self.id,
                gate=decision.gate,
            )
        based_on, latest = decision.business_case_version, self.business_case_version
        if based_on is not None and (latest is None or based_on > latest):
            raise DomainError(
                f"{label} is based on business case version {based_on}, but item {self.id} "
                f"only knows {f'version {latest}' if latest else 'no business case'}",
                item_id=self.id,
                business_case_version=latest,
            )
        if decision.outcome.passes_gate:
            self._require_current_approvals(decision, label)
        state, gate = self._after(decision)
        self._record(
            ItemDecided(item_id=self.id, decision=decision, state=state, current_gate=gate)
        )

    def plan(
        self,
        start_quarter: str,
        end_quarter: str,
        cost_per_year: Mapping[int, Money],
        *,
        actor_id: str,
        now: datetime | None = None,
    ) -> None:
        """Place an approved item on the roadmap: its quarters and its cost per calendar year,
        and the effort its business case gives, by role and quarter (governance.effort)."""
        self._require_registered()
        assert self.state is not None
        assert self.current_gate is not None
        scheme = self.scheme
        planning = scheme.planning_gate
        context = f"item {self.id} cannot be planned"
        passed = scheme.position(self.current_gate) >= scheme.position(planning)
        if self.state is not S.APPROVED or not passed:
            raise InvalidTransition(
                f"{context}: it is {self.state.label} at {self.current_gate}; only approved items "
                f"past {planning} can be planned",
                item_id=self.id,
                state=self.state.value,
                current_gate=self.current_gate,
            )
        start, end = quarter_key(start_quarter, context), quarter_key(end_quarter, context)
        if end < start:
            raise DomainError(
                f"{context}: end quarter {end_quarter} is before start quarter {start_quarter}",
                item_id=self.id,
            )
        outside = sorted(year for year in cost_per_year if not start[0] <= year <= end[0])
        if outside:
            raise DomainError(
                f"{context}: costs are given for {', '.join(map(str, outside))}, outside the "
                f"planned years {start[0]}-{end[0]}",
                item_id=self.id,
                years=outside,
            )
        negative = sorted(year for year, cost in cost_per_year.items() if cost.amount < 0)
        if negative:
            raise DomainError(
                f"{context}: the cost for {', '.join(map(str, negative))} is negative",
                item_id=self.id,
                years=negative,
            )
        currencies = sorted({cost.currency for cost in cost_per_year.values()})
        if len(currencies) > 1:
            raise DomainError(
                f"{context}: the yearly costs mix currencies ({', '.join(currencies)}); "
                "give them in one",
                item_id=self.id,
            )
        self._record(
            validated(
                ItemPlanned,
                context,
                item_id=self.id,
                start_quarter=start_quarter,
                end_quarter=end_quarter,
                cost_per_year=dict(sorted(cost_per_year.items())),
                effort_by_role_quarter=effort_by_role_quarter(
                    self.business_case, quarters_between(start_quarter, end_quarter)
                ),
                planned_by=actor_id,
                planned_at=now or utcnow(),
            )
        )

    def assign_to_programme(
        self, programme_id: str, *, actor_id: str, now: datetime | None = None
    ) -> None:
        """Make the item part of a programme (which the caller checked exists); moving it to
        another programme later keeps the one it left on record."""
        self._require_registered()
        if programme_id == self.programme_id:
            raise InvalidTransition(
                f"item {self.id} is already in programme {programme_id}",
                item_id=self.id,
                programme_id=programme_id,
            )
        self._record(
            validated(
                ItemAssignedToProgramme,
                f"item {self.id} cannot be assigned to programme {programme_id}",
                item_id=self.id,
                programme_id=programme_id,
                previous_programme_id=self.programme_id,
                assigned_by=actor_id,
                assigned_at=now or utcnow(),
            )
        )

    # -- scoring: the scoring module's place on the item ------------------------------------------

    def record_score(self, event: DomainEvent) -> None:
        """Record an ItemScored event built and checked by the scoring module (`score_item`)."""
        if event.event_type != ITEM_SCORED:
            raise TypeError(f"record_score takes an {ITEM_SCORED} event, not {event.event_type}")
        self._require_registered()
        assert self.state is not None
        scored = getattr(event, "item_id", None)
        if scored != self.id:
            raise DomainError(f"the evaluation is of item {scored}, not item {self.id}")
        if self.state.is_final:
            raise InvalidTransition(
                f"item {self.id} is {self.state.label}; it can no longer be scored",
                item_id=self.id,
                state=self.state.value,
            )
        self._record(event)

    # -- evolve ---------------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        match event:
            case CandidateRegistered():
                self.state = S.CANDIDATE
                self.title = event.title
                self.department = event.department
                self.category = event.category
                self.requester = event.requester
                self.sponsor = event.sponsor
                self.risk_level = event.risk_level
                self.requires_investment_committee = event.requires_investment_committee
                self.desired_start_quarter = event.desired_start_quarter
                self.desired_end_quarter = event.desired_end_quarter
                self.estimated_cost = event.estimated_cost
                self.business_case_version = event.business_case_version
                self.business_case = event.business_case
                if event.business_case_version is not None:
                    self.business_case_history[event.business_case_version] = event.business_case
                self.gate_scheme = event.gate_scheme
                self.current_gate = event.current_gate
                self.passed_gates = event.gate_scheme.up_to(event.current_gate)
            case BusinessCaseRevisionNoted():
                self.business_case_version = event.version
                self.business_case = event.business_case
                self.business_case_history[event.version] = event.business_case
                self.estimated_cost = event.estimated_cost
            case ItemDecided():
                self._apply_decision(event)
            case ItemPlanned():
                self.start_quarter = event.start_quarter
                self.end_quarter = event.end_quarter
                self.cost_per_year = dict(event.cost_per_year)
            case ItemAssignedToProgramme():
                self.programme_id = event.programme_id
            case _ if event.event_type == ITEM_SCORED:
                self.evaluations.append(event)
            case _:
                raise TypeError(f"{type(event).__name__} is not a portfolio-item event")

    def _apply_decision(self, event: ItemDecided) -> None:
        decision = event.decision
        joined = [
            earlier
            for earlier in self.decision_log
            if earlier.decision_id in decision.earlier_approvals
        ]
        self.decision_log.append(decision)
        moved = (event.state, event.current_gate) != (self.state, self.current_gate)
        self.state = event.state
        self.current_gate = event.current_gate
        self.passed_gates = self.scheme.up_to(event.current_gate)
        if moved:
            self.pending_approvals = []
        elif decision.awaiting_approval_from:
            self.pending_approvals.append(decision)
        if decision.passes_gate:
            # Every body's conditions hold once the gate is passed jointly.
            conditions = [c for earlier in joined for c in earlier.conditions]
            conditions.extend(decision.conditions)
            if conditions:
                self.conditions[decision.gate] = tuple(dict.fromkeys(conditions))

    # -- helpers --------------------------------------------------------------------------------

    def _require_registered(self) -> None:
        if self.state is None:
            raise InvalidTransition(
                f"portfolio item {self.id} has not been registered", item_id=self.id, state=None
            )

    def _require_current_approvals(self, decision: Decision, label: str) -> None:
        """An approval joins exactly the approvals the item counts at its gate now, and neither
        repeats nor awaits a body whose approval counts already."""
        given = self.approvals_given(decision.gate)
        counted = tuple(earlier.decision_id for earlier in given)
        if decision.earlier_approvals != counted:
            raise InvalidTransition(
                f"{label} cannot be recorded: it was checked against the approvals "
                f"{list(decision.earlier_approvals) or 'none'} at {decision.gate}, but item "
                f"{self.id} counts {list(counted) or 'none'} there now; check it again",
                item_id=self.id,
                decision_id=decision.decision_id,
                gate=decision.gate,
            )
        approved = {earlier.body_kind: earlier for earlier in given}
        repeated = approved.get(decision.body_kind)
        if repeated is not None and decision.awaiting_approval_from:
            raise InvalidTransition(
                f"{label} cannot be recorded: the {decision.body_kind.label} already approved "
                f"item {self.id} at {decision.gate} (decision {repeated.decision_id})",
                item_id=self.id,
                decision_id=repeated.decision_id,
                gate=decision.gate,
            )
        awaited_yet_approved = [k.label for k in decision.awaiting_approval_from if k in approved]
        if awaited_yet_approved:
            raise DomainError(
                f"{label} awaits the approval of the {', '.join(awaited_yet_approved)}, which "
                f"item {self.id} already counts at {decision.gate}",
                item_id=self.id,
                decision_id=decision.decision_id,
            )

    def _after(self, decision: Decision) -> tuple[ItemState, str]:
        """The item's state and last passed gate once `decision` is applied."""
        assert self.state is not None
        assert self.current_gate is not None
        scheme = self.scheme
        match decision.outcome:
            case Outcome.APPROVE | Outcome.APPROVE_WITH_CONDITIONS if (
                decision.awaiting_approval_from
            ):
                return self.state, self.current_gate  # joint sign-off: others still to approve
            case Outcome.APPROVE | Outcome.APPROVE_WITH_CONDITIONS:
                gate = decision.gate
                if scheme.is_last(gate):
                    return S.CLOSED, gate
                if scheme.position(gate) >= scheme.position(scheme.planning_gate):
                    return S.APPROVED, gate
                return S.CANDIDATE, gate
            case Outcome.REJECT:
                return S.REJECTED, self.current_gate
            case Outcome.PUT_ON_HOLD:
                return S.ON_HOLD, self.current_gate
            case Outcome.CANCEL:
                return S.CANCELLED, self.current_gate
            case Outcome.DEFER:
                return self.state, self.current_gate


__all__ = ["ITEM_SCORED", "PortfolioItem"]
