"""Helpers shared by integration and end-to-end tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import ClassVar

from pmo_kernel.events import Actor, DomainEvent, EventMetadata, EventRegistry
from pmo_kernel.identity import issue_token
from pmo_kernel.settings import Settings

TEST_KEY = "pmo-test-signing-key-0123456789abcdef0123456789"
# For apps and containers built but never started: engines connect on first use only.
UNUSED_DATABASE_URL = "postgresql+asyncpg://nobody@127.0.0.1:1/none"


def settings_for(database_url: str, bootstrap: str = "", topic_prefix: str = "") -> Settings:
    return Settings(
        database_url=database_url,
        kafka_bootstrap_servers=bootstrap,
        kafka_topic_prefix=topic_prefix,
        jwt_signing_key=TEST_KEY,
        log_format="text",
        command_rate_per_minute=0,  # tests send commands faster than people; see test_rate_limit
    )


def bearer(
    settings: Settings,
    subject: str,
    *roles: str,
    name: str | None = None,
    department: str | None = None,
) -> dict[str, str]:
    token = issue_token(
        settings, subject, roles, name=name or subject.title(), department=department
    )
    return {"Authorization": f"Bearer {token}"}


async def eventually(
    check: Callable[[], Awaitable[bool]], within: float = 20.0, interval: float = 0.05
) -> None:
    """Wait until `check()` is true; fail with a clear message after `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        if await check():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(interval)


# A tiny event vocabulary for kernel tests: the kernel must not depend on any service.
kernel_registry = EventRegistry("kernel-test")


@kernel_registry.event
class CounterIncremented(DomainEvent):
    event_type: ClassVar[str] = "CounterIncremented"
    by: int
    note: str = ""


def metadata(actor: str = "tester") -> EventMetadata:
    return EventMetadata(actor=Actor(id=actor, name=actor.title(), roles=("admin",)))
