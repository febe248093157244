"""Composition root: settings → engine → event store → application service → FastAPI app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_capacity.api import calendars, people
from pmo_capacity.application.service import CapacityService
from pmo_capacity.domain import registry
from pmo_kernel.db import create_engine
from pmo_kernel.http.app import create_service_app
from pmo_kernel.http.feed import event_feed_router
from pmo_kernel.idempotency import IdempotencyKeys
from pmo_kernel.relay import OutboxRelay, relay_for
from pmo_kernel.settings import Settings
from pmo_kernel.store import EventStore

SERVICE = "capacity"
SCHEMA = "capacity"
MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class CapacityContainer:
    settings: Settings
    engine: AsyncEngine
    store: EventStore
    service: CapacityService


def build(settings: Settings, schema: str = SCHEMA) -> CapacityContainer:
    engine = create_engine(settings.database_url)
    store = EventStore(engine, schema, registry)
    return CapacityContainer(settings, engine, store, CapacityService(store))


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
            "the Kafka topic pmo.capacity.events. Errors are RFC 9457 problem+json."
        ),
        disposes=built.engine if container is None else None,
    )
    app.state.capacity_service = built.service
    app.state.database = built.engine
    app.state.idempotency = IdempotencyKeys(built.store)
    app.include_router(people)
    app.include_router(calendars)
    app.include_router(event_feed_router(built.store))
    return app


def build_relay(settings: Settings, container: CapacityContainer) -> OutboxRelay:
    return relay_for(container.store, settings, SERVICE)
