"""Programmes group portfolio items under a sponsor: the portfolio service on real PostgreSQL
through its REST API."""

from __future__ import annotations

from tests.portfolio.integration.support import ANALYST, Portfolio


async def test_programmes_group_items_and_an_item_moves_between_them(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    for programme_id, sponsor in (("workplace", "COO"), ("data", "CDO")):
        body = {"programme_id": programme_id, "name": programme_id.title(),
                "description": f"The {programme_id} programme", "sponsor": sponsor}  # fmt: skip
        await p.post("/programmes", body, ANALYST, 201)
    for item_id in ("crm", "erp"):
        await p.candidate(item_id)
        await p.post(f"/items/{item_id}/programme", {"programme_id": "workplace"}, ANALYST)

    moved = await p.post("/items/erp/programme", {"programme_id": "data"}, ANALYST)

    assert moved["details"] == {"programme_id": "data", "previous_programme_id": "workplace"}
    workplace = await p.get("/programmes/workplace")
    assert (workplace["sponsor"], workplace["item_ids"]) == ("COO", ["crm"])
    assert (await p.get("/items/erp"))["programme_id"] == "data"
    again = await p.post("/items/erp/programme", {"programme_id": "data"}, ANALYST, 409)
    assert "already in programme data" in again["detail"]
    await p.post("/items/erp/programme", {"programme_id": "nowhere"}, ANALYST, 404)
    await p.post("/programmes", {"programme_id": "data", "name": "Again", "description": "d",
                                 "sponsor": "CDO"}, ANALYST, 422)  # fmt: skip
