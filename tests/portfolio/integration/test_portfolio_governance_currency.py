"""Routing rules republished in another base currency are refused, with a typed problem, when
the rates they keep cannot be expressed in it: never read one to one."""

from __future__ import annotations

from pmo_portfolio.domain.governance import DEFAULT_ROUTING_RULES
from tests.portfolio.integration.support import ANALYST, Portfolio

RULES = [rule.model_dump(mode="json") for rule in DEFAULT_ROUTING_RULES]


async def test_a_base_currency_the_kept_rates_lack_is_answered_422_and_nothing_is_published(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    response = await p.client.post(
        "/routing-rules/versions", json={"rules": RULES, "base_currency": "JPY"},
        headers={**p.as_(*ANALYST), "If-Match": '"1"'},
    )  # fmt: skip

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "exchange_rates_in_another_currency"
    assert (await p.get("/routing-rules"))["version"] == 1


async def test_a_base_currency_the_kept_rates_know_gets_them_expressed_in_it(
    portfolio: Portfolio,
) -> None:
    p = portfolio
    await p.post("/routing-rules/versions", {"rules": RULES, "base_currency": "USD"},
                 ANALYST, 201, if_match=1)  # fmt: skip

    in_force = (await p.get("/routing-rules"))["in_force"]
    assert in_force["base_currency"] == "USD"
    assert in_force["exchange_rates"]["USD"] == "1"
