"""The demand service's command handlers on the in-memory event store: the whole unit of work
(authorise, load, decide, append at the loaded version) without a database, in
milliseconds. (Retries with an Idempotency-Key are the HTTP edge's, pmo_kernel.idempotency.)"""

from __future__ import annotations

import asyncio

import pytest

from pmo_demand.access import DemandAccess
from pmo_demand.application.service import DemandService
from pmo_demand.domain import (
    BUSINESS_CASE_COMPLETE,
    BusinessCase,
    DemandQualified,
    DemandSubmitted,
    QualifyDemand,
    SubmitDemand,
    registry,
)
from pmo_kernel.application import CommandContext
from pmo_kernel.errors import (
    ConcurrencyError,
    GovernanceRuleFailed,
    NotFound,
    PermissionDenied,
)
from pmo_kernel.identity import Principal
from pmo_kernel.settings import Settings
from pmo_kernel.store.memory import InMemoryEventStore
from tests.demand.unit import ANALYST, REQUESTER, RULES, business_case, content

AS_REQUESTER = CommandContext(Principal(subject=REQUESTER, roles=frozenset({"requester"})))
AS_ANALYST = CommandContext(Principal(subject=ANALYST, roles=frozenset({"pmo_analyst"})))


@pytest.fixture
def store() -> InMemoryEventStore:
    return InMemoryEventStore(registry)


@pytest.fixture
def service(store: InMemoryEventStore) -> DemandService:
    return DemandService(store, RULES, DemandAccess(Settings()))


def submission(case: BusinessCase | None = None) -> SubmitDemand:
    return SubmitDemand(content=content(), business_case=case or business_case())


async def test_a_submitted_demand_is_qualified_and_both_facts_are_stored_in_a_chain(
    service: DemandService, store: InMemoryEventStore
) -> None:
    submitted = await service.submit(submission(), AS_REQUESTER)
    qualified = await service.qualify(submitted.demand_id, QualifyDemand(), AS_ANALYST)

    history = await store.read_stream("demand", submitted.demand_id)
    assert (submitted.version, submitted.state) == (1, "submitted")
    assert (qualified.version, qualified.state) == (2, "qualified")
    assert [type(e.event) for e in history] == [DemandSubmitted, DemandQualified]
    assert [e.event_id for e in history] == [*submitted.event_ids, *qualified.event_ids]
    assert [e.metadata.actor.id for e in history] == [REQUESTER, ANALYST]
    assert history[1].prev_hash == history[0].hash
    event = history[1].event
    assert isinstance(event, DemandQualified)
    assert event.qualified_by == ANALYST
    assert event.requires_investment_committee is False
    assert (await service.get(submitted.demand_id)).state is not None


async def test_a_demand_failing_the_governance_rules_is_not_qualified_and_nothing_is_written(
    service: DemandService, store: InMemoryEventStore
) -> None:
    submitted = await service.submit(submission(BusinessCase(risks=["Scope creep"])), AS_REQUESTER)

    with pytest.raises(GovernanceRuleFailed) as refused:
        await service.qualify(submitted.demand_id, QualifyDemand(), AS_ANALYST)

    assert refused.value.extensions["rule"] == BUSINESS_CASE_COMPLETE
    assert len(await store.read_stream("demand", submitted.demand_id)) == 1


async def test_only_an_analyst_may_qualify_and_a_refusal_writes_nothing(
    service: DemandService, store: InMemoryEventStore
) -> None:
    submitted = await service.submit(submission(), AS_REQUESTER)

    with pytest.raises(PermissionDenied):
        await service.qualify(submitted.demand_id, QualifyDemand(), AS_REQUESTER)

    assert await store.stats() == (1, 1)


async def test_qualifying_an_unknown_demand_is_not_found(service: DemandService) -> None:
    with pytest.raises(NotFound):
        await service.qualify("no-such-demand", QualifyDemand(), AS_ANALYST)


async def test_qualifying_a_version_the_caller_did_not_see_is_a_concurrency_error(
    service: DemandService, store: InMemoryEventStore
) -> None:
    submitted = await service.submit(submission(), AS_REQUESTER)
    stale = CommandContext(AS_ANALYST.principal, expected_version=submitted.version + 1)

    with pytest.raises(ConcurrencyError):
        await service.qualify(submitted.demand_id, QualifyDemand(), stale)

    assert len(await store.read_stream("demand", submitted.demand_id)) == 1


async def test_of_two_analysts_qualifying_at_once_one_wins_and_the_other_must_reload(
    service: DemandService, store: InMemoryEventStore
) -> None:
    submitted = await service.submit(submission(), AS_REQUESTER)
    other = CommandContext(Principal(subject="quinn", roles=frozenset({"pmo_analyst"})))

    outcomes = await asyncio.gather(
        service.qualify(submitted.demand_id, QualifyDemand(note="first"), AS_ANALYST),
        service.qualify(submitted.demand_id, QualifyDemand(note="second"), other),
        return_exceptions=True,
    )

    assert [type(o).__name__ for o in outcomes].count("CommandResult") == 1
    assert [type(o) for o in outcomes if isinstance(o, BaseException)] == [ConcurrencyError]
    assert len(await store.read_stream("demand", submitted.demand_id)) == 2
