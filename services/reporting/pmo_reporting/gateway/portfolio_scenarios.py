"""Scenarios side by side, on the read side: the rule of
services/portfolio/pmo_portfolio/domain/planning/scenario.py's `compare` on `scenarios` rows.

Each scenario shows its value, its selection, its budget used in every year any of them plans
(0 where it uses none) and its capacity used; `only_here` is what no other scenario compared
selects, `added` / `removed` what it selects that the first one does not, and the reverse;
`common` is what every one selects. Scenarios must be distinct and in one currency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

MAX_COMPARED = 10

Row = Mapping[str, Any]


class NotComparable(ValueError):
    """The scenarios cannot be laid side by side (the message says why)."""


@dataclass(frozen=True)
class ComparisonRow:
    scenario: Row
    budget_used: dict[int, Decimal]
    only_here: tuple[str, ...]
    added: tuple[str, ...]  # selected here, not by the first scenario
    removed: tuple[str, ...]  # selected by the first scenario, not here


@dataclass(frozen=True)
class Comparison:
    rows: tuple[ComparisonRow, ...]
    common: tuple[str, ...]
    years: tuple[int, ...]
    currency: str


def selected(scenario: Row) -> list[str]:
    return [str(one) for one in scenario["result"]["selected"]]


def by_year(amounts: Mapping[str, Any] | None) -> dict[int, Decimal]:
    return {int(year): Decimal(str(value)) for year, value in (amounts or {}).items()}


def compare(scenarios: Sequence[Row]) -> Comparison:
    if not scenarios:
        raise NotComparable("there are no scenarios to compare")
    if len(scenarios) > MAX_COMPARED:
        raise NotComparable(f"at most {MAX_COMPARED} scenarios can be compared")
    ids = [str(s["id"]) for s in scenarios]
    twice = sorted({one for one in ids if ids.count(one) > 1})
    if twice:
        raise NotComparable(f"scenarios compared more than once: {', '.join(twice)}")
    currencies = sorted({str(s["inputs"]["currency"]) for s in scenarios})
    if len(currencies) > 1:
        raise NotComparable(
            f"scenarios in different currencies cannot be compared ({', '.join(currencies)})"
        )
    selections = [set(selected(s)) for s in scenarios]
    years = sorted(
        {
            year
            for s in scenarios
            for year in (
                *by_year(s["inputs"].get("budgets")),
                *by_year(s["result"].get("budget_used")),
            )
        }
    )
    rows: list[ComparisonRow] = []
    for index, scenario in enumerate(scenarios):
        others = set().union(*(sel for i, sel in enumerate(selections) if i != index))
        used = by_year(scenario["result"].get("budget_used"))
        mine = selections[index]
        rows.append(
            ComparisonRow(
                scenario=scenario,
                budget_used={year: used.get(year, Decimal(0)) for year in years},
                only_here=tuple(sorted(mine - others)) if len(scenarios) > 1 else (),
                added=tuple(sorted(mine - selections[0])),
                removed=tuple(sorted(selections[0] - mine)),
            )
        )
    return Comparison(
        tuple(rows), tuple(sorted(set.intersection(*selections))), tuple(years), currencies[0]
    )
