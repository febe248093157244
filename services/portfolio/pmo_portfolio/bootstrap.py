"""Composition root: settings → engine → event store → application service → FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.application import CommandContext
from pmo_kernel.consumer import ConsumerRunner, ConsumerSettings
from pmo_kernel.db import create_engine
from pmo_kernel.http.app import create_service_app
from pmo_kernel.http.feed import event_feed_router
from pmo_kernel.idempotency import IdempotencyKeys
from pmo_kernel.identity import Principal, Role
from pmo_kernel.merkle_log import MerkleLog, merkle_log_for
from pmo_kernel.relay import OutboxRelay, relay_for
from pmo_kernel.settings import Settings
from pmo_kernel.store import EventStore
from pmo_kernel.store.tree_heads import published_key
from pmo_portfolio.access import PortfolioAccess
from pmo_portfolio.api import router
from pmo_portfolio.application.intake import DemandIntake
from pmo_portfolio.application.registers import RegisterService
from pmo_portfolio.application.service import PortfolioService
from pmo_portfolio.capacity.feed import CapacityFeed
from pmo_portfolio.delivery_api import delivery_router
from pmo_portfolio.domain.governance import RoutingRule, default_routing_rules
from pmo_portfolio.domain.registry import registry
from pmo_portfolio.registers_api import router as registers_router

SERVICE = "portfolio"
SCHEMA = "portfolio"
MIGRATIONS = Path(__file__).parent / "migrations"
INTAKE_GROUP = "pmo-portfolio-demand-intake"
CAPACITY_FEED_GROUP = "pmo-portfolio-capacity"
SYSTEM = Principal(subject="system:portfolio", name="pmo portfolio", roles=frozenset({Role.ADMIN}))


@dataclass(frozen=True)
class PortfolioContainer:
    settings: Settings
    engine: AsyncEngine
    store: EventStore
    service: PortfolioService


def default_rules(settings: Settings) -> tuple[RoutingRule, ...]:
    """Version 1 of the routing rules, on the investment-committee threshold the demand service
    qualifies against: one setting, so the two services cannot start from different figures."""
    return default_routing_rules(settings.investment_committee)


def build(settings: Settings, schema: str = SCHEMA) -> PortfolioContainer:
    engine = create_engine(settings.database_url)
    store = EventStore(engine, schema, registry)
    service = PortfolioService(store, PortfolioAccess(settings))
    return PortfolioContainer(settings, engine, store, service)


def create_app(settings: Settings, container: PortfolioContainer | None = None) -> FastAPI:
    built = container or build(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await built.service.ensure_default_rules(CommandContext(SYSTEM), default_rules(settings))
        yield

    app = create_service_app(
        SERVICE,
        settings,
        title="pmo portfolio service",
        description=(
            "Prioritisation and governance: scoring models and scores, governance bodies and "
            "their decision rights, versioned routing rules, meetings and decisions with the "
            "inputs they were based on frozen in them (the budget envelope version among them), "
            "budget envelopes and the roadmap against them with arbitration, what-if scenarios "
            "solved by the optimiser and adopted by committees, programmes. Events are published "
            "on pmo.portfolio.events. Errors are RFC 9457 problem+json."
        ),
        lifespan=lifespan,
        disposes=built.engine if container is None else None,
    )
    app.state.portfolio_service = built.service
    app.state.database = built.engine
    app.state.idempotency = IdempotencyKeys(built.store)
    app.include_router(router)
    app.state.register_service = RegisterService(built.store, built.service.access)
    app.include_router(registers_router)
    app.include_router(delivery_router)
    app.include_router(event_feed_router(built.store, SERVICE, lambda: published_key(settings)))
    return app


def build_relay(settings: Settings, container: PortfolioContainer) -> OutboxRelay:
    return relay_for(container.store, settings, SERVICE)


def build_merkle_log(settings: Settings, container: PortfolioContainer) -> MerkleLog:
    return merkle_log_for(container.store, settings, SERVICE)


def build_intake(settings: Settings, container: PortfolioContainer) -> ConsumerRunner:
    return ConsumerRunner(
        container.engine,
        container.store.schema,
        DemandIntake(container.store),
        _consumer_settings(settings, "demand", INTAKE_GROUP),
    )


def build_capacity_feed(settings: Settings, container: PortfolioContainer) -> ConsumerRunner:
    """pmo.capacity.events → the capacity facts scenarios and decisions use (capacity.feed)."""
    return ConsumerRunner(
        container.engine,
        container.store.schema,
        CapacityFeed(container.store.schema),
        _consumer_settings(settings, "capacity", CAPACITY_FEED_GROUP),
    )


def _consumer_settings(settings: Settings, service: str, group_id: str) -> ConsumerSettings:
    return ConsumerSettings(
        topics=(settings.topic(service),),
        group_id=group_id,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        partitions=settings.kafka_partitions,
        replication=settings.kafka_replication_factor,
        commit_interval_seconds=settings.consumer_commit_interval_seconds,
    )
