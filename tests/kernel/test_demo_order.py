"""`pmo demo` seeds each service after the services whose demo data its own builds on."""

from __future__ import annotations

from pathlib import Path

from pmo_kernel.plugin import ServicePlugin, demo_order, discover


def plugin(name: str, *after: str) -> ServicePlugin:
    return ServicePlugin(name=name, schema=name, migrations=Path("."), demo_after=after)


def test_a_service_is_seeded_after_those_it_builds_on_whatever_its_start_order() -> None:
    given = [plugin("capacity", "portfolio"), plugin("demand"), plugin("portfolio", "demand")]

    assert [p.name for p in demo_order(given)] == ["demand", "portfolio", "capacity"]


def test_a_service_not_installed_and_a_cycle_do_not_block_the_others() -> None:
    given = [plugin("a", "b"), plugin("b", "a"), plugin("c", "missing")]

    assert [p.name for p in demo_order(given)] == ["c", "a", "b"]


def test_the_installed_capacity_demo_runs_after_the_portfolio_demo() -> None:
    names = [p.name for p in demo_order(discover()) if p.demo_hook() is not None]

    assert names.index("demand") < names.index("portfolio") < names.index("capacity")
