"""Routing rules in force: one published version of the governance configuration (the routing
rules, the exchange rates their money tests use, the stage-gate scheme new items get) and how it
evaluates an item's facts at a gate.

Evaluation is pure and deterministic: the rules of a gate are evaluated in the order of their ids,
whatever order they were published in, and a rule only ever applies at its own gate.

Money is compared in one currency: directly when both sides share it, otherwise through the rule
set's exchange-rate table (units of the base currency for one unit of each currency). A rule whose
condition cannot be evaluated (the item lacks the fact, or a currency has no rate) is reported as
undetermined, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pmo_kernel.errors import DomainError
from pmo_kernel.money import ISO_4217, Money
from pmo_portfolio.domain.governance.gates import DEFAULT_GATE_SCHEME, GateScheme
from pmo_portfolio.domain.governance.routing_rule import (
    AppliedRule,
    Condition,
    ItemFacts,
    RoutingRule,
    money_in_words,
)
from pmo_portfolio.domain.governance.values import VersionNumber
from pmo_portfolio.domain.governance.vocabulary import BodyKind, RiskLevel

COST_OVER_250K = "cost-over-250k"
REGULATORY_TO_STEERING = "regulatory-to-steering"

# Indicative rates into EUR, only so a fresh installation works: real deployments publish theirs.
DEFAULT_EXCHANGE_RATES: dict[str, Decimal] = {
    "EUR": Decimal("1"),
    "USD": Decimal("0.92"),
    "GBP": Decimal("1.17"),
    "CHF": Decimal("1.05"),
}

DEFAULT_INVESTMENT_COMMITTEE_THRESHOLD = Money.of("250000", "EUR")


def default_routing_rules(
    investment_committee_threshold: Money = DEFAULT_INVESTMENT_COMMITTEE_THRESHOLD,
) -> tuple[RoutingRule, ...]:
    """The rules a fresh installation starts with (version 1). The threshold is the one shared
    setting the demand service qualifies against too (INVESTMENT_COMMITTEE_THRESHOLD and
    INVESTMENT_COMMITTEE_CURRENCY), so both start from the same figure. The rule keeps its id
    whatever the figure: clients and audits refer to it."""
    threshold = investment_committee_threshold
    return (
        RoutingRule(
            id=COST_OVER_250K,
            description=(
                f"An item whose estimated cost is above {money_in_words(threshold)} needs the "
                "investment committee's approval to pass G2."
            ),
            condition=Condition(field="estimated_cost", op="gt", value=threshold),
            gate="G2",
            body_kind=BodyKind.INVESTMENT_COMMITTEE,
        ),
        RoutingRule(
            id=REGULATORY_TO_STEERING,
            description="A regulatory item needs the steering committee's approval to pass G2.",
            condition=Condition(field="category", op="eq", value="regulatory"),
            gate="G2",
            body_kind=BodyKind.STEERING_COMMITTEE,
        ),
    )


DEFAULT_ROUTING_RULES = default_routing_rules()

_CENT = Decimal("0.01")


class ExchangeRatesInAnotherCurrency(DomainError):
    """A rate table without its base currency was made for another one: read as if it were in
    the base currency, it would compare, say, euros 1:1 with yen."""

    code = "exchange_rates_in_another_currency"


@dataclass(frozen=True)
class RuleEvaluation:
    """One rule against one item's facts: applies (True), does not (False) or cannot tell (None)."""

    rule: RoutingRule
    applies: bool | None
    reason: str  # in words: "estimated cost EUR 300,000.00 > EUR 250,000.00"

    def applied(self) -> AppliedRule:
        return AppliedRule(
            rule_id=self.rule.id,
            description=self.rule.description,
            gate=self.rule.gate,
            body_kind=self.rule.body_kind,
            mode=self.rule.mode,
            reason=self.reason,
        )


class RoutingRules(BaseModel):
    """One published version of the governance configuration: the routing rules, the exchange
    rates their money tests use, and the stage-gate scheme new items are registered with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: VersionNumber
    rules: tuple[RoutingRule, ...] = ()
    base_currency: str = Field(default="EUR", min_length=3, max_length=3)
    exchange_rates: dict[str, Decimal] = Field(default_factory=lambda: dict(DEFAULT_EXCHANGE_RATES))
    gates: GateScheme = DEFAULT_GATE_SCHEME

    @field_validator("base_currency")
    @classmethod
    def _known_base(cls, value: str) -> str:
        code = value.upper()
        if code not in ISO_4217:
            raise ValueError(f"unknown base currency {value!r} (ISO 4217 expected)")
        return code

    @field_validator("exchange_rates")
    @classmethod
    def _known_positive_rates(cls, rates: dict[str, Decimal]) -> dict[str, Decimal]:
        return normalised_rates(rates)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problem = rule_set_problem(self.rules, self.base_currency, self.exchange_rates, self.gates)
        if problem is not None:
            raise ValueError(problem)
        return self

    def for_gate(self, gate: str) -> tuple[RoutingRule, ...]:
        """The rules of `gate`, by id: the order they were published in does not matter."""
        return tuple(sorted((rule for rule in self.rules if rule.gate == gate), key=by_id))

    def evaluate(self, facts: ItemFacts, gate: str) -> tuple[RuleEvaluation, ...]:
        """Every rule of `gate` against `facts`, by rule id."""
        return tuple(self._evaluate(rule, facts) for rule in self.for_gate(gate))

    def applicable(self, facts: ItemFacts, gate: str) -> tuple[AppliedRule, ...]:
        """The rules of `gate` whose condition holds for `facts`, by rule id."""
        return tuple(e.applied() for e in self.evaluate(facts, gate) if e.applies is True)

    def rate(self, currency: str) -> Decimal | None:
        """Units of the base currency for one unit of `currency`; None when none is configured."""
        if currency == self.base_currency:
            return Decimal(1)
        return self.exchange_rates.get(currency)

    def in_base_currency(self, money: Money) -> Decimal | None:
        """The amount of `money` in the base currency, exact; None without a rate for it."""
        rate = self.rate(money.currency)
        return None if rate is None else money.amount * rate

    def _evaluate(self, rule: RoutingRule, facts: ItemFacts) -> RuleEvaluation:
        condition = rule.condition
        match condition.field:
            case "estimated_cost":
                applies, reason = self._cost_test(condition, facts.estimated_cost)
            case "category":
                applies, reason = _word_test(condition, "category", facts.category)
            case "department":
                applies, reason = _word_test(condition, "department", facts.department)
            case "risk_level":
                applies, reason = _risk_test(condition, facts.risk_level)
            case "requires_investment_committee":
                applies, reason = _flag_test(condition, facts.requires_investment_committee)
        return RuleEvaluation(rule=rule, applies=applies, reason=reason)

    def _cost_test(self, condition: Condition, cost: Money | None) -> tuple[bool | None, str]:
        threshold = condition.value
        assert isinstance(threshold, Money)  # guaranteed by Condition's validation
        if cost is None:
            return None, "the item has no estimated cost"
        if cost.currency == threshold.currency:
            left, right = cost.amount, threshold.amount
            shown = money_in_words(cost)
        else:
            cost_rate, threshold_rate = self.rate(cost.currency), self.rate(threshold.currency)
            if cost_rate is None or threshold_rate is None:
                missing = [
                    money.currency
                    for money, rate in ((cost, cost_rate), (threshold, threshold_rate))
                    if rate is None
                ]
                return None, (
                    f"routing rules version {self.version} have no exchange rate from "
                    f"{' or '.join(missing)} to {self.base_currency}"
                )
            # Compared exactly in the base currency; the converted cost is only shown, rounded.
            left, right = cost.amount * cost_rate, threshold.amount * threshold_rate
            converted = (left / threshold_rate).quantize(_CENT, rounding=ROUND_HALF_EVEN)
            shown = f"{money_in_words(cost)} (about {threshold.currency} {converted:,.2f})"
        holds = _compare(left, condition.op, right)
        return holds, _phrase(
            "estimated cost", shown, _symbol(condition.op), money_in_words(threshold), holds
        )


def by_id(rule: RoutingRule) -> str:
    """The order rules are evaluated and published in."""
    return rule.id


def _symbol(op: str) -> str:
    return {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "=", "in": "in"}[op]


def _phrase(subject: str, actual: str, symbol: str, expected: str, holds: bool) -> str:
    return f"{subject} {actual} {symbol if holds else 'is not ' + symbol} {expected}"


def _compare(left: Decimal | int, op: str, right: Decimal | int) -> bool:
    match op:
        case "gt":
            return left > right
        case "gte":
            return left >= right
        case "lt":
            return left < right
        case "lte":
            return left <= right
        case _:  # eq (Condition refuses any other op on ordered values)
            return left == right


def _word_test(condition: Condition, subject: str, actual: str) -> tuple[bool, str]:
    value = condition.value
    if condition.op == "in":
        assert isinstance(value, tuple)
        holds = actual in value
        listed = ", ".join(value)
        return holds, f"{subject} {actual} is {'' if holds else 'not '}one of {listed}"
    assert isinstance(value, str)
    holds = actual == value
    return holds, f"{subject} is {value}" if holds else f"{subject} {actual} is not {value}"


def _risk_test(condition: Condition, level: RiskLevel | None) -> tuple[bool | None, str]:
    if level is None:
        return None, "the item has no risk level"
    value = condition.value
    if condition.op in ("in", "eq"):
        return _word_test(condition, "risk level", level.value)
    assert isinstance(value, str)
    holds = _compare(level.rank, condition.op, RiskLevel(value).rank)
    return holds, _phrase("risk level", level.value, _symbol(condition.op), value, holds)


def _flag_test(condition: Condition, flag: bool) -> tuple[bool, str]:
    holds = flag == condition.value
    if flag:
        return holds, "the demand was qualified as requiring the investment committee"
    return holds, "the demand was not qualified as requiring the investment committee"


def normalised_rates(rates: Mapping[str, Decimal]) -> dict[str, Decimal]:
    normalised: dict[str, Decimal] = {}
    for code, rate in rates.items():
        upper = code.upper()
        if upper not in ISO_4217:
            raise ValueError(f"unknown currency code {code!r} in exchange rates")
        if not rate.is_finite() or rate <= 0:
            raise ValueError(f"exchange rate for {upper} must be positive, got {rate}")
        normalised[upper] = rate
    return dict(sorted(normalised.items()))


def rule_set_problem(
    rules: Iterable[RoutingRule],
    base_currency: str,
    rates: Mapping[str, Decimal],
    gates: GateScheme = DEFAULT_GATE_SCHEME,
) -> str | None:
    """Why these rules cannot form a version, or None."""
    rules = tuple(rules)
    ids = [rule.id for rule in rules]
    repeated = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
    if repeated:
        return f"rule ids must be unique; {', '.join(repeated)} appear more than once"
    if rates.get(base_currency, Decimal(1)) != 1:
        return (
            f"exchange rates must be expressed in the base currency {base_currency} (its own "
            f"rate must be 1, got {rates[base_currency]})"
        )
    unknown = [f"{rule.id} ({rule.gate})" for rule in rules if not gates.knows(rule.gate)]
    if unknown:
        return (
            f"rules name gates that are not stage gates: {', '.join(unknown)} "
            f"(gates: {gates.describe()})"
        )
    return None


__all__ = [
    "COST_OVER_250K",
    "DEFAULT_EXCHANGE_RATES",
    "DEFAULT_INVESTMENT_COMMITTEE_THRESHOLD",
    "DEFAULT_ROUTING_RULES",
    "REGULATORY_TO_STEERING",
    "ExchangeRatesInAnotherCurrency",
    "RoutingRules",
    "RuleEvaluation",
    "by_id",
    "default_routing_rules",
    "normalised_rates",
    "rule_set_problem",
]
