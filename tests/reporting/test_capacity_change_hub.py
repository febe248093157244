"""The gateway's ChangeHub and capacity stream versions: a notice wakes the mutation waiting
for that stream at that version, and never reaches a portfolio subscription (the capacity's
notices come on their own channel, and only wake waiters)."""

from __future__ import annotations

import asyncio

from pmo_reporting.gateway.listener import ChangeHub


async def _unknown(_key: str) -> int | None:
    return None


async def test_a_capacity_notice_wakes_its_waiter_and_no_portfolio_subscriber() -> None:
    hub = ChangeHub(None, _unknown, _unknown, _unknown)
    async with hub.subscribe_streams() as portfolio_feed:
        waiting = asyncio.create_task(hub.wait_for_capacity_stream("person/ann", 3, 60))
        await asyncio.sleep(0)  # the waiter is registered
        hub.publish_capacity_versions({"person/ann": 2, "proposal/P-1": 9})
        await asyncio.sleep(0)
        still_waiting = not waiting.done()
        hub.publish_capacity_versions({"person/ann": 3})

        assert await waiting is True
        assert still_waiting
        assert portfolio_feed.queue.empty()


async def test_a_portfolio_notice_of_the_same_key_does_not_wake_a_capacity_waiter() -> None:
    hub = ChangeHub(None, _unknown, _unknown, _unknown)
    waiting = asyncio.create_task(hub.wait_for_capacity_stream("programme/X", 1, 0.2))
    await asyncio.sleep(0)

    hub.publish_stream_versions({"programme/X": 1})

    assert await waiting is False
