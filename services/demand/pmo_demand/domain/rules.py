"""Governance rules for qualifying a demand, kept as data.

The application layer loads `GovernanceRules` from configuration; the domain only evaluates them.
Each rule has a stable id (clients and audits refer to it) and a human description. Evaluation
never stops at the first failure: the requester should learn everything to fix in one go.
"""

from __future__ import annotations

import hashlib
import json
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pmo_demand.domain.model import BusinessCase, DemandContent
from pmo_kernel.money import ISO_4217, Money, rates_in

BUSINESS_CASE_COMPLETE = "business-case-complete"
INVESTMENT_COMMITTEE_THRESHOLD = "investment-committee-threshold"

RuleId = Literal["business-case-complete", "investment-committee-threshold"]


class GovernanceRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: RuleId
    description: str = Field(min_length=1)
    enabled: bool = True


DEFAULT_RULES: tuple[GovernanceRule, ...] = (
    GovernanceRule(
        id=BUSINESS_CASE_COMPLETE,
        description=(
            "A demand is qualified only on a complete business case: a problem statement, "
            "at least one objective, an estimated cost and an effort estimate."
        ),
    ),
    GovernanceRule(
        id=INVESTMENT_COMMITTEE_THRESHOLD,
        description=(
            "A demand whose estimated cost is above the investment-committee threshold needs a "
            "named sponsor and a benefits estimate, and goes to the investment committee."
        ),
    ),
)

# Indicative rates into EUR, only so a fresh installation works: real deployments configure them.
# A threshold in another currency gets them re-expressed in it (`rates_in`).
DEFAULT_EXCHANGE_RATES: dict[str, Decimal] = {
    "EUR": Decimal("1"),
    "USD": Decimal("0.92"),
    "GBP": Decimal("1.17"),
    "CHF": Decimal("1.05"),
}

_CENT = Decimal("0.01")


class GovernanceRules(BaseModel):
    """The rule set in force. `version` is recorded with each qualification for the audit: unless
    given, it is derived from the content (rules, threshold, rates), so any change to them is a
    new version and the same content is always the same version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(default="", max_length=50)
    rules: tuple[GovernanceRule, ...] = DEFAULT_RULES
    investment_committee_threshold: Money = Money.of("250000", "EUR")
    # Units of the threshold currency for one unit of the keyed currency.
    exchange_rates: dict[str, Decimal] = Field(default_factory=lambda: dict(DEFAULT_EXCHANGE_RATES))

    @model_validator(mode="before")
    @classmethod
    def _default_rates_in_the_threshold_currency(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "exchange_rates" in data:
            return data
        threshold = data.get("investment_committee_threshold")
        if isinstance(threshold, dict):
            threshold = Money.model_validate(threshold)
        base = threshold.currency if isinstance(threshold, Money) else "EUR"
        return {**data, "exchange_rates": rates_in(base, DEFAULT_EXCHANGE_RATES)}

    @field_validator("exchange_rates")
    @classmethod
    def _known_positive_rates(cls, rates: dict[str, Decimal]) -> dict[str, Decimal]:
        normalised: dict[str, Decimal] = {}
        for code, rate in rates.items():
            upper = code.upper()
            if upper not in ISO_4217:
                raise ValueError(f"unknown currency code {code!r} in exchange rates")
            if rate <= 0:
                raise ValueError(f"exchange rate for {upper} must be positive, got {rate}")
            normalised[upper] = rate
        return normalised

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [rule.id for rule in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError(f"governance rule ids must be unique, got {ids}")
        # A table made for another base currency would silently misjudge every demand.
        base = self.investment_committee_threshold.currency
        if self.exchange_rates.get(base, Decimal(1)) != 1:
            raise ValueError(
                f"exchange rates must be expressed in the threshold currency {base} "
                f"(its own rate must be 1, got {self.exchange_rates[base]})"
            )
        if not self.version:
            object.__setattr__(self, "version", self.content_digest())
        return self

    def content_digest(self) -> str:
        """What identifies the rules' content: the same content, the same digest."""
        content = self.model_dump(mode="json", exclude={"version"})
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        return f"sha256:{digest[:16]}"

    @property
    def enabled(self) -> tuple[GovernanceRule, ...]:
        return tuple(rule for rule in self.rules if rule.enabled)

    def convert(self, money: Money) -> Money | None:
        """`money` in the threshold currency, or None when no rate is configured for it."""
        base = self.investment_committee_threshold.currency
        if money.currency == base:
            return money
        rate = self.exchange_rates.get(money.currency)
        if rate is None:
            return None
        amount = (money.amount * rate).quantize(_CENT, rounding=ROUND_HALF_EVEN)
        return Money(amount=amount, currency=base)


class RuleFailure(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    description: str
    reason: str


class Evaluation(BaseModel):
    """The outcome of every enabled rule, for one demand at one business-case version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules_version: str
    evaluated: tuple[str, ...]
    failures: tuple[RuleFailure, ...]
    requires_investment_committee: bool

    @property
    def passed(self) -> bool:
        return not self.failures


def evaluate(
    rules: GovernanceRules, content: DemandContent, business_case: BusinessCase | None
) -> Evaluation:
    case = business_case or BusinessCase()
    failures: list[RuleFailure] = []
    requires_committee = False
    for rule in rules.enabled:
        match rule.id:
            case "business-case-complete":
                reason = _incomplete_business_case(case)
            case "investment-committee-threshold":
                reason, requires_committee = _committee_threshold(rules, content, case)
        if reason is not None:
            failures.append(RuleFailure(rule=rule.id, description=rule.description, reason=reason))
    return Evaluation(
        rules_version=rules.version,
        evaluated=tuple(rule.id for rule in rules.enabled),
        failures=tuple(failures),
        requires_investment_committee=requires_committee,
    )


def _incomplete_business_case(case: BusinessCase) -> str | None:
    missing = case.missing_for_completeness()
    if not missing:
        return None
    return "the business case lacks " + ", ".join(missing)


def _committee_threshold(
    rules: GovernanceRules, content: DemandContent, case: BusinessCase
) -> tuple[str | None, bool]:
    """(failure reason or None, whether the investment committee must decide)."""
    if case.estimated_cost is None:
        # Nothing to compare: the completeness rule is the one that reports a missing cost.
        return None, False
    threshold = rules.investment_committee_threshold
    cost = rules.convert(case.estimated_cost)
    if cost is None:
        return (
            f"no exchange rate from {case.estimated_cost.currency} to {threshold.currency} "
            "is configured, so the estimated cost cannot be compared with the threshold"
        ), False
    if not cost.exceeds(threshold):
        return None, False
    lacking = []
    if content.sponsor is None:
        lacking.append("a named sponsor")
    if not case.has_benefits_estimate:
        lacking.append("a benefits estimate")
    if not lacking:
        return None, True
    shown = str(case.estimated_cost)
    if cost.currency != case.estimated_cost.currency:
        shown += f" ({cost})"
    return (
        f"the estimated cost {shown} is above the investment-committee threshold {threshold}, "
        f"which requires {' and '.join(lacking)}"
    ), True
