"""One open budget envelope per year, under concurrent writes: opening an envelope claims its
year on the year's own stream ("budget-year-2027") in the same transaction, so of two envelopes
opened for one year at the same moment exactly one is written; the portfolio service on real
PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pmo_kernel.application import CommandContext, event_metadata
from pmo_kernel.errors import ConcurrencyError
from pmo_kernel.identity import Principal, Role
from pmo_kernel.money import Money
from pmo_portfolio.application.commands import OpenEnvelope
from pmo_portfolio.application.planning import PlanningHandlers
from pmo_portfolio.domain.planning import BudgetEnvelope, BudgetYearClaimed, BudgetYearReleased
from tests.portfolio.integration.support import ANALYST, Portfolio, eur

ANALYST_CTX = CommandContext(
    Principal(subject="paul", name="Paul", roles=frozenset({Role.PMO_ANALYST}))
)


def opening(envelope_id: str, year: int) -> dict[str, Any]:
    return {"envelope_id": envelope_id, "year": year, "amount": eur("1000000"),
            "description": f"IT portfolio {year}"}  # fmt: skip


async def envelopes_of(p: Portfolio, year: int) -> list[str]:
    """The ids of every envelope stream of the year, open or closed."""
    return sorted(e.id for e in await p.container.service.envelopes.load_all() if e.year == year)


async def claims(p: Portfolio, year: int) -> list[tuple[str, str]]:
    """The claim stream of the year: (event type, envelope id) in order."""
    events = [recorded.event for recorded in await p.stream("budget-year", f"budget-year-{year}")]
    return [
        (event.event_type, event.envelope_id)
        for event in events
        if isinstance(event, BudgetYearClaimed | BudgetYearReleased)
    ]


async def test_of_two_envelopes_opened_at_once_for_one_year_exactly_one_is_written(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    # Several rounds, a year each, so the race is run more than once.
    for year in range(2027, 2033):
        # When two analysts open different envelopes for the same year at the same moment
        headers = p.as_(*ANALYST)
        sides = [opening(f"{side}-{year}", year) for side in ("left", "right")]
        responses = await asyncio.gather(
            *(p.client.post("/budget-envelopes", json=body, headers=headers) for body in sides)
        )

        # Then exactly one is opened; the other is refused, as a version conflict on the claim
        # (409) or by the check of the year's open envelopes if the winner was already written
        codes = sorted(response.status_code for response in responses)
        assert codes[0] == 201, [r.text for r in responses]
        assert codes[1] in (409, 422), [r.text for r in responses]
        (won,) = [r.json()["id"] for r in responses if r.status_code == 201]
        (lost,) = [f"{s}-{year}" for s in ("left", "right") if f"{s}-{year}" != won]
        # and the loser wrote nothing: one envelope stream for the year, the winner's claim
        assert await envelopes_of(p, year) == [won]
        assert await p.stream("budget-envelope", lost) == []
        assert await claims(p, year) == [("BudgetYearClaimed", won)]
        assert (await p.get("/roadmap"))["years"] is not None  # the roadmap still computes


async def test_when_both_pass_the_check_of_open_envelopes_the_claim_refuses_the_second(
    portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race the claim exists for, made certain: both openings see no open envelope."""
    service = portfolio.container.service
    looked = asyncio.Barrier(2)
    unguarded = PlanningHandlers.open_envelopes

    async def both_look_before_either_writes() -> Any:
        found = await unguarded(service)
        await looked.wait()
        return found

    monkeypatch.setattr(service, "open_envelopes", both_look_before_either_writes)

    # When two envelopes are opened for 2027, each having seen 2027 free
    commands = [
        OpenEnvelope(envelope_id=envelope_id, year=2027, amount=Money.of("1"), description="IT")
        for envelope_id in ("left", "right")
    ]
    outcomes = await asyncio.gather(
        *(service.open_envelope(command, ANALYST_CTX) for command in commands),
        return_exceptions=True,
    )

    # Then the second to write meets a version conflict on budget-year-2027 and writes nothing
    conflicts = [o for o in outcomes if isinstance(o, ConcurrencyError)]
    written = [o.id for o in outcomes if not isinstance(o, BaseException)]
    assert len(conflicts) == 1, outcomes
    assert len(written) == 1, outcomes
    assert conflicts[0].extensions["stream_id"] == "budget-year-2027"
    assert await envelopes_of(portfolio, 2027) == written
    assert await claims(portfolio, 2027) == [("BudgetYearClaimed", written[0])]


async def test_closing_releases_the_year_and_a_new_envelope_claims_it(portfolio: Portfolio) -> None:
    p = portfolio
    # Given it-2027 opened: it holds 2027
    opened = await p.post("/budget-envelopes", opening("it-2027", 2027), ANALYST, 201)
    assert (opened["id"], opened["version"]) == ("it-2027", 1)
    refused = await p.post("/budget-envelopes", opening("bis-2027", 2027), ANALYST, 409)
    assert "2027 already has the open envelope it-2027" in refused["detail"]

    # When it is closed, then a new envelope is opened for 2027
    closed = await p.post("/budget-envelopes/it-2027/closure", None, ANALYST)
    assert closed["version"] == 2
    await p.post("/budget-envelopes", opening("bis-2027", 2027), ANALYST, 201)

    # Then the claim stream tells who held the year and when
    assert await claims(p, 2027) == [
        ("BudgetYearClaimed", "it-2027"),
        ("BudgetYearReleased", "it-2027"),
        ("BudgetYearClaimed", "bis-2027"),
    ]
    assert await envelopes_of(p, 2027) == ["bis-2027", "it-2027"]
    # An envelope for another year has a claim of its own
    await p.post("/budget-envelopes", opening("it-2028", 2028), ANALYST, 201)
    assert await claims(p, 2028) == [("BudgetYearClaimed", "it-2028")]


async def test_an_envelope_opened_before_claims_existed_still_holds_its_year(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    # Given an open envelope for 2027 written before claims existed: no claim stream
    legacy = BudgetEnvelope.open("legacy-2027", year=2027, amount=Money.of("5"),
                                 description="IT 2027", actor_id="paul")  # fmt: skip
    await p.container.service.envelopes.save(legacy, event_metadata(ANALYST_CTX))
    assert await claims(p, 2027) == []

    # When another envelope is opened for 2027, it is refused, naming the open one
    refused = await p.post("/budget-envelopes", opening("it-2027", 2027), ANALYST, 409)
    assert "2027 already has the open envelope legacy-2027" in refused["detail"]
    assert await claims(p, 2027) == []
    assert await p.stream("budget-envelope", "it-2027") == []

    # When the old envelope is closed, it has no claim to release; then 2027 may be claimed
    await p.post("/budget-envelopes/legacy-2027/closure", None, ANALYST)
    assert await claims(p, 2027) == []
    await p.post("/budget-envelopes", opening("it-2027", 2027), ANALYST, 201)
    assert await claims(p, 2027) == [("BudgetYearClaimed", "it-2027")]
