"""Properties of routing: whatever the cost, category and rules, a decision is allowed exactly when
the rules say so, evaluation does not depend on rule order, and a rule stays at its own gate.

The oracles below are written from the issue, not derived from the evaluation code."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_kernel.errors import GovernanceRuleFailed, InvalidTransition
from pmo_kernel.money import Money
from pmo_portfolio.domain.governance import (
    DEFAULT_ROUTING_RULES,
    AppliedRule,
    BodyKind,
    Condition,
    ItemFacts,
    ItemState,
    Outcome,
    RoutingRule,
    RoutingRules,
    check_decision,
)
from tests.portfolio.unit.governance_helpers import (
    EVERY_OUTCOME,
    MEMBERS,
    body,
    candidate,
    committees,
    decided,
)

# The default rule set's exchange rates into EUR, as the defaults state them.
RATES_TO_EUR = {
    "EUR": Decimal(1),
    "USD": Decimal("0.92"),
    "GBP": Decimal("1.17"),
    "CHF": Decimal("1.05"),
}
THRESHOLD_EUR = Decimal(250000)

amounts = st.decimals(
    min_value=0, max_value=Decimal(2_000_000), places=2, allow_nan=False, allow_infinity=False
)
currencies = st.sampled_from(sorted(RATES_TO_EUR))
categories = st.sampled_from(["project", "programme", "change", "regulatory"])
kinds = st.sampled_from(list(BodyKind))
approvals = st.sampled_from([Outcome.APPROVE, Outcome.APPROVE_WITH_CONDITIONS])
other_outcomes = st.sampled_from(
    [Outcome.REJECT, Outcome.DEFER, Outcome.PUT_ON_HOLD, Outcome.CANCEL]
)
gates = st.sampled_from(["G1", "G2", "G3", "G4"])


@st.composite
def conditions(draw: st.DrawFn) -> Condition:
    if draw(st.booleans()):
        op = draw(st.sampled_from(["gt", "gte", "lt", "lte", "eq"]))
        return Condition(field="estimated_cost", op=op, value=Money.of(draw(amounts), "EUR"))
    if draw(st.booleans()):
        return Condition(field="category", op="eq", value=draw(categories))
    listed = draw(st.lists(categories, min_size=1, max_size=3, unique=True))
    return Condition(field="category", op="in", value=tuple(listed))


@st.composite
def rule_lists(draw: st.DrawFn) -> list[RoutingRule]:
    ids = draw(st.lists(st.text("abcdefgh", min_size=1, max_size=4), max_size=6, unique=True))
    return [
        RoutingRule(
            id=rule_id,
            description="A generated rule.",
            condition=draw(conditions()),
            gate=draw(st.sampled_from(["G2", "G3"])),
            body_kind=draw(kinds),
        )
        for rule_id in ids
    ]


def holds(condition: Condition, cost_eur: Decimal, category: str) -> bool:
    """The issue's semantics of a condition, on a cost in EUR."""
    value = condition.value
    if condition.field == "estimated_cost":
        assert isinstance(value, Money)
        threshold = value.amount
        return {
            "gt": cost_eur > threshold,
            "gte": cost_eur >= threshold,
            "lt": cost_eur < threshold,
            "lte": cost_eur <= threshold,
            "eq": cost_eur == threshold,
        }[condition.op]
    if condition.op == "eq":
        return category == value
    assert isinstance(value, tuple)
    return category in value


def outcome_of_check(
    rules: RoutingRules, cost: Money, category: str, kind: BodyKind, outcome: Outcome
) -> tuple[str, tuple[AppliedRule, ...] | list[str]]:
    item = candidate(str(cost.amount), cost.currency, category=category)
    deciding = body(kind, rights={"G2": EVERY_OUTCOME})
    try:
        applied = check_decision(
            item, deciding, "G2", outcome, rules, participants=MEMBERS[kind][:2]
        )
    except GovernanceRuleFailed as refused:
        return "refused", [failure["rule"] for failure in refused.extensions["failed_rules"]]
    return "allowed", applied


@settings(deadline=None)
@given(
    amount=amounts,
    currency=currencies,
    category=categories,
    kind=kinds,
    has_right=st.booleans(),
    outcome=approvals,
)
def test_with_the_default_rules_an_approval_is_allowed_iff_every_applicable_rule_names_the_body(
    amount: Decimal,
    currency: str,
    category: str,
    kind: BodyKind,
    has_right: bool,
    outcome: Outcome,
) -> None:
    item = candidate(str(amount), currency, category=category)
    deciding = body(kind, rights={"G2" if has_right else "G3": EVERY_OUTCOME})
    required = set()
    if amount * RATES_TO_EUR[currency] > THRESHOLD_EUR:
        required.add(BodyKind.INVESTMENT_COMMITTEE)
    if category == "regulatory":
        required.add(BodyKind.STEERING_COMMITTEE)
    expected = has_right and (not required or kind in required)  # joint sign-off
    rules = RoutingRules(version=1, rules=DEFAULT_ROUTING_RULES)

    try:
        applied = check_decision(
            item, deciding, "G2", outcome, rules, participants=MEMBERS[kind][:2]
        )
    except GovernanceRuleFailed:
        allowed = False
    else:
        allowed = True
        assert {rule.body_kind for rule in applied} == required

    assert allowed is expected


@settings(deadline=None)
@given(
    amount=amounts,
    currency=currencies,
    category=categories,
    kind=kinds,
    has_right=st.booleans(),
    outcome=other_outcomes,
)
def test_rejecting_deferring_holding_or_cancelling_only_needs_the_right(
    amount: Decimal,
    currency: str,
    category: str,
    kind: BodyKind,
    has_right: bool,
    outcome: Outcome,
) -> None:
    item = candidate(str(amount), currency, category=category)
    deciding = body(kind, rights={"G2" if has_right else "G3": EVERY_OUTCOME})
    rules = RoutingRules(version=1, rules=DEFAULT_ROUTING_RULES)

    try:
        check_decision(item, deciding, "G2", outcome, rules, participants=MEMBERS[kind][:2])
    except GovernanceRuleFailed:
        allowed = False
    else:
        allowed = True

    assert allowed is has_right


@settings(deadline=None)
@given(
    rules=rule_lists(),
    amount=amounts,
    category=categories,
    kind=kinds,
    outcome=approvals,
)
def test_for_any_rules_an_approval_is_allowed_iff_no_rule_applies_or_one_names_the_body(
    rules: list[RoutingRule], amount: Decimal, category: str, kind: BodyKind, outcome: Outcome
) -> None:
    rule_set = RoutingRules(version=1, rules=tuple(rules))
    applicable = [r for r in rules if r.gate == "G2" and holds(r.condition, amount, category)]

    verdict, detail = outcome_of_check(rule_set, Money.of(amount), category, kind, outcome)

    if not applicable or any(rule.body_kind is kind for rule in applicable):
        assert verdict == "allowed"
        assert isinstance(detail, tuple)
        assert sorted(r.rule_id for r in detail) == sorted(r.id for r in applicable)
    else:
        assert verdict == "refused"
        assert detail == sorted(r.id for r in applicable if r.body_kind is not kind)


@settings(deadline=None)
@given(
    rules=rule_lists(),
    order=st.randoms(use_true_random=False),
    amount=amounts,
    category=categories,
    kind=kinds,
    outcome=st.sampled_from(list(Outcome)),
    gate=gates,
)
def test_evaluation_is_deterministic_and_independent_of_rule_order(
    rules: list[RoutingRule],
    order: random.Random,
    amount: Decimal,
    category: str,
    kind: BodyKind,
    outcome: Outcome,
    gate: str,
) -> None:
    shuffled = list(rules)
    order.shuffle(shuffled)
    as_written = RoutingRules(version=1, rules=tuple(rules))
    reordered = RoutingRules(version=1, rules=tuple(shuffled))
    facts = ItemFacts(estimated_cost=Money.of(amount), category=category, department="IT")

    assert as_written.evaluate(facts, gate) == reordered.evaluate(facts, gate)
    assert as_written.evaluate(facts, gate) == as_written.evaluate(facts, gate)
    assert outcome_of_check(as_written, Money.of(amount), category, kind, outcome) == (
        outcome_of_check(reordered, Money.of(amount), category, kind, outcome)
    )


@settings(deadline=None)
@given(rules=rule_lists(), amount=amounts, category=categories, gate=gates)
def test_a_rule_never_applies_at_a_gate_other_than_its_own(
    rules: list[RoutingRule], amount: Decimal, category: str, gate: str
) -> None:
    rule_set = RoutingRules(version=1, rules=tuple(rules))
    facts = ItemFacts(estimated_cost=Money.of(amount), category=category, department="IT")

    applied = rule_set.applicable(facts, gate)

    assert all(rule.gate == gate for rule in applied)
    expected = {r.id for r in rules if r.gate == gate and holds(r.condition, amount, category)}
    assert {rule.rule_id for rule in applied} == expected


# -- joint sign-off -------------------------------------------------------------------------------

# Conditions that require their body for a EUR 400,000 regulatory item (the JPY one cannot be
# evaluated: the rules have no JPY rate), and some that do not.
HOLDING = [
    Condition(field="category", op="eq", value="regulatory"),
    Condition(field="category", op="in", value=("regulatory", "safety")),
    Condition(field="estimated_cost", op="gt", value=Money.of("250000", "EUR")),
    Condition(field="estimated_cost", op="gte", value=Money.of("400000", "EUR")),
    Condition(field="estimated_cost", op="gt", value=Money.of("1000000", "JPY")),
]
NOT_HOLDING = [
    Condition(field="category", op="eq", value="project"),
    Condition(field="estimated_cost", op="lt", value=Money.of("100000", "EUR")),
]


@st.composite
def joint_sign_offs(draw: st.DrawFn) -> tuple[list[RoutingRule], list[BodyKind], list[bool]]:
    """Rules at G2 requiring distinct bodies (one rule or more each), rules that do not apply,
    the order in which the required bodies approve, and whether each defers before approving."""
    required = draw(st.lists(kinds, min_size=1, max_size=len(BodyKind), unique=True))
    rules: list[RoutingRule] = []
    for kind in required:
        for condition in draw(st.lists(st.sampled_from(HOLDING), min_size=1, max_size=2)):
            rules.append(
                RoutingRule(
                    id=f"r{len(rules)}",
                    description="A rule that applies.",
                    condition=condition,
                    gate="G2",
                    body_kind=kind,
                )
            )
    for kind in draw(st.lists(kinds, max_size=3)):
        gate = draw(st.sampled_from(["G2", "G3"]))
        # At G2 a rule that does not hold; at G3 any rule: neither may require a body at G2.
        condition = draw(st.sampled_from(NOT_HOLDING if gate == "G2" else NOT_HOLDING + HOLDING))
        rules.append(
            RoutingRule(
                id=f"r{len(rules)}",
                description="A rule that does not apply at G2.",
                condition=condition,
                gate=gate,
                body_kind=kind,
            )
        )
    order = draw(st.permutations(required))
    deferrals = draw(st.lists(st.booleans(), min_size=len(order), max_size=len(order)))
    return rules, list(order), deferrals


@settings(deadline=None)
@given(case=joint_sign_offs(), outcome=approvals)
def test_an_item_passes_the_gate_exactly_once_every_required_body_approved_in_any_order(
    case: tuple[list[RoutingRule], list[BodyKind], list[bool]], outcome: Outcome
) -> None:
    rules, order, deferrals = case
    rule_set = RoutingRules(version=1, rules=tuple(rules))
    item = candidate("400000", category="regulatory")
    bodies = committees()
    required = set(order)
    approved: list[BodyKind] = []

    for step, (kind, defer_first) in enumerate(zip(order, deferrals, strict=True)):
        # Never before: every body approved so far leaves the item a candidate at G1 ...
        assert (item.state, item.current_gate) == (ItemState.CANDIDATE, "G1")
        # ... a body no rule requires cannot approve ...
        for other in set(BodyKind) - required:
            try:
                check_decision(item, bodies[other], "G2", outcome, rule_set,
                               participants=MEMBERS[other][:2])  # fmt: skip
            except GovernanceRuleFailed:
                pass
            else:
                raise AssertionError(f"{other} approved though no rule requires it")
        # ... nor can one that approved already, and a deferral keeps the approvals given.
        for already in approved:
            try:
                check_decision(item, bodies[already], "G2", outcome, rule_set,
                               participants=MEMBERS[already][:2])  # fmt: skip
            except InvalidTransition:
                pass
            else:
                raise AssertionError(f"{already} approved twice")
        if defer_first:
            decided(item, bodies[kind], Outcome.DEFER, rules=rule_set, decision_id=f"DEF-{step}")
        taken = decided(item, bodies[kind], outcome, rules=rule_set, decision_id=f"DEC-{step}")
        approved.append(kind)
        assert set(taken.awaiting_approval_from) == required - set(approved)
        assert taken.earlier_approvals == tuple(f"DEC-{n}" for n in range(step))

    # Exactly after the last one: the gate is passed
    assert (item.state, item.current_gate) == (ItemState.APPROVED, "G2")
