"""Realistic demand events for the benchmarks: the real event classes, ~1 KB JSON payloads.

Typed events (for the event store) and `ReceivedEvent`s (for the projector, decoded from the
CloudEvents record the relay would publish) come from the same builders, so every case works on
the payloads the demand service really writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from pmo_demand.domain.events import (
    BusinessCaseRevised,
    DemandAccepted,
    DemandQualified,
    DemandSubmitted,
    InformationProvided,
    InformationRequested,
)
from pmo_demand.domain.model import BusinessCase, DemandCategory, DemandContent, Urgency
from pmo_kernel.cloudevents import ReceivedEvent, from_recorded
from pmo_kernel.events import Actor, DomainEvent, EventMetadata
from pmo_kernel.money import Money
from pmo_kernel.recorded import RecordedEvent

SERVICE = "demand"
STREAM_TYPE = "demand"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

REQUESTER = Actor(id="alice.martin", name="Alice Martin", roles=("requester",))
ANALYST = Actor(id="bob.analyst", name="Bob Analyst", roles=("pmo_analyst",))

_DEPARTMENTS = ("Finance", "Operations", "Human Resources", "Sales", "IT", "Legal")
_CATEGORIES = tuple(DemandCategory)
_URGENCIES = tuple(Urgency)


def business_case(i: int, revision: int = 1) -> BusinessCase:
    cost = Decimal(80_000 + (i * 7_919) % 400_000) + Decimal("0.50")
    return BusinessCase(
        problem=(
            "Supplier invoices are keyed in by hand and matched to purchase orders in a "
            f"spreadsheet; about {120 + i % 50} invoices a day, with a 3 % error rate and "
            "late-payment penalties every quarter."
        ),
        objectives=[
            "Cut invoice processing time by half",
            "Remove manual re-keying of invoice lines",
            f"Pay 98 % of invoices on time (revision {revision})",
        ],
        estimated_cost=Money(amount=cost, currency="EUR"),
        effort_person_days=Decimal("250.50") + revision,
        expected_benefits=(
            "Fewer keying errors, no late-payment penalties, two FTE freed for supplier "
            "relationship work, and an audit trail for every matched invoice."
        ),
        benefits_estimate=Money(amount=cost * 3, currency="EUR"),
        risks=["Vendor lock-in on the OCR provider", "Change fatigue in accounts payable"],
        options_considered=["Do nothing", "Outsource accounts payable", "Extend the ERP module"],
    )


def content(i: int) -> DemandContent:
    return DemandContent(
        title=f"Automate invoice matching #{i}",
        description=(
            "Match supplier invoices to purchase orders and goods receipts automatically, "
            "and route the exceptions to the right approver."
        ),
        sponsor="Claire Dubois (CFO)",
        department=_DEPARTMENTS[i % len(_DEPARTMENTS)],
        category=_CATEGORIES[i % len(_CATEGORIES)],
        urgency=_URGENCIES[i % len(_URGENCIES)],
        strategic_objectives=["Operational excellence", "Digital finance"],
        desired_start_quarter="2026-Q2",
        desired_end_quarter="2026-Q4",
    )


def submitted(demand_id: str, i: int, at: datetime = T0) -> DemandSubmitted:
    return DemandSubmitted(
        demand_id=demand_id,
        requester=REQUESTER.id,
        content=content(i),
        business_case=business_case(i),
        business_case_version=1,
        submitted_at=at,
    )


def revised(demand_id: str, i: int, version: int, at: datetime = T0) -> BusinessCaseRevised:
    return BusinessCaseRevised(
        demand_id=demand_id,
        version=version,
        business_case=business_case(i, version),
        revised_by=ANALYST.id,
        revised_at=at,
    )


def metadata(actor: Actor = REQUESTER, at: datetime = T0) -> EventMetadata:
    return EventMetadata(actor=actor, occurred_at=at, correlation_id=str(uuid4()))


def lifecycle(demand_id: str, i: int) -> list[tuple[DomainEvent, EventMetadata]]:
    """A demand's whole life, six events: submitted with a business case, one round of
    questions, a revised case, qualified, accepted."""
    at = [T0 + timedelta(hours=h) for h in range(6)]
    case = business_case(i)
    return [
        (submitted(demand_id, i, at[0]), metadata(REQUESTER, at[0])),
        (
            InformationRequested(
                demand_id=demand_id,
                questions=["Which ERP release does this assume?", "Who runs it after go-live?"],
                requested_by=ANALYST.id,
                requested_at=at[1],
            ),
            metadata(ANALYST, at[1]),
        ),
        (
            InformationProvided(
                demand_id=demand_id,
                answers="ERP 2025.2; the accounts payable team, with IT support for the OCR.",
                provided_by=REQUESTER.id,
                provided_at=at[2],
            ),
            metadata(REQUESTER, at[2]),
        ),
        (revised(demand_id, i, 2, at[3]), metadata(ANALYST, at[3])),
        (
            DemandQualified(
                demand_id=demand_id,
                rules_version="2026.1",
                rules_evaluated=["business-case-complete", "investment-committee-threshold"],
                requires_investment_committee=False,
                business_case_version=2,
                estimated_cost=case.estimated_cost,
                note="Complete and within the delegated budget",
                qualified_by=ANALYST.id,
                qualified_at=at[4],
            ),
            metadata(ANALYST, at[4]),
        ),
        (
            DemandAccepted(
                demand_id=demand_id,
                business_case_version=2,
                estimated_cost=case.estimated_cost,
                requires_investment_committee=False,
                note="Start in Q2",
                accepted_by=ANALYST.id,
                accepted_at=at[5],
            ),
            metadata(ANALYST, at[5]),
        ),
    ]


def received_events(count: int) -> Iterator[ReceivedEvent]:
    """`count` demand events as the projector receives them from Kafka, whole lifecycles in
    order (the decoding path is the real one: stored event → CloudEvents record → consumer)."""
    made = 0
    i = 0
    while made < count:
        demand_id = f"bench-{uuid4()}"
        for version, (event, meta) in enumerate(lifecycle(demand_id, i), start=1):
            recorded = RecordedEvent.of(
                event,
                meta,
                stream_type=STREAM_TYPE,
                stream_id=demand_id,
                stream_version=version,
                global_position=made + 1,
            )
            yield from_recorded(SERVICE, recorded)
            made += 1
            if made == count:
                return
        i += 1


def submit_body(i: int) -> dict[str, object]:
    """A POST /demands body with a full business case (what a requester's form sends)."""
    return {
        "content": content(i).model_dump(mode="json"),
        "business_case": business_case(i).model_dump(mode="json"),
    }
