"""The roadmap: approved, planned items per quarter, and each year's budget against its envelope.

Pure computation, no I/O. For every calendar year:
    committed      = Σ cost_per_year[year] over the planned items
    over_committed = the year has an envelope and committed > envelope
    over_by        = committed − envelope when over-committed, else 0
    remaining      = envelope − committed when not over-committed, else 0
    unfunded       = the year has no envelope but commits money
Years over-committed need arbitration; `arbitration_case` lists the items at stake, dearest first.
All amounts must be in one currency.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from pmo_kernel.errors import DomainError
from pmo_kernel.money import Money
from pmo_portfolio.domain.governance.events import ItemPlanned
from pmo_portfolio.domain.governance.item import PortfolioItem
from pmo_portfolio.domain.governance.quarters import quarter_key
from pmo_portfolio.domain.governance.vocabulary import ItemState
from pmo_portfolio.domain.planning.envelope import BudgetEnvelope

DEFAULT_CURRENCY = "EUR"


@dataclass(frozen=True)
class PlannedItem:
    """An approved item as the roadmap sees it: what `ItemPlanned` carries, and a title."""

    item_id: str
    start_quarter: str
    end_quarter: str
    cost_per_year: Mapping[int, Money] = field(default_factory=dict)
    title: str | None = None

    @classmethod
    def from_event(cls, event: ItemPlanned, title: str | None = None) -> PlannedItem:
        return cls(
            event.item_id, event.start_quarter, event.end_quarter, event.cost_per_year, title
        )

    @classmethod
    def from_item(cls, item: PortfolioItem) -> PlannedItem:
        """The item's plan; refused unless the item is approved and planned."""
        if item.state is not ItemState.APPROVED or item.start_quarter is None:
            raise DomainError(
                f"item {item.id} is not on the roadmap: only approved, planned items are",
                item_id=item.id,
            )
        assert item.end_quarter is not None
        return cls(item.id, item.start_quarter, item.end_quarter, item.cost_per_year, item.title)

    def cost_in(self, year: int, currency: str) -> Money:
        return self.cost_per_year.get(year) or Money.of(0, currency)


@dataclass(frozen=True)
class QuarterColumn:
    """One quarter: the items starting in it, running through it, and ending in it.

    An item starting and ending in the same quarter is in both `starting` and `ending`;
    `running` holds the items active in the quarter that neither start nor end in it.
    """

    quarter: str
    starting: tuple[str, ...]
    running: tuple[str, ...]
    ending: tuple[str, ...]

    @property
    def active(self) -> tuple[str, ...]:
        """Every item on the roadmap in this quarter."""
        return tuple(sorted({*self.starting, *self.running, *self.ending}))


@dataclass(frozen=True)
class YearBudget:
    year: int
    envelope: Money | None
    committed: Money
    remaining: Money
    over_committed: bool
    over_by: Money

    @property
    def unfunded(self) -> bool:
        """Money is committed in a year that has no envelope."""
        return self.envelope is None and self.committed.amount > 0


@dataclass(frozen=True)
class Roadmap:
    quarters: list[QuarterColumn]
    years: list[YearBudget]
    arbitration_needed: list[int]
    items: tuple[PlannedItem, ...] = ()
    currency: str = DEFAULT_CURRENCY

    def year(self, year: int) -> YearBudget:
        for budget in self.years:
            if budget.year == year:
                return budget
        raise DomainError(f"the roadmap has nothing for {year}", year=year)

    @property
    def unfunded_years(self) -> list[int]:
        return [budget.year for budget in self.years if budget.unfunded]


@dataclass(frozen=True)
class ArbitrationItem:
    item_id: str
    title: str | None
    cost: Money


@dataclass(frozen=True)
class ArbitrationCase:
    """What an arbitration board looks at: the year's figures and the items, dearest first."""

    year: int
    envelope: Money
    committed: Money
    over_by: Money
    items: tuple[ArbitrationItem, ...]

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.item_id for item in self.items)


def quarter_name(key: tuple[int, int]) -> str:
    return f"{key[0]}-Q{key[1]}"


def _next(key: tuple[int, int]) -> tuple[int, int]:
    year, quarter = key
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def envelopes_by_year(envelopes: Iterable[BudgetEnvelope]) -> dict[int, Money]:
    """The amount of each year's open envelope; closed ones do not count, two open are refused."""
    by_year: dict[int, Money] = {}
    ids: dict[int, str] = {}
    for envelope in envelopes:
        if envelope.closed:
            continue
        year = envelope.year
        if year in by_year:
            raise DomainError(
                f"{year} has two open budget envelopes: {ids[year]} and {envelope.id}", year=year
            )
        by_year[year], ids[year] = envelope.amount, envelope.id
    return by_year


def build_roadmap(
    items: Iterable[PlannedItem], envelopes: Mapping[int, Money] | None = None
) -> Roadmap:
    """The roadmap of the planned items, against each year's envelope."""
    planned = tuple(sorted(items, key=lambda item: item.item_id))
    budgets = dict(envelopes or {})
    ids = [item.item_id for item in planned]
    twice = sorted({one for one in ids if ids.count(one) > 1})
    if twice:
        raise DomainError(f"items appear more than once on the roadmap: {', '.join(twice)}")
    currency = _currency(planned, budgets)
    spans = {
        item.item_id: (
            quarter_key(item.start_quarter, f"item {item.item_id}"),
            quarter_key(item.end_quarter, f"item {item.item_id}"),
        )
        for item in planned
    }
    for item in planned:
        start, end = spans[item.item_id]
        if end < start:
            raise DomainError(
                f"item {item.item_id} ends in {item.end_quarter}, before it starts in "
                f"{item.start_quarter}",
                item_id=item.item_id,
            )
    years = _years(planned, budgets, currency)
    return Roadmap(
        quarters=_quarters(spans),
        years=years,
        arbitration_needed=[budget.year for budget in years if budget.over_committed],
        items=planned,
        currency=currency,
    )


def arbitration_case(year: int, roadmap: Roadmap) -> ArbitrationCase:
    """The items committing money in an over-committed year, dearest first (then by id)."""
    budget = roadmap.year(year)
    if not budget.over_committed:
        raise DomainError(
            f"{year} is not over-committed: {budget.committed} committed"
            + (f" of {budget.envelope}" if budget.envelope is not None else ", no envelope"),
            year=year,
        )
    assert budget.envelope is not None
    at_stake = [
        ArbitrationItem(item.item_id, item.title, item.cost_per_year[year])
        for item in roadmap.items
        if year in item.cost_per_year and item.cost_per_year[year].amount > 0
    ]
    at_stake.sort(key=lambda item: (-item.cost.amount, item.item_id))
    return ArbitrationCase(year, budget.envelope, budget.committed, budget.over_by, tuple(at_stake))


# -- helpers -------------------------------------------------------------------------------------


def _currency(items: tuple[PlannedItem, ...], envelopes: Mapping[int, Money]) -> str:
    currencies = {money.currency for money in envelopes.values()}
    currencies |= {cost.currency for item in items for cost in item.cost_per_year.values()}
    if len(currencies) > 1:
        raise DomainError(
            f"the roadmap mixes currencies ({', '.join(sorted(currencies))}); give it in one"
        )
    return currencies.pop() if currencies else DEFAULT_CURRENCY


def _quarters(spans: Mapping[str, tuple[tuple[int, int], tuple[int, int]]]) -> list[QuarterColumn]:
    if not spans:
        return []
    first = min(start for start, _ in spans.values())
    last = max(end for _, end in spans.values())
    columns: list[QuarterColumn] = []
    key = first
    while key <= last:
        starting = tuple(i for i, (start, _) in sorted(spans.items()) if start == key)
        ending = tuple(i for i, (_, end) in sorted(spans.items()) if end == key)
        running = tuple(i for i, (start, end) in sorted(spans.items()) if start < key < end)
        columns.append(QuarterColumn(quarter_name(key), starting, running, ending))
        key = _next(key)
    return columns


def _years(
    items: tuple[PlannedItem, ...], envelopes: Mapping[int, Money], currency: str
) -> list[YearBudget]:
    years = set(envelopes) | {year for item in items for year in item.cost_per_year}
    zero = Decimal(0)
    budgets: list[YearBudget] = []
    for year in sorted(years):
        committed = sum((item.cost_in(year, currency).amount for item in items), zero)
        envelope = envelopes.get(year)
        limit = envelope.amount if envelope is not None else None
        over = limit is not None and committed > limit
        budgets.append(
            YearBudget(
                year=year,
                envelope=envelope,
                committed=Money.of(committed, currency),
                remaining=Money.of(
                    limit - committed if limit is not None and not over else zero, currency
                ),
                over_committed=over,
                over_by=Money.of(
                    committed - limit if limit is not None and over else zero, currency
                ),
            )
        )
    return budgets


__all__ = [
    "ArbitrationCase",
    "ArbitrationItem",
    "PlannedItem",
    "QuarterColumn",
    "Roadmap",
    "YearBudget",
    "arbitration_case",
    "build_roadmap",
    "envelopes_by_year",
    "quarter_name",
]
