"""A routing rule as data: the condition it tests on an item's facts, the body it names at a
gate, and the record of a rule that applied to a decision.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, model_validator

from pmo_kernel.money import Money
from pmo_portfolio.domain.governance.gates import GateCode
from pmo_portfolio.domain.governance.values import Description, RuleId, ShortText
from pmo_portfolio.domain.governance.vocabulary import BUILT_IN_RULES, BodyKind, RiskLevel

ConditionField = Literal[
    "estimated_cost", "category", "department", "risk_level", "requires_investment_committee"
]
ConditionOp = Literal["gt", "gte", "lt", "lte", "eq", "in"]

ORDERED_OPS = frozenset({"gt", "gte", "lt", "lte"})
OPS_BY_FIELD: dict[str, tuple[str, ...]] = {
    "estimated_cost": ("gt", "gte", "lt", "lte", "eq"),
    "category": ("eq", "in"),
    "department": ("eq", "in"),
    "risk_level": ("gt", "gte", "lt", "lte", "eq", "in"),
    "requires_investment_committee": ("eq",),
}
OP_SYMBOLS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "=", "in": "in"}


def money_in_words(money: Money) -> str:
    """EUR 300,000.00: the currency first, as people read thresholds."""
    return f"{money.currency} {money.amount:,.2f}"


class Condition(BaseModel):
    """One test on an item's facts, e.g. estimated_cost gt EUR 250,000 or category eq regulatory.

    Values: Money for estimated_cost; a string (eq) or a list of strings (in) for category,
    department and risk_level (low < medium < high < critical); true or false for
    requires_investment_committee.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: ConditionField
    op: ConditionOp
    value: Money | bool | str | tuple[str, ...]

    @model_validator(mode="after")
    def _value_fits_field(self) -> Self:
        allowed = OPS_BY_FIELD[self.field]
        if self.op not in allowed:
            raise ValueError(
                f"condition on {self.field}: op {self.op} is not supported "
                f"(use {', '.join(allowed)})"
            )
        value = self.value
        match self.field:
            case "estimated_cost":
                if not isinstance(value, Money):
                    raise ValueError(
                        "condition on estimated_cost: the value must be money, e.g. "
                        '{"amount": "250000", "currency": "EUR"}'
                    )
                if value.amount < 0:
                    raise ValueError(f"condition on estimated_cost: {value} is negative")
            case "requires_investment_committee":
                if not isinstance(value, bool):
                    raise ValueError(
                        "condition on requires_investment_committee: "
                        "the value must be true or false"
                    )
            case _:
                self._check_words(value)
        return self

    def _check_words(self, value: object) -> None:
        words: tuple[str, ...]
        if self.op == "in":
            if not isinstance(value, tuple) or not value:
                raise ValueError(f"condition on {self.field}: op in needs a non-empty list")
            words = value
        elif isinstance(value, str) and value.strip():
            words = (value,)
        else:
            raise ValueError(f"condition on {self.field}: op {self.op} needs a non-empty string")
        if any(not word.strip() for word in words):
            raise ValueError(f"condition on {self.field}: blank value in {list(words)}")
        if self.field == "risk_level":
            known = [level.value for level in RiskLevel]
            unknown = [word for word in words if word not in known]
            if unknown:
                raise ValueError(
                    f"condition on risk_level: {', '.join(unknown)} is not a risk level "
                    f"({', '.join(known)})"
                )

    def describe(self) -> str:
        value = self.value
        if isinstance(value, Money):
            shown = money_in_words(value)
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        elif isinstance(value, tuple):
            shown = "(" + ", ".join(value) + ")"
        else:
            shown = value
        return f"{self.field.replace('_', ' ')} {OP_SYMBOLS[self.op]} {shown}"


class RoutingRule(BaseModel):
    """When `condition` holds for an item, only a body of `body_kind` may approve it at `gate`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: RuleId
    description: Description
    condition: Condition
    gate: GateCode
    body_kind: BodyKind
    mode: Literal["must_approve"] = "must_approve"

    @model_validator(mode="after")
    def _not_built_in(self) -> Self:
        if self.id in BUILT_IN_RULES:
            raise ValueError(f"rule id {self.id} is reserved for a built-in governance rule")
        return self


class AppliedRule(BaseModel):
    """A routing rule that applied to a decision, and why: part of the decision's frozen inputs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: RuleId
    description: Description
    gate: GateCode
    body_kind: BodyKind
    mode: Literal["must_approve"] = "must_approve"
    reason: Description  # e.g. "estimated cost EUR 300,000.00 > EUR 250,000.00"


class ItemFacts(BaseModel):
    """What routing rules look at on an item; frozen into each decision."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    estimated_cost: Money | None = None
    category: ShortText
    department: ShortText
    risk_level: RiskLevel | None = None
    requires_investment_committee: bool = False


__all__ = [
    "OPS_BY_FIELD",
    "AppliedRule",
    "Condition",
    "ItemFacts",
    "RoutingRule",
    "money_in_words",
]
