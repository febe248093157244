"""Qualification applies governance rules kept as data, and reports every failure at once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from pmo_demand.domain import (
    BUSINESS_CASE_COMPLETE,
    INVESTMENT_COMMITTEE_THRESHOLD,
    BusinessCase,
    DemandQualified,
    DemandState,
    GovernanceRule,
    GovernanceRules,
    QualifyDemand,
    evaluate,
)
from pmo_demand.domain.rules import DEFAULT_EXCHANGE_RATES, DEFAULT_RULES
from pmo_kernel.errors import GovernanceRuleFailed
from pmo_kernel.money import Money
from tests.demand.unit import ANALYST, NOW, RULES, business_case, content, submitted


def qualified_event(rules: GovernanceRules = RULES, **demand: Any) -> DemandQualified:
    subject = submitted(**demand)
    subject.qualify(QualifyDemand(), rules, ANALYST, NOW)
    (event,) = subject.pending
    assert isinstance(event, DemandQualified)
    return event


def refusal(rules: GovernanceRules = RULES, **demand: Any) -> GovernanceRuleFailed:
    subject = submitted(**demand)
    with pytest.raises(GovernanceRuleFailed) as refused:
        subject.qualify(QualifyDemand(), rules, ANALYST, NOW)
    assert subject.pending == ()
    assert subject.state is DemandState.SUBMITTED
    return refused.value


def failed_rules(error: GovernanceRuleFailed) -> dict[str, str]:
    return {failure["rule"]: failure["reason"] for failure in error.extensions["failed_rules"]}


def costing(amount: str, currency: str = "EUR", **overrides: Any) -> BusinessCase:
    return business_case(estimated_cost=Money.of(amount, currency), **overrides)


def test_a_cost_exactly_at_the_threshold_does_not_need_the_investment_committee() -> None:
    event = qualified_event(case=costing("250000.00"))

    assert event.requires_investment_committee is False


def test_a_cost_above_the_threshold_with_sponsor_and_benefits_goes_to_the_committee() -> None:
    case = costing("250000.01", benefits_estimate=Money.of("900000", "EUR"))

    event = qualified_event(case=case, sponsor="Chief Operating Officer")

    assert event.requires_investment_committee is True
    assert event.estimated_cost == Money.of("250000.01", "EUR")


def test_expected_benefits_in_words_count_as_a_benefits_estimate() -> None:
    case = costing("400000", expected_benefits="Halves the handling time of tickets.")

    event = qualified_event(case=case, sponsor="COO")

    assert event.requires_investment_committee is True


def test_a_costly_demand_without_sponsor_or_benefits_is_refused_naming_both() -> None:
    error = refusal(case=costing("300000"))

    reasons = failed_rules(error)
    assert list(reasons) == [INVESTMENT_COMMITTEE_THRESHOLD]
    assert "a named sponsor" in reasons[INVESTMENT_COMMITTEE_THRESHOLD]
    assert "a benefits estimate" in reasons[INVESTMENT_COMMITTEE_THRESHOLD]
    assert error.extensions["rule"] == INVESTMENT_COMMITTEE_THRESHOLD
    assert INVESTMENT_COMMITTEE_THRESHOLD in error.detail
    assert error.status == 422


def test_a_costly_demand_with_a_sponsor_but_no_benefits_names_only_the_benefits() -> None:
    error = refusal(case=costing("300000"), sponsor="CFO")

    reason = failed_rules(error)[INVESTMENT_COMMITTEE_THRESHOLD]
    assert "a benefits estimate" in reason
    assert "sponsor" not in reason


def test_an_incomplete_business_case_names_every_missing_part() -> None:
    error = refusal(case=BusinessCase(risks=["Scope creep"]))

    reason = failed_rules(error)[BUSINESS_CASE_COMPLETE]
    for part in ("problem", "objectives", "estimated_cost", "effort_person_days"):
        assert part in reason


def test_a_demand_without_any_business_case_cannot_be_qualified() -> None:
    error = refusal(without_case=True)

    assert list(failed_rules(error)) == [BUSINESS_CASE_COMPLETE]


def test_every_failed_rule_is_reported_at_once() -> None:
    error = refusal(case=costing("500000", problem=None))

    assert list(failed_rules(error)) == [BUSINESS_CASE_COMPLETE, INVESTMENT_COMMITTEE_THRESHOLD]
    assert BUSINESS_CASE_COMPLETE in error.detail
    assert INVESTMENT_COMMITTEE_THRESHOLD in error.detail


@pytest.mark.parametrize(
    ("cost", "requires_committee"),
    [
        (Money.of("270000", "USD"), False),  # 248,400 EUR at 0.92
        (Money.of("220000", "GBP"), True),  # 257,400 EUR at 1.17
        (Money.of("240000", "CHF"), True),  # 252,000 EUR at 1.05
    ],
)
def test_a_cost_in_another_currency_is_converted_before_the_comparison(
    cost: Money, requires_committee: bool
) -> None:
    case = business_case(estimated_cost=cost, expected_benefits="Faster service")

    event = qualified_event(case=case, sponsor="COO")

    assert event.requires_investment_committee is requires_committee
    assert event.estimated_cost == cost  # the event keeps the currency the requester used


def test_a_cost_in_a_currency_without_exchange_rate_is_refused() -> None:
    error = refusal(case=costing("1000", "JPY"))

    reason = failed_rules(error)[INVESTMENT_COMMITTEE_THRESHOLD]
    assert "no exchange rate from JPY to EUR" in reason


def test_the_qualification_records_the_rules_it_applied() -> None:
    rules = GovernanceRules(version="2026.1")

    event = qualified_event(rules)

    assert event.rules_version == "2026.1"
    assert event.rules_evaluated == [BUSINESS_CASE_COMPLETE, INVESTMENT_COMMITTEE_THRESHOLD]


def test_a_disabled_rule_is_neither_applied_nor_recorded() -> None:
    rules = GovernanceRules(
        rules=(DEFAULT_RULES[0].model_copy(update={"enabled": False}), DEFAULT_RULES[1])
    )

    event = qualified_event(rules, without_case=True)

    assert event.rules_evaluated == [INVESTMENT_COMMITTEE_THRESHOLD]
    assert event.business_case_version is None
    assert event.estimated_cost is None


def test_a_configured_threshold_replaces_the_default() -> None:
    rules = GovernanceRules(
        investment_committee_threshold=Money.of("100000", "USD"),
        exchange_rates={"USD": Decimal(1), "EUR": Decimal("1.08")},
    )

    evaluation = evaluate(rules, content(sponsor="COO"), costing("95000", expected_benefits="x"))

    assert evaluation.passed
    assert evaluation.requires_investment_committee is True  # 102,600 USD


def test_the_rules_reject_an_exchange_table_made_for_another_currency() -> None:
    with pytest.raises(ValidationError, match="threshold currency USD"):
        GovernanceRules(
            investment_committee_threshold=Money.of("100000", "USD"),
            exchange_rates=DEFAULT_EXCHANGE_RATES,
        )


@pytest.mark.parametrize(
    "rates",
    [{"EUR": Decimal(1), "USD": Decimal(0)}, {"EUR": Decimal(1), "XYZ": Decimal(1)}],
    ids=["zero rate", "unknown currency"],
)
def test_the_rules_reject_a_meaningless_exchange_rate(rates: dict[str, Decimal]) -> None:
    with pytest.raises(ValidationError):
        GovernanceRules(exchange_rates=rates)


def test_the_rules_reject_a_rule_listed_twice() -> None:
    with pytest.raises(ValidationError, match="unique"):
        GovernanceRules(rules=(DEFAULT_RULES[0], DEFAULT_RULES[0]))


def test_the_rules_reject_an_unknown_rule_id() -> None:
    with pytest.raises(ValidationError):
        GovernanceRule.model_validate({"id": "gut-feeling", "description": "?"})


def test_the_rules_can_be_loaded_from_plain_configuration_data() -> None:
    rules = GovernanceRules.model_validate(
        {
            "version": "7",
            "investment_committee_threshold": {"amount": "500000", "currency": "eur"},
            "exchange_rates": {"usd": "0.9"},
        }
    )

    assert rules.exchange_rates == {"USD": Decimal("0.9")}
    assert rules.convert(Money.of("1000", "USD")) == Money.of("900.00", "EUR")


def test_every_default_rule_has_a_stable_id_and_a_description() -> None:
    assert [rule.id for rule in RULES.rules] == [
        BUSINESS_CASE_COMPLETE,
        INVESTMENT_COMMITTEE_THRESHOLD,
    ]
    assert all(rule.description for rule in RULES.rules)
