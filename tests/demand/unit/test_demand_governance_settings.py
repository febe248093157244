"""The demand's governance configuration: its version names its content, and a threshold in
another currency gets the default rates in that currency, or is refused when they lack it (never
read one to one)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from pmo_demand.bootstrap import governance_rules
from pmo_demand.domain import GovernanceRules, evaluate
from pmo_kernel.money import Money
from pmo_kernel.settings import Settings
from tests.demand.unit import business_case, content


def test_changing_the_threshold_changes_the_rules_version() -> None:
    before = GovernanceRules()
    after = GovernanceRules(investment_committee_threshold=Money.of("300000", "EUR"))

    assert after.version != before.version


def test_the_same_rules_always_have_the_same_version() -> None:
    assert GovernanceRules().version == GovernanceRules().version
    assert GovernanceRules().version.startswith("sha256:")


def test_changing_an_exchange_rate_changes_the_rules_version() -> None:
    rates = {"EUR": Decimal(1), "USD": Decimal("0.95")}

    assert GovernanceRules(exchange_rates=rates).version != GovernanceRules().version


def test_a_version_given_by_the_operator_is_kept() -> None:
    assert GovernanceRules(version="2026.1").version == "2026.1"


def test_the_service_starts_with_a_threshold_in_us_dollars() -> None:
    settings = Settings(investment_committee_currency="USD")

    rules = governance_rules(settings)

    assert rules.investment_committee_threshold == Money.of("250000", "USD")
    assert rules.exchange_rates["USD"] == 1
    case = business_case(estimated_cost=Money.of("240000", "EUR"), expected_benefits="x")
    # EUR 240,000 is about USD 260,870 at the default rates (USD 0.92 = EUR 1)
    assert evaluate(rules, content(sponsor="COO"), case).requires_investment_committee is True


def test_a_threshold_currency_missing_from_the_default_rates_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="know no JPY"):
        governance_rules(Settings(investment_committee_currency="JPY"))
