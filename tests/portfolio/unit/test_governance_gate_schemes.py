"""The stage-gate scheme is versioned governance configuration, published with the routing rules:
each version records its scheme (the current one is kept when a publication names none), new
items are registered with the scheme in force, and items already registered keep theirs."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from pydantic import ValidationError

from pmo_kernel.errors import DomainError, GovernanceRuleFailed
from pmo_portfolio.application.commands import PublishRoutingRules
from pmo_portfolio.domain.governance import (
    DEFAULT_GATE_SCHEME,
    DEFAULT_ROUTING_RULES,
    GATE_SEQUENCE,
    BodyKind,
    Gate,
    GateScheme,
    GovernanceBody,
    ItemState,
    Outcome,
    PortfolioItem,
    RoutingRules,
    RoutingRuleSet,
    RoutingRulesPublished,
    check_decision,
    registry,
)
from pmo_portfolio.domain.governance.adoption import check_scenario_adoption
from tests.portfolio.unit.governance_helpers import (
    ANALYST,
    EVERY_OUTCOME,
    LATER,
    NOW,
    body,
    candidate,
    decided,
    history,
    saved,
)

# G0 idea, G1 qualified, G2 funded, G3 closed: entry at G1, planned once G2 is passed.
FOUR_GATES = GateScheme(
    gates=(
        Gate(code="G0", name="idea"),
        Gate(code="G1", name="qualified"),
        Gate(code="G2", name="funded"),
        Gate(code="G3", name="closed"),
    ),
    entry_gate="G1",
    planning_gate="G2",
)
RATES = {"EUR": Decimal(1), "USD": Decimal("0.9")}


def published(*versions: GateScheme | None) -> RoutingRuleSet:
    """A stored rule set with one version per scheme given (None: the publication names none)."""
    rule_set = RoutingRuleSet()
    for number, gates in enumerate(versions, start=1):
        rates = {**RATES, "GBP": Decimal(number)}  # each version differs from the last
        rule_set.publish_version(
            DEFAULT_ROUTING_RULES, actor_id=ANALYST, exchange_rates=rates, gates=gates, now=NOW
        )
    return saved(rule_set)


def registered(rule_set: RoutingRuleSet, item_id: str) -> PortfolioItem:
    """A candidate registered as the intake does: with the scheme in force."""
    return candidate(item_id=item_id, gates=rule_set.gate_scheme)


# -- publishing a scheme -------------------------------------------------------------------------


def test_a_publication_with_a_gate_scheme_records_it_in_the_event_and_the_version() -> None:
    rule_set = RoutingRuleSet()

    version = rule_set.publish_version(
        DEFAULT_ROUTING_RULES, actor_id=ANALYST, gates=FOUR_GATES, now=NOW
    )

    (event,) = rule_set.pending
    assert isinstance(event, RoutingRulesPublished)
    assert event.gates == FOUR_GATES
    assert version.gates == FOUR_GATES
    assert rule_set.in_force.gates == FOUR_GATES
    assert rule_set.gate_scheme == FOUR_GATES


def test_before_any_publication_new_items_get_the_default_scheme() -> None:
    rule_set = RoutingRuleSet()

    assert rule_set.current is None
    assert rule_set.gate_scheme == DEFAULT_GATE_SCHEME


def test_a_first_publication_without_a_scheme_uses_the_default_one() -> None:
    rule_set = published(None)

    assert rule_set.in_force.gates == DEFAULT_GATE_SCHEME


def test_a_publication_without_a_scheme_keeps_the_scheme_in_force() -> None:
    rule_set = published(FOUR_GATES)

    rule_set.publish_version(
        DEFAULT_ROUTING_RULES[:1], actor_id=ANALYST, now=LATER
    )  # the rules change, not the gates

    assert rule_set.in_force.version == 2
    assert rule_set.in_force.gates == FOUR_GATES  # not silently back to the default


def test_changing_only_the_gate_scheme_is_a_new_version() -> None:
    rule_set = published(None)

    version = rule_set.publish_version(
        DEFAULT_ROUTING_RULES, actor_id=ANALYST, gates=FOUR_GATES, now=LATER
    )

    assert version.version == 2
    assert rule_set.at_version(1).gates == DEFAULT_GATE_SCHEME
    assert rule_set.at_version(2).gates == FOUR_GATES


def test_publishing_the_same_rules_and_scheme_again_is_refused() -> None:
    rule_set = published(FOUR_GATES)

    with pytest.raises(DomainError, match="identical to version 1"):
        rule_set.publish_version(
            DEFAULT_ROUTING_RULES,
            actor_id=ANALYST,
            exchange_rates=rule_set.in_force.exchange_rates,
            gates=FOUR_GATES,
        )


def test_rules_at_a_gate_the_new_scheme_does_not_have_are_refused() -> None:
    rule_set = published(None)
    at_g4 = DEFAULT_ROUTING_RULES[0].model_copy(update={"id": "closure-by-ic", "gate": "G4"})

    with pytest.raises(DomainError) as refused:
        rule_set.publish_version(
            [*DEFAULT_ROUTING_RULES, at_g4], actor_id=ANALYST, gates=FOUR_GATES
        )

    assert "closure-by-ic (G4)" in refused.value.detail
    assert "G0 idea, G1 qualified, G2 funded, G3 closed" in refused.value.detail
    assert rule_set.in_force.version == 1


def test_a_version_whose_rules_name_gates_outside_its_scheme_cannot_be_built() -> None:
    at_g4 = DEFAULT_ROUTING_RULES[0].model_copy(update={"gate": "G4"})

    with pytest.raises(ValidationError, match=r"not stage gates: cost-over-250k \(G4\)"):
        RoutingRules(version=1, rules=(at_g4,), gates=FOUR_GATES)


# -- stored and read back ------------------------------------------------------------------------


def test_a_rule_set_rebuilt_from_its_history_keeps_each_versions_scheme() -> None:
    live = RoutingRuleSet()
    live.publish_version(DEFAULT_ROUTING_RULES, actor_id=ANALYST, now=NOW)
    live.publish_version(DEFAULT_ROUTING_RULES, actor_id=ANALYST, gates=FOUR_GATES, now=LATER)

    rebuilt = RoutingRuleSet.load(live.id, history(live, live.pending))

    assert [rebuilt.at_version(n).gates for n in (1, 2)] == [DEFAULT_GATE_SCHEME, FOUR_GATES]
    assert rebuilt.gate_scheme == FOUR_GATES


def test_a_publication_stored_before_gate_schemes_reads_back_with_the_default_scheme() -> None:
    rule_set = RoutingRuleSet()
    rule_set.publish_version(DEFAULT_ROUTING_RULES, actor_id=ANALYST, now=NOW)
    payload = rule_set.pending[0].payload()
    del payload["gates"]  # as stored before the field existed
    stored = orjson.dumps(payload).decode()

    trusted = registry.decode_stored("RoutingRulesPublished", 1, stored)
    validated = registry.decode_json("RoutingRulesPublished", 1, stored)

    assert isinstance(trusted, RoutingRulesPublished)
    assert trusted == validated
    assert trusted.gates == DEFAULT_GATE_SCHEME
    assert "gates" not in trusted.model_fields_set


def test_the_command_reads_a_gate_scheme_from_plain_json() -> None:
    command = PublishRoutingRules.model_validate(
        {
            "rules": [],
            "gates": {
                "gates": [
                    {"code": "G0", "name": "idea"},
                    {"code": "G1", "name": "qualified"},
                    {"code": "G2", "name": "funded"},
                    {"code": "G3", "name": "closed"},
                ],
                "entry_gate": "G1",
                "planning_gate": "G2",
            },
        }
    )

    assert command.gates == FOUR_GATES
    assert PublishRoutingRules(rules=[]).gates is None  # omitted: the scheme in force stays


# -- items keep the scheme they were registered with ---------------------------------------------


def test_an_item_registered_under_v1_keeps_its_gates_when_v2_changes_them() -> None:
    # Given an item registered while the default scheme was in force
    rule_set = published(None)
    older = registered(rule_set, "D-OLD")

    # When version 2 publishes the four-gate scheme, and a new item is registered
    rule_set.publish_version(DEFAULT_ROUTING_RULES, actor_id=ANALYST, gates=FOUR_GATES, now=LATER)
    newer = registered(rule_set, "D-NEW")

    # Then the older item still has five gates up to G4 closure, the new one v2's four
    assert older.scheme == DEFAULT_GATE_SCHEME
    assert older.scheme.name_of("G4") == "closure"
    assert newer.scheme == FOUR_GATES
    assert newer.scheme.is_last("G3")
    assert newer.scheme.name_of("G2") == "funded"


def test_the_older_item_is_still_decided_at_the_gates_of_its_own_scheme() -> None:
    rule_set = published(None)
    older = registered(rule_set, "D-OLD")
    rule_set.publish_version(DEFAULT_ROUTING_RULES, actor_id=ANALYST, gates=FOUR_GATES, now=LATER)
    board = body(
        BodyKind.PROJECT_COMMITTEE, rights=dict.fromkeys(("G2", "G3", "G4"), EVERY_OUTCOME)
    )

    for number in range(1, 4):
        decided(older, board, decision_id=f"DEC-{number}", rules=rule_set.in_force)

    assert older.current_gate == "G4"  # a gate v2 no longer has
    assert older.state is ItemState.CLOSED


def test_a_decision_at_a_gate_the_items_scheme_does_not_know_is_refused_naming_its_gates() -> None:
    rule_set = published(FOUR_GATES)
    item = registered(rule_set, "D-1")
    board = body(BodyKind.PROJECT_COMMITTEE, rights={"G2": EVERY_OUTCOME})

    with pytest.raises(GovernanceRuleFailed) as refused:
        check_decision(
            item, board, "G4", Outcome.APPROVE, rule_set.in_force, participants=["paul", "petra"]
        )

    assert refused.value.extensions["rule"] == GATE_SEQUENCE
    assert (
        "G4 is not a stage gate of item D-1 (gates: G0 idea, G1 qualified, G2 funded, G3 closed)"
        in refused.value.detail
    )


def test_under_the_four_gate_scheme_funding_at_g2_approves_and_g3_closes() -> None:
    rule_set = published(FOUR_GATES)
    item = registered(rule_set, "D-1")
    board = body(BodyKind.PROJECT_COMMITTEE, rights=dict.fromkeys(("G2", "G3"), EVERY_OUTCOME))

    decided(item, board, decision_id="DEC-1", rules=rule_set.in_force)
    assert (item.current_gate, item.state) == ("G2", ItemState.APPROVED)  # the planning gate
    item.plan("2027-Q1", "2027-Q4", {}, actor_id=ANALYST, now=NOW)

    decided(item, board, decision_id="DEC-2", rules=rule_set.in_force)
    assert (item.current_gate, item.state) == ("G3", ItemState.CLOSED)
    assert item.next_gate is None


# -- decision rights and scenario adoption ---------------------------------------------------------


def test_a_right_may_be_granted_at_a_gate_of_the_scheme_in_force_or_an_earlier_one() -> None:
    renamed = GateScheme(
        gates=(*FOUR_GATES.gates[:2], Gate(code="FUND", name="funded")),
        entry_gate="G1",
        planning_gate="FUND",
    )
    rule_set = published(None)  # v1: the default scheme, G0 to G4
    at_fund = [rule.model_copy(update={"gate": "FUND"}) for rule in DEFAULT_ROUTING_RULES]
    rule_set.publish_version(at_fund, actor_id=ANALYST, gates=renamed, now=LATER)  # v2
    committee = GovernanceBody.establish(
        "B-PC", kind=BodyKind.PROJECT_COMMITTEE, name="PC", actor_id=ANALYST, now=NOW
    )

    for gate in ("FUND", "G4"):  # in force; of items registered under v1
        committee.grant_right(
            gate, EVERY_OUTCOME, actor_id=ANALYST, gates=rule_set.scheme_knowing(gate)
        )
    with pytest.raises(DomainError, match=r"G9: it is not a stage gate \(gates: G0 idea"):
        committee.grant_right(
            "G9", EVERY_OUTCOME, actor_id=ANALYST, gates=rule_set.scheme_knowing("G9")
        )

    assert set(committee.rights) == {"FUND", "G4"}
    assert rule_set.scheme_knowing("G9") == renamed  # refusals name the gates in force


def test_adopting_a_scenario_needs_the_right_to_approve_at_the_planning_gate_in_force() -> None:
    funding = body(BodyKind.INVESTMENT_COMMITTEE, rights={"FUND": EVERY_OUTCOME}, gates=GateScheme(
        gates=(*FOUR_GATES.gates[:2], Gate(code="FUND", name="funded")), planning_gate="FUND"
    ))  # fmt: skip

    check_scenario_adoption(funding, "S-1", participants=["irene", "ivan"], funding_gate="FUND")
    with pytest.raises(GovernanceRuleFailed, match="no right to approve at G2, the funding gate"):
        check_scenario_adoption(funding, "S-1", participants=["irene", "ivan"])
