"""The governance package is layered: values at the bottom, events on values, aggregates on
events, the decision policy on top. A module imports only from its own layer or the layers below,
so each layer can be read and changed without the ones above it."""

from __future__ import annotations

import pytest

from tests.test_import_graph import import_graph

PACKAGE = "pmo_portfolio.domain.governance"
LAYERS: dict[str, tuple[str, ...]] = {
    "values": (
        "values",
        "vocabulary",
        "gates",
        "validation",
        "risk",
        "quarters",
        "routing_rule",
        "routing_rules",
        "decision_record",
        "effort",
    ),
    "events": ("events",),
    "aggregates": ("bodies", "item", "meeting", "routing"),
    "policy": ("decisions", "adoption"),
}
ORDER = [*LAYERS, "facade"]  # the package's __init__ re-exports every layer, for the callers
LAYER_OF = {
    PACKAGE: "facade",
    **{f"{PACKAGE}.{module}": layer for layer, modules in LAYERS.items() for module in modules},
}


def governance_imports() -> dict[str, set[str]]:
    """Each governance module's imports of governance modules (the facade among them)."""

    def governed(module: str) -> bool:
        return module == PACKAGE or module.startswith(f"{PACKAGE}.")

    return {
        module: {target for target in targets if governed(target)}
        for module, targets in import_graph().items()
        if governed(module)
    }


def test_every_governance_module_belongs_to_a_layer() -> None:
    assert set(governance_imports()) == set(LAYER_OF)


@pytest.mark.parametrize("module", sorted(set(LAYER_OF) - {PACKAGE}))
def test_a_governance_module_imports_only_its_own_layer_and_those_below(module: str) -> None:
    rank = ORDER.index(LAYER_OF[module])
    upward = sorted(
        f"{target} ({LAYER_OF[target]})"
        for target in governance_imports()[module]
        if ORDER.index(LAYER_OF[target]) > rank
    )
    assert not upward, f"{module} ({LAYER_OF[module]}) imports from above: {upward}"


def test_events_build_on_values_only() -> None:
    below = {module for module, layer in LAYER_OF.items() if layer == "values"}
    assert governance_imports()[f"{PACKAGE}.events"] <= below


def test_the_package_facade_is_not_imported_from_inside_the_package() -> None:
    inward = sorted(m for m, targets in governance_imports().items() if PACKAGE in targets)
    assert not inward, f"governance modules importing the package facade: {inward}"


def test_recording_a_decision_calls_downwards_only() -> None:
    """The item records a decision from the record alone: it never reads the policy back."""
    imports = governance_imports()
    assert f"{PACKAGE}.decisions" not in imports[f"{PACKAGE}.item"]
    assert f"{PACKAGE}.item" in imports[f"{PACKAGE}.decisions"]
