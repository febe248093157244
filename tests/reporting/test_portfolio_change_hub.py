"""The gateway's ChangeHub fans the portfolio projection's stream-version notices out to the
portfolio subscriptions, each told only of the stream types and id it asked for."""

from __future__ import annotations

import asyncio

import pytest

from pmo_reporting.changes import StreamNotice, encode_versions, stream_notices
from pmo_reporting.gateway.listener import SUBSCRIBER_QUEUE, ChangeHub
from pmo_reporting.gateway.portfolio_subscriptions import PortfolioStreamType
from pmo_reporting.projections.portfolio_statements import STREAM_TABLES


async def no_version(key: str) -> int | None:
    return None


def queued(queue: asyncio.Queue[StreamNotice]) -> list[StreamNotice]:
    found: list[StreamNotice] = []
    while not queue.empty():
        found.append(queue.get_nowait())
    return found


def test_the_subscription_stream_types_are_the_portfolio_projections() -> None:
    assert {kind.value for kind in PortfolioStreamType} == set(STREAM_TABLES)


def test_a_stream_key_splits_at_its_first_slash_only() -> None:
    notices = stream_notices({"portfolio-item/P/1": 3, "meeting/M-1": 1})

    assert notices == [StreamNotice("meeting", "M-1", 1), StreamNotice("portfolio-item", "P/1", 3)]
    with pytest.raises(ValueError, match="not a stream key"):
        stream_notices({"P-1": 1})


async def test_subscribers_are_told_only_of_the_stream_types_and_id_they_asked_for() -> None:
    hub = ChangeHub(None, no_version, no_version)
    async with (
        hub.subscribe_streams(frozenset({"portfolio-item"}), "P-1") as one_item,
        hub.subscribe_streams(frozenset({"portfolio-item"})) as every_item,
        hub.subscribe_streams(frozenset({"meeting", "governance-body"})) as governance,
        hub.subscribe_streams() as everything,
    ):
        assert hub.subscriber_count == 4
        hub.publish_stream_versions(
            {"portfolio-item/P-1": 2, "portfolio-item/P-2": 1, "meeting/P-1": 4}
        )

        item_p1, item_p2 = (
            StreamNotice("portfolio-item", "P-1", 2),
            StreamNotice("portfolio-item", "P-2", 1),
        )
        meeting_p1 = StreamNotice("meeting", "P-1", 4)
        assert queued(one_item.queue) == [item_p1]
        assert queued(every_item.queue) == [item_p1, item_p2]
        assert queued(governance.queue) == [meeting_p1]
        assert queued(everything.queue) == [meeting_p1, item_p1, item_p2]
    assert hub.subscriber_count == 0


async def test_a_slow_portfolio_subscriber_loses_its_oldest_notices_not_memory() -> None:
    hub = ChangeHub(None, no_version, no_version)
    async with hub.subscribe_streams() as feed:
        for version in range(1, SUBSCRIBER_QUEUE + 3):
            hub.publish_stream_versions({"portfolio-item/P-1": version})

        assert feed.dropped == 2
        assert feed.queue.qsize() == SUBSCRIBER_QUEUE
        assert feed.queue.get_nowait().version == 3


async def test_a_notice_wakes_waiters_and_feeds_subscribers_alike() -> None:
    hub = ChangeHub(None, no_version, no_version)
    async with hub.subscribe_streams(frozenset({"scenario"})) as feed:
        waiting = asyncio.create_task(hub.wait_for_stream("scenario/S-1", 2, seconds=5))
        await asyncio.sleep(0)
        (payload,) = encode_versions({"scenario/S-1": 2})
        hub._on_portfolio_notify(None, 0, "reporting_portfolio_versions", payload)

        assert await waiting
        assert queued(feed.queue) == [StreamNotice("scenario", "S-1", 2)]


async def test_an_unreadable_portfolio_notice_is_ignored_whole() -> None:
    hub = ChangeHub(None, no_version, no_version)
    async with hub.subscribe_streams() as feed:
        hub._on_portfolio_notify(
            None, 0, "reporting_portfolio_versions", '{"scenario/S-1": 2, "nokey": 1}'
        )

        assert feed.queue.empty()
