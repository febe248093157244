"""Demand intake: `pmo.demand.events` → portfolio candidates.

An accepted demand becomes a portfolio item carrying the business-case version it was accepted
with; a later business-case revision is noted on the item (decisions taken on an older version
then show as outdated). The intake runs inside the consumer's transaction: its local copy of the
demand, the item's new events and the dedupe record commit together. The item events' ids
derive from the demand event's id, so a redelivered message appends nothing new.

A new candidate is registered with the stage-gate scheme in force (published with the routing
rules; the default scheme until a version is published), read in the same transaction, and with
the risk level of the worst rated risk of its business case (`governance.risk`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import orjson

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.consumer import Unprocessable
from pmo_kernel.events import Actor, EventMetadata
from pmo_kernel.money import Money
from pmo_kernel.store import EventStore, NewEvent
from pmo_portfolio.domain.governance.gates import GateScheme
from pmo_portfolio.domain.governance.item import PortfolioItem
from pmo_portfolio.domain.governance.risk import business_case_risk_level
from pmo_portfolio.domain.governance.routing import DEFAULT_RULE_SET_ID, RoutingRuleSet

INTAKE_ACTOR = Actor(id="system:portfolio-intake", name="portfolio intake", roles=("service",))
_NAMESPACE = uuid.UUID("3e0f7c8a-9d1b-4b7e-8a55-1c2d3e4f5a6b")


class DemandIntake:
    name = "portfolio.demand-intake"

    def __init__(self, store: EventStore) -> None:
        self.store = store
        s = f'"{store.schema}".demand_facts'
        self._read = (
            f"SELECT version, facts::text, accepted FROM {s} WHERE demand_id = $1 FOR UPDATE"
        )
        self._write = (
            f"INSERT INTO {s} (demand_id, version, facts, accepted, updated_at) "
            f"VALUES ($1, $2, $3::jsonb, $4, now()) ON CONFLICT (demand_id) DO UPDATE SET "
            f"version = excluded.version, facts = excluded.facts, accepted = excluded.accepted, "
            f"updated_at = now()"
        )

    async def handle(self, conn: asyncpg.Connection, event: ReceivedEvent) -> None:
        if event.stream_type != "demand":
            return
        row = await conn.fetchrow(self._read, event.subject)
        version = row[0] if row else 0
        facts: dict[str, Any] = orjson.loads(row[1]) if row else {}
        accepted = bool(row[2]) if row else False
        if event.sequence <= version:
            return  # already known
        if event.sequence != version + 1:
            raise Unprocessable(
                f"demand {event.subject}: event version {event.sequence} after {version}"
            )
        data = event.data
        if event.event_type == "DemandSubmitted":
            facts = {
                "requester": data["requester"],
                "content": data["content"],
                "business_case": data.get("business_case"),
                "business_case_version": data.get("business_case_version"),
            }
        elif event.event_type == "BusinessCaseRevised":
            facts["business_case"] = data["business_case"]
            facts["business_case_version"] = data["version"]
            if accepted:
                await self._note_revision(conn, event, data)
        elif event.event_type == "DemandAccepted":
            accepted = True
            await self._register(conn, event, facts, data)
        await conn.execute(
            self._write, event.subject, event.sequence, orjson.dumps(facts).decode(), accepted
        )

    async def after_commit(self, events: Sequence[ReceivedEvent]) -> None:
        return None

    async def _register(
        self, conn: asyncpg.Connection, event: ReceivedEvent, facts: dict[str, Any],
        data: dict[str, Any],
    ) -> None:  # fmt: skip
        if not facts:
            raise Unprocessable(f"demand {event.subject} accepted before it was submitted")
        content = facts["content"]
        case = facts.get("business_case") or {}
        gates = await self._gate_scheme_in_force(conn)
        item = PortfolioItem.register_candidate(
            event.subject,
            title=content["title"],
            department=content["department"],
            category=content["category"],
            requester=facts["requester"],
            actor_id=INTAKE_ACTOR.id,
            sponsor=content.get("sponsor"),
            estimated_cost=_money(data.get("estimated_cost") or case.get("estimated_cost")),
            business_case_version=data.get("business_case_version"),
            business_case=case or None,
            requires_investment_committee=bool(data.get("requires_investment_committee")),
            desired_start_quarter=content.get("desired_start_quarter"),
            desired_end_quarter=content.get("desired_end_quarter"),
            risk_level=business_case_risk_level(case),
            gates=gates,
            now=event.time,
        )
        await self._append(conn, item, event)

    async def _gate_scheme_in_force(self, conn: asyncpg.Connection) -> GateScheme:
        history = await self.store.read_stream(
            RoutingRuleSet.stream_type, DEFAULT_RULE_SET_ID, conn=conn
        )
        return RoutingRuleSet.load(DEFAULT_RULE_SET_ID, history).gate_scheme

    async def _note_revision(
        self, conn: asyncpg.Connection, event: ReceivedEvent, data: dict[str, Any]
    ) -> None:
        history = await self.store.read_stream(PortfolioItem.stream_type, event.subject, conn=conn)
        item = PortfolioItem.load(event.subject, history)
        if item.version == 0:
            return
        case = data["business_case"]
        item.note_business_case_revision(
            data["version"], case, _money(case.get("estimated_cost")),
            actor_id=INTAKE_ACTOR.id, now=event.time,
        )  # fmt: skip
        await self._append(conn, item, event)

    async def _append(
        self, conn: asyncpg.Connection, item: PortfolioItem, cause: ReceivedEvent
    ) -> None:
        metadata = EventMetadata(
            actor=INTAKE_ACTOR,
            occurred_at=cause.time,
            correlation_id=cause.correlation_id,
            causation_id=str(cause.event_id),
            traceparent=cause.traceparent,
            tracestate=cause.tracestate,
        )
        events = [
            NewEvent(e, metadata, uuid.uuid5(_NAMESPACE, f"{cause.event_id}:{i}"))
            for i, e in enumerate(item.pending)
        ]
        await self.store.append(
            item.stream_type, item.id, item.version, events, prev_hash=item.last_hash, conn=conn
        )


def _money(value: Any) -> Money | None:
    return Money.model_validate(value) if value else None
