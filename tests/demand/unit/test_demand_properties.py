"""Whatever users throw at a demand, it stays in a reachable state and its history adds up."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hypothesis import event as note_event
from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_demand.domain import (
    AcceptDemand,
    BusinessCase,
    Demand,
    DemandState,
    ProvideInformation,
    QualifyDemand,
    RejectDemand,
    ReviseBusinessCase,
    SubmitDemand,
    WithdrawDemand,
)
from pmo_kernel.errors import PmoError
from pmo_kernel.money import Money
from pmo_kernel.recorded import RecordedEvent
from tests.demand.unit import (
    ANALYST,
    DEMAND_ID,
    NOW,
    REQUESTER,
    RULES,
    STRANGER,
    ask,
    business_case,
    content,
    recorded,
)

S = DemandState
# Written from the life cycle, not derived from the aggregate's transition table.
REACHABLE = {
    S.SUBMITTED,
    S.INFORMATION_REQUESTED,
    S.INFORMATION_PROVIDED,
    S.QUALIFIED,
    S.ACCEPTED,
    S.REJECTED,
    S.WITHDRAWN,
}
CLOSED = {S.ACCEPTED, S.REJECTED, S.WITHDRAWN}

cases = st.sampled_from(
    [
        business_case(),  # complete and modest
        business_case(estimated_cost=Money.of("900000", "EUR")),  # needs sponsor + benefits
        business_case(estimated_cost=Money.of("5000", "JPY")),  # no exchange rate
        BusinessCase(problem="Half-written"),
        business_case(effort_person_days=Decimal("0.5")),
    ]
)
actors = st.sampled_from([REQUESTER, REQUESTER, ANALYST, STRANGER])


@dataclass(frozen=True)
class Step:
    command: str
    actor: str
    case: BusinessCase


steps = st.builds(
    Step,
    # Closing commands are rarer, so that runs live long enough to wander the open states.
    command=st.sampled_from(
        [
            *("revise", "request", "request", "provide", "provide", "qualify", "qualify"),
            *("accept", "accept", "reject", "withdraw"),
        ]
    ),
    actor=actors,
    case=cases,
)


def attempt(demand: Demand, step: Step) -> None:
    match step.command:
        case "revise":
            revise = ReviseBusinessCase(business_case=step.case)
            demand.revise_business_case(revise, step.actor, as_reviewer=step.actor == ANALYST)
        case "request":
            ask(demand)
        case "provide":
            demand.provide_information(ProvideInformation(answers="Here"), step.actor, NOW)
        case "qualify":
            demand.qualify(QualifyDemand(), RULES, step.actor, NOW)
        case "reject":
            demand.reject(RejectDemand(reason="No budget"), step.actor, NOW)
        case "withdraw":
            demand.withdraw(WithdrawDemand(), step.actor, NOW)
        case "accept":
            demand.accept(AcceptDemand(), step.actor, NOW)


@settings(max_examples=300, deadline=None)
@given(initial=st.none() | cases, sponsored=st.booleans(), plan=st.lists(steps, max_size=25))
def test_any_sequence_of_commands_keeps_a_reachable_state_and_a_matching_version(
    initial: BusinessCase | None, sponsored: bool, plan: list[Step]
) -> None:
    sponsor = "COO" if sponsored else None
    demand = Demand.submit(
        DEMAND_ID,
        SubmitDemand(content=content(sponsor=sponsor), business_case=initial),
        REQUESTER,
        NOW,
    )
    history: list[RecordedEvent] = []

    def store() -> None:
        for event in demand.pending:
            history.append(recorded(event, len(history) + 1))
        demand.mark_saved(len(history), history[-1].hash)

    store()
    for step in plan:
        before = demand.state
        was_closed = demand.state in CLOSED
        try:
            attempt(demand, step)
        except PmoError:
            # A refused command leaves no trace: nothing pending, nothing changed.
            assert demand.pending == ()
            assert demand.state is before
        else:
            assert len(demand.pending) == 1
            # A decided demand only changes by keeping an accepted project's case current.
            kept_current = before is S.ACCEPTED and step.command == "revise"
            assert not was_closed or kept_current, f"{step.command} changed a {before} demand"
            assert demand.state is before or not was_closed
        store()
        assert demand.state in REACHABLE
        assert demand.version == len(history)

    note_event(f"ends {demand.state}")
    replayed = Demand.load(DEMAND_ID, history)
    assert replayed.version == len(history)
    assert replayed.state is demand.state
    assert replayed.business_case_version == demand.business_case_version
