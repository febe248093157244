"""Alembic, one history per service, run programmatically.

Each service keeps `migrations/` (env.py + versions/) next to its code; env.py only calls
`run_env()`. The target schema travels in the alembic config's attributes, so the same history
can build a service's schema under another name (rebuilds, tests)."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from pmo_kernel.db import create_engine


def alembic_config(script_location: Path, schema: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["schema"] = schema
    return config


async def upgrade(url: str, script_location: Path, schema: str, revision: str = "head") -> None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as conn:
            # Serialise concurrent migrators of the same schema (several processes starting).
            await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": schema})
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            await conn.run_sync(_upgrade, script_location, schema, revision)
    finally:
        await engine.dispose()


async def migrate_service(
    url: str, script_location: Path, schema: str, service: str, app_role: str | None
) -> None:
    """Upgrade the service's schema as `url`'s user (its owner); then, if
    <SERVICE>_APP_PASSWORD is set, give the service's least-privilege login that password, so
    its processes can connect as it where the server asks for one (docker-compose, k8s)."""
    await upgrade(url, script_location, schema)
    password = os.environ.get(f"{service.upper()}_APP_PASSWORD")
    if app_role is None or not password:
        return
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as conn:
            statement = await conn.scalar(
                # format()'s arguments are variadic "any": typed here, or asyncpg cannot bind.
                text(
                    "SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', "
                    "CAST(:role AS text), CAST(:password AS text))"
                ),
                {"role": app_role, "password": password},
            )
            await conn.execute(text(str(statement)))
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, script_location: Path, schema: str, revision: str) -> None:
    config = alembic_config(script_location, schema)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def run_env() -> None:
    """The body of every service's alembic env.py (online mode only: we always have a DB)."""
    connection: Connection = context.config.attributes["connection"]
    schema: str = context.config.attributes["schema"]
    context.configure(
        connection=connection,
        version_table="alembic_version",
        version_table_schema=schema,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def current_schema() -> str:
    """Inside a migration: the schema being migrated."""
    schema: str = context.config.attributes["schema"]
    return schema
