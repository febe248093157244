"""Composition root: settings → engine → event store → application service → FastAPI app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_demand.access import DemandAccess
from pmo_demand.api import router
from pmo_demand.application.service import DemandService
from pmo_demand.domain import GovernanceRules, registry
from pmo_kernel.db import create_engine
from pmo_kernel.http.app import create_service_app
from pmo_kernel.http.feed import event_feed_router
from pmo_kernel.idempotency import IdempotencyKeys
from pmo_kernel.merkle_log import MerkleLog, merkle_log_for
from pmo_kernel.relay import OutboxRelay, relay_for
from pmo_kernel.settings import Settings
from pmo_kernel.store import EventStore
from pmo_kernel.store.tree_heads import published_key

SERVICE = "demand"
SCHEMA = "demand"
MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class DemandContainer:
    settings: Settings
    engine: AsyncEngine
    store: EventStore
    service: DemandService


def governance_rules(settings: Settings) -> GovernanceRules:
    return GovernanceRules(investment_committee_threshold=settings.investment_committee)


def build(settings: Settings, schema: str = SCHEMA) -> DemandContainer:
    engine = create_engine(settings.database_url)
    store = EventStore(engine, schema, registry)
    service = DemandService(store, governance_rules(settings), DemandAccess(settings))
    return DemandContainer(settings, engine, store, service)


def create_app(settings: Settings, container: DemandContainer | None = None) -> FastAPI:
    built = container or build(settings)

    app = create_service_app(
        SERVICE,
        settings,
        title="pmo demand service",
        description=(
            "Intake and qualification of project requests (demands) and their business cases. "
            "Commands append events to the demand event store; every event is published on "
            "the Kafka topic pmo.demand.events. Errors are RFC 9457 problem+json."
        ),
        disposes=built.engine if container is None else None,
    )
    app.state.demand_service = built.service
    app.state.database = built.engine
    app.state.idempotency = IdempotencyKeys(built.store)
    app.include_router(router)
    app.include_router(event_feed_router(built.store, SERVICE, lambda: published_key(settings)))
    return app


def build_relay(settings: Settings, container: DemandContainer) -> OutboxRelay:
    return relay_for(container.store, settings, SERVICE)


def build_merkle_log(settings: Settings, container: DemandContainer) -> MerkleLog:
    return merkle_log_for(container.store, settings, SERVICE)
