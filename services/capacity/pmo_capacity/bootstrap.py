"""Composition root: settings → engine → event store → application service → FastAPI app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_capacity.api import calendars, people, requests, skills
from pmo_capacity.application.drafts import DraftService
from pmo_capacity.application.planned_items import PlannedItems
from pmo_capacity.application.requests import ResourceRequestService
from pmo_capacity.application.service import CapacityService
from pmo_capacity.application.staffing import StaffingService
from pmo_capacity.domain import registry
from pmo_capacity.drafts_api import drafts
from pmo_capacity.proposals_api import proposals
from pmo_kernel.consumer import ConsumerRunner, ConsumerSettings
from pmo_kernel.db import create_engine
from pmo_kernel.http.app import create_service_app
from pmo_kernel.http.feed import event_feed_router
from pmo_kernel.idempotency import IdempotencyKeys
from pmo_kernel.merkle_log import MerkleLog, merkle_log_for
from pmo_kernel.relay import OutboxRelay, relay_for
from pmo_kernel.settings import Settings
from pmo_kernel.store import EventStore
from pmo_kernel.store.tree_heads import published_key

SERVICE = "capacity"
SCHEMA = "capacity"
MIGRATIONS = Path(__file__).parent / "migrations"
PLANNED_ITEMS_GROUP = "pmo-capacity-planned-items"


@dataclass(frozen=True)
class CapacityContainer:
    settings: Settings
    engine: AsyncEngine
    store: EventStore
    service: CapacityService
    requests: ResourceRequestService
    staffing: StaffingService


def build(settings: Settings, schema: str = SCHEMA) -> CapacityContainer:
    engine = create_engine(settings.database_url)
    store = EventStore(engine, schema, registry)
    return CapacityContainer(
        settings, engine, store, CapacityService(store), ResourceRequestService(store),
        StaffingService(store),
    )  # fmt: skip


def create_app(settings: Settings, container: CapacityContainer | None = None) -> FastAPI:
    built = container or build(settings)

    app = create_service_app(
        SERVICE,
        settings,
        title="pmo capacity service",
        description=(
            "People and their skills, working calendars, availability reported by line "
            "managers, and allocations of people to projects (soft, then confirmed hard). "
            "Commands append events to the capacity event store; every event is published on "
            "the Kafka topic pmo.capacity.events. Resource requests are raised by project "
            "managers and analysts, and from the portfolio's planned items "
            "(pmo.portfolio.events); staffing proposals fill them optimally (MILP, HiGHS), "
            "beside a greedy baseline, and are accepted request by request. Errors are RFC "
            "9457 problem+json."
        ),
        disposes=built.engine if container is None else None,
    )
    app.state.capacity_service = built.service
    app.state.request_service = built.requests
    app.state.staffing_service = built.staffing
    app.state.draft_service = DraftService(built.staffing)
    app.state.database = built.engine
    app.state.idempotency = IdempotencyKeys(built.store)
    app.include_router(people)
    app.include_router(calendars)
    app.include_router(skills)
    app.include_router(requests)
    app.include_router(proposals)
    app.include_router(drafts)
    app.include_router(event_feed_router(built.store, SERVICE, lambda: published_key(settings)))
    return app


def build_relay(settings: Settings, container: CapacityContainer) -> OutboxRelay:
    return relay_for(container.store, settings, SERVICE)


def build_merkle_log(settings: Settings, container: CapacityContainer) -> MerkleLog:
    return merkle_log_for(container.store, settings, SERVICE)


def build_planned_items(settings: Settings, container: CapacityContainer) -> ConsumerRunner:
    """The consumer of the portfolio's events that raises resource requests from planned items
    and releases the allocations of projects that end (application.planned_items)."""
    return ConsumerRunner(
        container.engine,
        container.store.schema,
        PlannedItems(container.store),
        ConsumerSettings(
            topics=(settings.topic("portfolio"),),
            group_id=PLANNED_ITEMS_GROUP,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            partitions=settings.kafka_partitions,
            replication=settings.kafka_replication_factor,
            commit_interval_seconds=settings.consumer_commit_interval_seconds,
        ),
    )
