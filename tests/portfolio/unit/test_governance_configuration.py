"""One investment-committee threshold for both services, and no rate table read in a currency it
was not made for."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pmo_demand.bootstrap import governance_rules
from pmo_kernel.money import Money
from pmo_kernel.settings import Settings
from pmo_portfolio.bootstrap import default_rules
from pmo_portfolio.domain.governance import (
    COST_OVER_250K,
    DEFAULT_EXCHANGE_RATES,
    DEFAULT_ROUTING_RULES,
    ExchangeRatesInAnotherCurrency,
    RoutingRuleSet,
)
from tests.portfolio.unit.governance_helpers import ANALYST


def test_the_first_routing_rules_use_the_threshold_the_demand_service_qualifies_against() -> None:
    settings = Settings(investment_committee_threshold=Decimal("400000"),
                        investment_committee_currency="CHF")  # fmt: skip

    cost_rule = next(rule for rule in default_rules(settings) if rule.id == COST_OVER_250K)

    assert cost_rule.condition.value == Money.of("400000", "CHF")
    assert cost_rule.condition.value == governance_rules(settings).investment_committee_threshold
    assert "CHF 400,000.00" in cost_rule.description


def test_by_default_the_first_routing_rules_are_the_documented_ones() -> None:
    assert default_rules(Settings()) == DEFAULT_ROUTING_RULES


def test_a_new_base_currency_the_kept_rates_lack_is_refused_instead_of_read_one_to_one() -> None:
    rule_set = RoutingRuleSet()

    with pytest.raises(ExchangeRatesInAnotherCurrency) as refused:
        rule_set.publish_version(DEFAULT_ROUTING_RULES, actor_id=ANALYST, base_currency="JPY")

    assert refused.value.status == 422
    assert "no rate for the new base currency JPY" in refused.value.detail
    assert rule_set.pending == ()


def test_a_new_base_currency_gets_the_kept_rates_expressed_in_it() -> None:
    rule_set = RoutingRuleSet()

    published = rule_set.publish_version(
        DEFAULT_ROUTING_RULES, actor_id=ANALYST, base_currency="USD"
    )

    assert published.exchange_rates["USD"] == 1
    assert published.exchange_rates["EUR"] * DEFAULT_EXCHANGE_RATES["USD"] == 1
    eur_cost = published.in_base_currency(Money.of("100", "EUR"))
    assert eur_cost is not None
    assert round(eur_cost, 2) == Decimal("108.70")
