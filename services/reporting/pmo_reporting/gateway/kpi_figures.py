"""The KPIs counted in memory from read-model rows the caller may see: rows in, plain values
out, no I/O. Each rule is written once elsewhere and only summed here: an item's monetary
benefits (register_types.benefits_realised, on pmo_kernel.benefits), a year's commitment
(portfolio_roadmap.build_roadmap), a person's weekly load (the capacity heatmap, on
pmo_kernel.capacity). The README's KPI table states each definition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pmo_kernel.access import Sight
from pmo_reporting.gateway.capacity_loads import Heatmap
from pmo_reporting.gateway.register_types import benefits_realised

Row = dict[str, Any]
ZERO = Decimal(0)
TENTH = Decimal("0.1")
NO_PROGRAMME = "(no programme)"
NO_OBJECTIVE = "(no objective)"
NO_ROLE = "(no role)"


def portfolio_currency(items: Iterable[Row]) -> str:
    """The currency most of the items' estimated costs are in (ties: alphabetical); EUR."""
    counts: dict[str, int] = {}
    for row in items:
        if row["estimated_cost"] is not None:
            currency = row["estimated_cost_currency"]
            counts[currency] = counts.get(currency, 0) + 1
    return min(counts, key=lambda c: (-counts[c], c)) if counts else "EUR"


# -- value and cost by programme and strategic objective -----------------------------------


@dataclass(frozen=True)
class ValueGroup:
    key: str | None  # the programme's id or the objective; None: items without one
    name: str
    items: int
    figures_hidden_items: int  # seen without figures: counted, their amounts left out
    cost: Decimal
    value: Decimal


def planned_value(item: Row, benefits: Sequence[Row], currency: str) -> Decimal:
    """The item's monetary benefits at their targets (target − baseline), in `currency`."""
    found = benefits_realised(
        {**item, "estimated_cost_currency": currency}, benefits, "0001-01"
    ).planned_benefit
    return Decimal(found) if found is not None else ZERO


def value_groups(
    items: Sequence[Row],
    sights: Mapping[str, Sight],
    values: Mapping[str, Decimal],
    currency: str,
    keys_of: Callable[[Row], Sequence[tuple[str | None, str]]],
) -> list[ValueGroup]:
    """Items grouped by `keys_of` (an item may fall in several groups), largest cost first."""
    members: dict[tuple[str | None, str], list[Row]] = {}
    for row in items:
        for group in keys_of(row):
            members.setdefault(group, []).append(row)
    groups = []
    for (key, name), rows in members.items():
        full = [r for r in rows if sights[r["id"]] is Sight.FULL]
        costs = [
            Decimal(str(r["estimated_cost"])) for r in full
            if r["estimated_cost"] is not None and r["estimated_cost_currency"] == currency
        ]  # fmt: skip
        groups.append(
            ValueGroup(
                key=key,
                name=name,
                items=len(rows),
                figures_hidden_items=len(rows) - len(full),
                cost=sum(costs, ZERO),
                value=sum((values.get(r["id"], ZERO) for r in full), ZERO),
            )
        )
    return sorted(groups, key=lambda g: (-g.cost, g.name))


def by_programme(row: Row) -> list[tuple[str | None, str]]:
    if row["programme_id"] is None:
        return [(None, NO_PROGRAMME)]
    return [(row["programme_id"], row["programme_name"] or row["programme_id"])]


def by_objective(row: Row) -> list[tuple[str | None, str]]:
    objectives = sorted({str(o) for o in row["objectives"]})
    return [(o, o) for o in objectives] or [(None, NO_OBJECTIVE)]


# -- capacity utilisation by role -----------------------------------------------------------


@dataclass(frozen=True)
class RoleUtilisation:
    role: str
    people: int
    available_hours: Decimal
    allocated_hours: Decimal
    hard_hours: Decimal

    @property
    def percent(self) -> Decimal | None:
        if not self.available_hours:
            return None
        return (self.allocated_hours * 100 / self.available_hours).quantize(TENTH)


def utilisation_by_role(heatmap: Heatmap) -> list[RoleUtilisation]:
    """Hours over the heatmap's weeks, a person counted once, in their first listed role (as
    the portfolio's capacity picture counts them)."""
    sums: dict[str, list[Decimal]] = {}
    people: dict[str, int] = {}
    for row in heatmap.rows:
        role = str((row.person.get("roles") or [NO_ROLE])[0])
        cell = sums.setdefault(role, [ZERO, ZERO, ZERO])
        cell[0] += sum(row.available, ZERO)
        cell[1] += sum(row.allocated, ZERO)
        cell[2] += sum(row.hard, ZERO)
        people[role] = people.get(role, 0) + 1
    return [
        RoleUtilisation(role, people[role], available, allocated, hard)
        for role, (available, allocated, hard) in sorted(sums.items())
    ]


# -- benefits realised against planned ------------------------------------------------------


@dataclass(frozen=True)
class BenefitTotals:
    currency: str
    through: str
    items: int  # with a monetary benefit in the currency, seen with figures
    figures_hidden_items: int
    target: Decimal  # every benefit at its target (target − baseline)
    planned: Decimal  # as planned by `through`
    realised: Decimal  # as last reported by `through`
    months: list[tuple[str, Decimal, Decimal | None]]  # (month, planned, realised)


def benefit_totals(
    items: Sequence[Row],
    sights: Mapping[str, Sight],
    benefits: Mapping[str, Sequence[Row]],
    currency: str,
    through: str,
) -> BenefitTotals:
    """The monetary benefits in `currency` of the items seen with figures, summed: month by
    month from the first benefit's start to `through`."""
    target = planned = realised = ZERO
    counted = 0
    planned_by: dict[str, Decimal] = {}
    realised_by: dict[str, Decimal] = {}
    for row in items:
        if sights[row["id"]] is not Sight.FULL:
            continue
        found = benefits_realised(
            {**row, "estimated_cost_currency": currency}, benefits.get(row["id"], []), through
        )
        if not found.counted:
            continue
        counted += 1
        target += Decimal(found.planned_benefit or 0)
        realised += Decimal(found.realised_benefit or 0)
        for month in found.months:
            planned_by[month.month] = planned_by.get(month.month, ZERO) + Decimal(month.planned)
            if month.realised is not None:
                realised_by[month.month] = realised_by.get(month.month, ZERO) + Decimal(
                    month.realised
                )
        if found.months:
            planned += Decimal(found.months[-1].planned)
    hidden = sum(1 for row in items if sights[row["id"]] is not Sight.FULL)
    months = [(m, planned_by[m], realised_by.get(m)) for m in sorted(planned_by)]
    return BenefitTotals(currency, through, counted, hidden, target, planned, realised, months)
