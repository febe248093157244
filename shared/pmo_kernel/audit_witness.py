"""Signed tree heads as witnessed outside a service's database: on the checkpoints topic, or in
a file the auditor kept (a bundle's checkpoints.json).

A superuser who deletes a log's newest events can delete the heads that sign them from the
database too, and what is left verifies as a shorter, intact log. The heads already published
cannot be taken back: `pmo audit verify --heads-from-kafka` reads them all and checks the log
against them as well (`pmo_kernel.store.audit.merge_witnessed`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from pmo_kernel.store.tree_heads import MalformedTreeHead, TreeHead, tree_head_from_json


@dataclass
class WitnessedHeads:
    """Heads per service, and how many records could not be read as a head."""

    by_service: dict[str, list[TreeHead]] = field(default_factory=lambda: defaultdict(list))
    unreadable: int = 0

    def of(self, service: str) -> list[TreeHead]:
        return list(self.by_service.get(service, ()))

    def absorb(self, other: WitnessedHeads) -> None:
        for service, heads in other.by_service.items():
            self.by_service[service] += heads
        self.unreadable += other.unreadable

    @property
    def count(self) -> int:
        return sum(len(heads) for heads in self.by_service.values())

    def add(self, value: object) -> None:
        try:
            head = tree_head_from_json(value)
        except MalformedTreeHead:
            self.unreadable += 1
            return
        self.by_service[head.service].append(head)


async def heads_on_topic(bootstrap_servers: str, topic: str) -> WitnessedHeads:
    """Every head on `topic` up to its end when called (no consumer group: nothing committed)."""
    witnessed = WitnessedHeads()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return witnessed
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        starts, ends = await consumer.beginning_offsets(tps), await consumer.end_offsets(tps)
        remaining = {tp for tp in tps if ends[tp] > starts[tp]}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, records in batches.items():
                for record in records:
                    witnessed.add(_json(record.value))
                    if record.offset + 1 >= ends[tp]:
                        remaining.discard(tp)
    finally:
        await consumer.stop()
    return witnessed


def heads_in_file(path: Path) -> WitnessedHeads:
    """The heads of a JSON file: one head, or a list of them (a bundle's checkpoints.json)."""
    witnessed = WitnessedHeads()
    value = _json(path.read_bytes())
    for item in value if isinstance(value, list) else [value]:
        witnessed.add(item)
    return witnessed


def _json(raw: bytes | None) -> object:
    try:
        return orjson.loads(raw or b"null")
    except orjson.JSONDecodeError:
        return None
