"""Create and drop databases on a PostgreSQL server (one event store per service, tests)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg


def database_url(server_url: str, database: str) -> str:
    """server_url with its database replaced; user, host, port and query are kept."""
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def quote_identifier(name: str) -> str:
    """Double-quote an SQL identifier (CREATE DATABASE takes no bind parameters)."""
    return '"' + name.replace('"', '""') + '"'


async def database_exists(server_url: str, database: str) -> bool:
    conn = await asyncpg.connect(server_url)
    try:
        found = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
    finally:
        await conn.close()
    return found is not None


async def create_database(server_url: str, database: str, *, exist_ok: bool = False) -> str:
    """Create `database` and return its URL.

    template0 rather than template1: nothing anyone installed into template1 leaks into
    a service's store, and the copy is as fast (a few hundred ms at most).
    """
    conn = await asyncpg.connect(server_url)
    try:
        try:
            await conn.execute(f"CREATE DATABASE {quote_identifier(database)} TEMPLATE template0")
        except asyncpg.DuplicateDatabaseError:
            if not exist_ok:
                raise
    finally:
        await conn.close()
    return database_url(server_url, database)


async def drop_database(server_url: str, database: str) -> None:
    """Drop `database` if it exists, disconnecting its sessions (PostgreSQL 13+)."""
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {quote_identifier(database)} WITH (FORCE)")
    finally:
        await conn.close()
