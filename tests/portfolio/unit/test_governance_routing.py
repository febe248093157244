"""Routing rules are data, published in versions, and evaluated purely on an item's facts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_kernel.money import Money
from pmo_portfolio.domain.governance import (
    COST_OVER_250K,
    DEFAULT_EXCHANGE_RATES,
    DEFAULT_ROUTING_RULES,
    REGULATORY_TO_STEERING,
    BodyKind,
    Condition,
    ItemFacts,
    RiskLevel,
    RoutingRule,
    RoutingRules,
    RoutingRuleSet,
    RoutingRulesPublished,
)
from tests.portfolio.unit.governance_helpers import ANALYST, NOW, money, saved


def facts(**overrides: Any) -> ItemFacts:
    fields: dict[str, Any] = {
        "estimated_cost": money("120000"),
        "category": "project",
        "department": "IT Operations",
    }
    fields.update(overrides)
    return ItemFacts.model_validate(fields)


def rule(condition: dict[str, Any], *, rule_id: str = "r", gate: str = "G2") -> RoutingRule:
    return RoutingRule.model_validate(
        {
            "id": rule_id,
            "description": "A test rule.",
            "condition": condition,
            "gate": gate,
            "body_kind": "steering_committee",
        }
    )


def holds(condition: dict[str, Any], **item: Any) -> bool | None:
    rules = RoutingRules(version=1, rules=(rule(condition),))
    (evaluation,) = rules.evaluate(facts(**item), "G2")
    return evaluation.applies


def published_once() -> RoutingRuleSet:
    rule_set = RoutingRuleSet()
    rule_set.publish_version(DEFAULT_ROUTING_RULES, actor_id=ANALYST, now=NOW)
    return saved(rule_set)


# -- the rule set --------------------------------------------------------------------------------


def test_the_default_rules_send_costly_items_to_the_investment_committee_and_regulatory_ones_to_steering() -> (  # noqa: E501
    None
):
    by_id = {r.id: r for r in DEFAULT_ROUTING_RULES}

    cost = by_id[COST_OVER_250K]
    assert cost.condition == Condition(field="estimated_cost", op="gt", value=money("250000"))
    assert (cost.gate, cost.body_kind, cost.mode) == (
        "G2",
        BodyKind.INVESTMENT_COMMITTEE,
        "must_approve",
    )
    regulatory = by_id[REGULATORY_TO_STEERING]
    assert regulatory.condition == Condition(field="category", op="eq", value="regulatory")
    assert (regulatory.gate, regulatory.body_kind) == ("G2", BodyKind.STEERING_COMMITTEE)


def test_publishing_records_the_whole_rule_set_as_version_1() -> None:
    rule_set = RoutingRuleSet()

    published = rule_set.publish_version(DEFAULT_ROUTING_RULES, actor_id=ANALYST, now=NOW)

    (event,) = rule_set.pending
    assert isinstance(event, RoutingRulesPublished)
    assert (event.rule_set_id, event.version) == ("default", 1)
    assert [r.id for r in event.rules] == [COST_OVER_250K, REGULATORY_TO_STEERING]
    assert event.base_currency == "EUR"
    assert event.exchange_rates == DEFAULT_EXCHANGE_RATES
    assert rule_set.in_force == published
    assert published.version == 1


def test_each_publication_is_the_next_version_and_old_versions_stay_for_replays() -> None:
    rule_set = published_once()
    stricter = rule(
        {"field": "estimated_cost", "op": "gt", "value": {"amount": "100000", "currency": "EUR"}},
        rule_id="cost-over-100k",
    )

    rule_set.publish_version([stricter], actor_id=ANALYST, now=NOW)

    assert rule_set.in_force.version == 2
    assert [r.id for r in rule_set.in_force.rules] == ["cost-over-100k"]
    assert [r.id for r in rule_set.at_version(1).rules] == [COST_OVER_250K, REGULATORY_TO_STEERING]
    assert rule_set.in_force.exchange_rates == DEFAULT_EXCHANGE_RATES  # kept from version 1


def test_an_unknown_version_is_refused_listing_the_published_ones() -> None:
    with pytest.raises(DomainError, match=r"no version 7 \(published: 1\)"):
        published_once().at_version(7)


def test_no_rules_are_in_force_before_the_first_publication() -> None:
    with pytest.raises(InvalidTransition, match="no version has been published yet"):
        _ = RoutingRuleSet().in_force


def test_publishing_the_same_rules_again_is_refused() -> None:
    rule_set = published_once()

    with pytest.raises(DomainError, match="identical to version 1; nothing to publish"):
        rule_set.publish_version(reversed(DEFAULT_ROUTING_RULES), actor_id=ANALYST)


def test_changing_only_the_exchange_rates_is_a_new_version() -> None:
    rule_set = published_once()
    rates = {**DEFAULT_EXCHANGE_RATES, "USD": Decimal("0.95")}

    published = rule_set.publish_version(
        DEFAULT_ROUTING_RULES, exchange_rates=rates, actor_id=ANALYST
    )

    assert published.version == 2
    assert published.exchange_rates["USD"] == Decimal("0.95")


def test_rule_ids_must_be_unique_within_a_version() -> None:
    twice = [DEFAULT_ROUTING_RULES[0], DEFAULT_ROUTING_RULES[0]]

    with pytest.raises(DomainError) as refused:
        RoutingRuleSet().publish_version(twice, actor_id=ANALYST)

    assert "cost-over-250k appear more than once" in refused.value.detail
    assert refused.value.detail.startswith("routing rules default version 1:")


def test_a_rule_at_a_gate_that_does_not_exist_is_refused() -> None:
    stray = rule({"field": "category", "op": "eq", "value": "x"}, rule_id="stray", gate="G9")

    with pytest.raises(DomainError, match=r"not stage gates: stray \(G9\)"):
        RoutingRuleSet().publish_version([stray], actor_id=ANALYST)


@pytest.mark.parametrize(
    ("rates", "problem"),
    [
        ({"EUR": Decimal(1), "USD": Decimal(0)}, "exchange rate for USD must be positive"),
        ({"EUR": Decimal(1), "XYZ": Decimal(2)}, "unknown currency code 'XYZ'"),
        ({"EUR": Decimal(2)}, "its own rate must be 1"),
    ],
)
def test_an_inconsistent_exchange_rate_table_is_refused(
    rates: dict[str, Decimal], problem: str
) -> None:
    with pytest.raises(DomainError, match=problem):
        RoutingRuleSet().publish_version(
            DEFAULT_ROUTING_RULES, exchange_rates=rates, actor_id=ANALYST
        )


def test_a_rule_cannot_take_the_name_of_a_built_in_rule() -> None:
    with pytest.raises(ValidationError, match="rule id gate-sequence is reserved"):
        rule({"field": "category", "op": "eq", "value": "x"}, rule_id="gate-sequence")


# -- conditions ----------------------------------------------------------------------------------


def test_a_condition_is_read_from_plain_data_as_the_issue_writes_it() -> None:
    cost = Condition.model_validate(
        {"field": "estimated_cost", "op": "gt", "value": {"amount": "250000", "currency": "EUR"}}
    )
    flag = Condition.model_validate(
        {"field": "requires_investment_committee", "op": "eq", "value": True}
    )
    listed = Condition.model_validate({"field": "department", "op": "in", "value": ["HR", "IT"]})

    assert cost.value == Money.of("250000", "EUR")
    assert flag.value is True
    assert listed.value == ("HR", "IT")
    assert cost.describe() == "estimated cost > EUR 250,000.00"


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({"field": "category", "op": "gt", "value": "x"}, "op gt is not supported"),
        ({"field": "estimated_cost", "op": "in", "value": ["1"]}, "op in is not supported"),
        ({"field": "estimated_cost", "op": "gt", "value": "250000"}, "the value must be money"),
        (
            {"field": "estimated_cost", "op": "gt", "value": {"amount": "-1", "currency": "EUR"}},
            "is negative",
        ),
        ({"field": "category", "op": "in", "value": "regulatory"}, "op in needs a non-empty list"),
        ({"field": "category", "op": "in", "value": []}, "op in needs a non-empty list"),
        ({"field": "category", "op": "eq", "value": ["a"]}, "op eq needs a non-empty string"),
        ({"field": "risk_level", "op": "gte", "value": "severe"}, "severe is not a risk level"),
        (
            {"field": "requires_investment_committee", "op": "eq", "value": "yes"},
            "the value must be true or false",
        ),
        ({"field": "colour", "op": "eq", "value": "red"}, "field"),
        ({"field": "category", "op": "like", "value": "r%"}, "op"),
    ],
)
def test_a_malformed_condition_is_refused_saying_why(
    condition: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        Condition.model_validate(condition)


@pytest.mark.parametrize(
    ("op", "amount", "expected"),
    [
        ("gt", "250000.00", False),
        ("gt", "250000.01", True),
        ("gte", "250000.00", True),
        ("gte", "249999.99", False),
        ("lt", "249999.99", True),
        ("lt", "250000.00", False),
        ("lte", "250000.00", True),
        ("lte", "250000.01", False),
        ("eq", "250000", True),
        ("eq", "250000.01", False),
    ],
)
def test_cost_comparisons_hold_exactly_at_their_bounds(
    op: str, amount: str, expected: bool
) -> None:
    threshold = {"amount": "250000", "currency": "EUR"}

    assert (
        holds(
            {"field": "estimated_cost", "op": op, "value": threshold}, estimated_cost=money(amount)
        )
        is expected
    )


def test_a_cost_in_another_currency_is_compared_through_the_rule_sets_exchange_rates() -> None:
    rules = RoutingRules(version=1, rules=DEFAULT_ROUTING_RULES)
    usd = facts(estimated_cost=money("280000", "USD"))  # x 0.92 = EUR 257,600
    gbp = facts(estimated_cost=money("210000", "GBP"))  # x 1.17 = EUR 245,700

    (usd_cost, _) = rules.evaluate(usd, "G2")
    (gbp_cost, _) = rules.evaluate(gbp, "G2")

    assert usd_cost.applies is True
    assert usd_cost.reason == (
        "estimated cost USD 280,000.00 (about EUR 257,600.00) > EUR 250,000.00"
    )
    assert gbp_cost.applies is False
    assert gbp_cost.reason == (
        "estimated cost GBP 210,000.00 (about EUR 245,700.00) is not > EUR 250,000.00"
    )


def test_a_threshold_in_another_currency_converts_both_sides_to_the_base() -> None:
    condition = {
        "field": "estimated_cost",
        "op": "gte",
        "value": {"amount": "100", "currency": "USD"},
    }

    assert holds(condition, estimated_cost=money("92", "EUR")) is True
    assert holds(condition, estimated_cost=money("91.99", "EUR")) is False
    assert holds(condition, estimated_cost=money("100", "CHF")) is True  # EUR 105 >= EUR 92


def test_a_cost_without_exchange_rate_leaves_the_rule_undetermined() -> None:
    rules = RoutingRules(version=3, rules=DEFAULT_ROUTING_RULES)

    (cost, _) = rules.evaluate(facts(estimated_cost=money("5000000", "JPY")), "G2")

    assert cost.applies is None
    assert cost.reason == "routing rules version 3 have no exchange rate from JPY to EUR"


def test_an_item_without_a_cost_leaves_a_cost_rule_undetermined() -> None:
    assert (
        holds(
            {"field": "estimated_cost", "op": "gt", "value": {"amount": "1", "currency": "EUR"}},
            estimated_cost=None,
        )
        is None
    )


@pytest.mark.parametrize(
    ("condition", "item", "expected"),
    [
        (
            {"field": "category", "op": "eq", "value": "regulatory"},
            {"category": "regulatory"},
            True,
        ),
        (
            {"field": "category", "op": "eq", "value": "regulatory"},
            {"category": "Regulatory"},
            False,
        ),
        (
            {"field": "category", "op": "in", "value": ["change", "regulatory"]},
            {"category": "change"},
            True,
        ),
        ({"field": "department", "op": "eq", "value": "Finance"}, {"department": "Finance"}, True),
        (
            {"field": "department", "op": "in", "value": ["HR", "Legal"]},
            {"department": "IT"},
            False,
        ),
        (
            {"field": "risk_level", "op": "gte", "value": "high"},
            {"risk_level": RiskLevel.CRITICAL},
            True,
        ),
        (
            {"field": "risk_level", "op": "gte", "value": "high"},
            {"risk_level": RiskLevel.MEDIUM},
            False,
        ),
        (
            {"field": "risk_level", "op": "lt", "value": "medium"},
            {"risk_level": RiskLevel.LOW},
            True,
        ),
        (
            {"field": "risk_level", "op": "in", "value": ["low", "high"]},
            {"risk_level": RiskLevel.HIGH},
            True,
        ),
        ({"field": "risk_level", "op": "eq", "value": "high"}, {"risk_level": None}, None),
        (
            {"field": "requires_investment_committee", "op": "eq", "value": True},
            {"requires_investment_committee": True},
            True,
        ),
        ({"field": "requires_investment_committee", "op": "eq", "value": True}, {}, False),
        ({"field": "requires_investment_committee", "op": "eq", "value": False}, {}, True),
    ],
)
def test_conditions_on_words_levels_and_flags(
    condition: dict[str, Any], item: dict[str, Any], expected: bool | None
) -> None:
    assert holds(condition, **item) is expected


def test_a_rule_says_in_words_why_it_applies_or_not() -> None:
    rules = RoutingRules(version=1, rules=DEFAULT_ROUTING_RULES)

    evaluations = rules.evaluate(facts(estimated_cost=money("300000"), category="regulatory"), "G2")
    not_applying = rules.evaluate(facts(), "G2")

    assert [(e.rule.id, e.applies, e.reason) for e in evaluations] == [
        (COST_OVER_250K, True, "estimated cost EUR 300,000.00 > EUR 250,000.00"),
        (REGULATORY_TO_STEERING, True, "category is regulatory"),
    ]
    assert [e.reason for e in not_applying] == [
        "estimated cost EUR 120,000.00 is not > EUR 250,000.00",
        "category project is not regulatory",
    ]


def test_rules_only_apply_at_their_own_gate() -> None:
    rules = RoutingRules(version=1, rules=DEFAULT_ROUTING_RULES)
    costly_regulatory = facts(estimated_cost=money("900000"), category="regulatory")

    assert [r.rule_id for r in rules.applicable(costly_regulatory, "G2")] == [
        COST_OVER_250K,
        REGULATORY_TO_STEERING,
    ]
    assert rules.applicable(costly_regulatory, "G3") == ()
    assert rules.evaluate(costly_regulatory, "G1") == ()
