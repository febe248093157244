"""Stage gates are configuration: an ordered scheme, frozen into each item when it is registered."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pmo_kernel.errors import DomainError, GovernanceRuleFailed
from pmo_portfolio.domain.governance import (
    DEFAULT_GATE_SCHEME,
    GATE_SEQUENCE,
    BodyKind,
    Gate,
    GateScheme,
    ItemState,
    Outcome,
    check_decision,
)
from tests.portfolio.unit.governance_helpers import (
    DEFAULT_RULES,
    EVERY_OUTCOME,
    body,
    candidate,
    decided,
)

LIGHT = GateScheme(
    gates=(
        Gate(code="IDEA", name="idea"),
        Gate(code="READY", name="ready"),
        Gate(code="FUNDED", name="funded"),
        Gate(code="DONE", name="done"),
    ),
    entry_gate="READY",
    planning_gate="FUNDED",
)


def test_the_default_scheme_runs_from_idea_to_closure() -> None:
    assert [(gate.code, gate.name) for gate in DEFAULT_GATE_SCHEME.gates] == [
        ("G0", "idea"),
        ("G1", "qualified"),
        ("G2", "business case approved"),
        ("G3", "go for delivery"),
        ("G4", "closure"),
    ]
    assert DEFAULT_GATE_SCHEME.entry_gate == "G1"
    assert DEFAULT_GATE_SCHEME.planning_gate == "G2"


def test_each_gate_knows_the_next_and_the_last_has_none() -> None:
    assert DEFAULT_GATE_SCHEME.next_after("G1") == "G2"
    assert DEFAULT_GATE_SCHEME.next_after("G4") is None
    assert DEFAULT_GATE_SCHEME.is_last("G4")
    assert DEFAULT_GATE_SCHEME.up_to("G2") == ("G0", "G1", "G2")


def test_an_unknown_gate_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(DomainError) as refused:
        DEFAULT_GATE_SCHEME.position("G9")

    assert "G9 is not a stage gate" in refused.value.detail
    assert "G0 idea, G1 qualified" in refused.value.detail


@pytest.mark.parametrize(
    ("gates", "entry", "planning", "problem"),
    [
        (("A", "A", "B"), "A", "B", "gate codes must be unique"),
        (("A", "B", "C"), "X", "C", "the entry gate X is not one of the gates"),
        (("A", "B", "C"), "A", "Z", "the planning gate Z is not one of the gates"),
        (("A", "B", "C"), "B", "A", "the planning gate A must come after the entry gate B"),
        (("A",), "A", "A", "at least 2 items"),
    ],
)
def test_an_inconsistent_scheme_is_refused_with_its_reason(
    gates: tuple[str, ...], entry: str, planning: str, problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        GateScheme(
            gates=tuple(Gate(code=code, name=code.lower()) for code in gates),
            entry_gate=entry,
            planning_gate=planning,
        )


def test_an_item_registered_under_a_custom_scheme_starts_at_its_entry_gate() -> None:
    item = candidate(gates=LIGHT)

    assert item.current_gate == "READY"
    assert item.passed_gates == ("IDEA", "READY")
    assert item.next_gate == "FUNDED"
    assert item.gate_scheme == LIGHT


def test_an_item_follows_the_scheme_it_was_registered_with() -> None:
    item = candidate(gates=LIGHT)
    board = body(BodyKind.PROJECT_COMMITTEE, rights={"FUNDED": EVERY_OUTCOME}, gates=LIGHT)

    decided(item, board, gate="FUNDED")

    assert item.current_gate == "FUNDED"
    assert item.state is ItemState.APPROVED  # FUNDED is this scheme's planning gate


def test_a_gate_of_another_scheme_is_not_a_gate_of_the_item() -> None:
    item = candidate(gates=LIGHT)
    board = body(BodyKind.PROJECT_COMMITTEE)

    with pytest.raises(GovernanceRuleFailed) as refused:
        check_decision(
            item, board, "G2", Outcome.APPROVE, DEFAULT_RULES, participants=["paul", "petra"]
        )

    assert refused.value.extensions["rule"] == GATE_SEQUENCE
    assert "G2 is not a stage gate of item D-1" in refused.value.detail
