"""The portfolio service on real PostgreSQL, driven through its FastAPI app, and the "given"
steps the integration tests share."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from pmo_kernel.application import CommandContext, event_metadata
from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.db import raw_connection
from pmo_kernel.http.conditional import etag
from pmo_kernel.identity import Principal, Role
from pmo_kernel.money import Money
from pmo_kernel.recorded import RecordedEvent
from pmo_portfolio.application.intake import DemandIntake
from pmo_portfolio.bootstrap import PortfolioContainer
from pmo_portfolio.domain.governance.item import PortfolioItem
from tests.support import bearer

ANALYST = ("paul", "pmo_analyst")
BOARD = ("bea", "portfolio_board")
REQUESTER = ("alice", "requester")


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


@dataclass
class Portfolio:
    client: httpx.AsyncClient
    container: PortfolioContainer
    intake: DemandIntake
    settings: Any

    def as_(self, *who: str) -> dict[str, str]:
        return bearer(self.settings, *who)

    async def deliver(self, events: list[ReceivedEvent]) -> None:
        """What the intake's Kafka consumer does, minus Kafka."""
        async with raw_connection(self.container.engine) as conn, conn.transaction():
            for event in events:
                await self.intake.handle(conn, event)

    async def post(self, path: str, body: dict[str, Any] | None, who: tuple[str, str],
                   expect: int = 200, if_match: int | None = None) -> dict[str, Any]:  # fmt: skip
        """Send a command, as a careful client does: with an Idempotency-Key. Every command
        that succeeds is sent again with the same key, as after a lost response, and must
        answer the same and write nothing (so every test here checks its commands' retries)."""
        headers = {**self.as_(*who), "Idempotency-Key": f"test-{uuid.uuid4()}"}
        if if_match is not None:
            headers["If-Match"] = etag(if_match)
        response = await self.client.post(path, json=body or {}, headers=headers)
        assert response.status_code == expect, response.text
        data: dict[str, Any] = response.json()
        if response.is_success:
            await self.retried_answers_alike(path, body, headers, response)
        return data

    async def retried_answers_alike(
        self, path: str, body: dict[str, Any] | None, headers: dict[str, str],
        first: httpx.Response,
    ) -> None:  # fmt: skip
        stored = await self.container.store.stats()
        again = await self.client.post(path, json=body or {}, headers=headers)
        assert (again.status_code, again.json()) == (first.status_code, first.json()), path
        assert again.headers.get("ETag") == first.headers.get("ETag")
        assert (first.headers["Idempotent-Replayed"], again.headers["Idempotent-Replayed"]) == (
            "false", "true",
        )  # fmt: skip
        assert await self.container.store.stats() == stored, f"the retry of {path} wrote"

    async def get(self, path: str, expect: int = 200, **params: Any) -> dict[str, Any]:
        response = await self.client.get(path, params=params, headers=self.as_(*ANALYST))
        assert response.status_code == expect, response.text
        data: dict[str, Any] = response.json()
        return data

    async def stream(self, stream_type: str, stream_id: str) -> list[RecordedEvent]:
        return await self.container.store.read_stream(stream_type, stream_id)

    # -- given ------------------------------------------------------------------------------------

    async def candidate(self, item_id: str, cost: str = "100000", title: str = "",
                        category: str = "project", effort: str | None = None) -> None:  # fmt: skip
        """A candidate as the demand intake registers it from an accepted demand; with `effort`,
        its business case (version 1) estimates that many person-days."""
        case = None if effort is None else {"effort_person_days": effort,
                                            "estimated_cost": eur(cost)}  # fmt: skip
        item = PortfolioItem.register_candidate(
            item_id, title=title or f"Project {item_id}", department="IT", category=category,
            requester="alice", actor_id="system:test", estimated_cost=Money.of(cost),
            business_case=case, business_case_version=None if case is None else 1,
        )  # fmt: skip
        system = Principal(subject="system:test", name="test", roles=frozenset({Role.ADMIN}))
        await self.container.service.items.save(item, event_metadata(CommandContext(system)))

    async def committee(self, body_id: str = "ic", kind: str = "investment_committee",
                        gates: tuple[str, ...] = ("G2", "G3")) -> str:  # fmt: skip
        """A body of two members, ivy and ian, that may decide anything at `gates`; returns the
        id of its open meeting."""
        await self.post("/governance-bodies",
                        {"body_id": body_id, "kind": kind, "name": kind.replace("_", " ")},
                        ANALYST, 201)  # fmt: skip
        for person in ("ivy", "ian"):
            await self.post(f"/governance-bodies/{body_id}/members", {"person_id": person},
                            ANALYST)  # fmt: skip
        for gate in gates:
            right = {"gate": gate, "outcomes": ["approve", "reject", "defer"]}
            await self.post(f"/governance-bodies/{body_id}/rights", right, ANALYST)
        return await self.meeting(body_id, f"{body_id}-jan")

    async def meeting(self, body_id: str, meeting_id: str) -> str:
        meeting = {"meeting_id": meeting_id, "body_id": body_id, "date": "2027-01-15",
                   "title": meeting_id}  # fmt: skip
        await self.post("/meetings", meeting, ANALYST, 201)
        return meeting_id

    async def decide(self, meeting_id: str, item_id: str, gate: str = "G2",
                     **extra: Any) -> dict[str, Any]:  # fmt: skip
        agenda = {"item_id": item_id, "gate": gate, "purpose": f"Decide at {gate}"}
        await self.post(f"/meetings/{meeting_id}/agenda", agenda, ANALYST)
        decision = {"item_id": item_id, "gate": gate, "outcome": "approve",
                    "participants": ["ivy", "ian"], "rationale": "Worth it", **extra}  # fmt: skip
        return await self.post(f"/meetings/{meeting_id}/decisions", decision, BOARD, 201)

    async def plan(self, item_id: str, start: str, end: str, costs: dict[int, str],
                   expect: int = 200) -> dict[str, Any]:  # fmt: skip
        per_year = {str(year): eur(cost) for year, cost in costs.items()}
        body = {"start_quarter": start, "end_quarter": end, "cost_per_year": per_year}
        return await self.post(f"/items/{item_id}/plan", body, ANALYST, expect)

    async def envelope(self, envelope_id: str, year: int, amount: str) -> None:
        body = {"envelope_id": envelope_id, "year": year, "amount": eur(amount),
                "description": f"IT portfolio {year}"}  # fmt: skip
        await self.post("/budget-envelopes", body, ANALYST, 201)
