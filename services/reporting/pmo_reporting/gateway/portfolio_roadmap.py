"""The roadmap, derived on the read side from the planned items and the open budget envelopes.

It mirrors services/portfolio/pmo_portfolio/domain/planning/roadmap.py on read-model rows (the
portfolio publishes plans and envelopes, not roadmaps). For every calendar year:
    committed      = Σ cost_per_year[year] over the approved, planned items
    over_committed = the year has an open envelope and committed > envelope
    over_by        = committed − envelope when over-committed, else 0
    remaining      = envelope − committed when not over-committed, else 0
    unfunded       = the year has no open envelope but commits money
Quarters list the items starting, running (neither starting nor ending) and ending in them.

Where the service refuses (two open envelopes for a year, mixed currencies), a read model must
still answer: a year's envelope is the sum of its open envelopes (all are listed), and amounts
in another currency than the roadmap's are left out of the sums and their items named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

DEFAULT_CURRENCY = "EUR"
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")

QuarterKey = tuple[int, int]


def quarter_key(text: str) -> QuarterKey | None:
    """(year, quarter) of "2027-Q1"; None when it is not a quarter."""
    found = _QUARTER.match(text.strip().upper())
    return (int(found[1]), int(found[2])) if found else None


def quarter_name(key: QuarterKey) -> str:
    return f"{key[0]}-Q{key[1]}"


def _next(key: QuarterKey) -> QuarterKey:
    year, quarter = key
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


@dataclass(frozen=True)
class QuarterColumn:
    quarter: str
    starting: tuple[str, ...]
    running: tuple[str, ...]
    ending: tuple[str, ...]


@dataclass(frozen=True)
class YearFigures:
    year: int
    currency: str
    envelope: Decimal | None
    envelope_ids: tuple[str, ...]
    committed: Decimal
    remaining: Decimal
    over_committed: bool
    over_by: Decimal
    other_currency_items: tuple[str, ...]  # cost this year in another currency: not counted

    @property
    def unfunded(self) -> bool:
        return self.envelope is None and self.committed > 0


@dataclass(frozen=True)
class Roadmap:
    currency: str
    quarters: list[QuarterColumn]
    years: list[YearFigures]
    items: list[dict[str, Any]] = field(default_factory=list)  # the item rows shown

    @property
    def arbitration_needed(self) -> list[int]:
        return [figures.year for figures in self.years if figures.over_committed]


def build_roadmap(
    items: Iterable[Mapping[str, Any]],
    envelopes: Iterable[Mapping[str, Any]],
    *,
    first: QuarterKey | None = None,
    last: QuarterKey | None = None,
) -> Roadmap:
    """The roadmap of planned item rows against the open envelope rows, within the quarters
    `first`..`last` when given (items active in them; the years they touch)."""
    spans: dict[str, tuple[QuarterKey, QuarterKey]] = {}
    shown: list[dict[str, Any]] = []
    for row in sorted(items, key=lambda r: str(r["id"])):
        start = quarter_key(row.get("planned_start_quarter") or "")
        end = quarter_key(row.get("planned_end_quarter") or "")
        if start is None or end is None or end < start:
            continue  # not (readably) planned: not on the roadmap
        if (first is not None and end < first) or (last is not None and start > last):
            continue
        spans[str(row["id"])] = (start, end)
        shown.append(dict(row))
    open_envelopes = [e for e in envelopes if not e.get("closed")]
    currency = _currency(shown, open_envelopes)
    years = _years(shown, open_envelopes, currency)
    if first is not None:
        years = [y for y in years if y.year >= first[0]]
    if last is not None:
        years = [y for y in years if y.year <= last[0]]
    return Roadmap(currency, _quarters(spans, first, last), years, shown)


def _currency(items: Sequence[Mapping[str, Any]], envelopes: Sequence[Mapping[str, Any]]) -> str:
    """The envelopes' currency, else the one most costs are in."""
    for envelope in envelopes:
        return str(envelope["currency"])
    counts: dict[str, int] = {}
    for row in items:
        for cost in (row.get("cost_per_year") or {}).values():
            counts[cost["currency"]] = counts.get(cost["currency"], 0) + 1
    return max(sorted(counts), key=lambda c: counts[c]) if counts else DEFAULT_CURRENCY


def _quarters(
    spans: Mapping[str, tuple[QuarterKey, QuarterKey]],
    first: QuarterKey | None,
    last: QuarterKey | None,
) -> list[QuarterColumn]:
    if not spans:
        return []
    key = (
        max(first, min(s for s, _ in spans.values()))
        if first
        else min(s for s, _ in spans.values())
    )
    end = max(e for _, e in spans.values())
    end = min(end, last) if last else end
    ordered = sorted(spans.items())
    columns: list[QuarterColumn] = []
    while key <= end:
        columns.append(
            QuarterColumn(
                quarter_name(key),
                starting=tuple(i for i, (s, _) in ordered if s == key),
                running=tuple(i for i, (s, e) in ordered if s < key < e),
                ending=tuple(i for i, (_, e) in ordered if e == key),
            )
        )
        key = _next(key)
    return columns


def _years(
    items: Sequence[Mapping[str, Any]], envelopes: Sequence[Mapping[str, Any]], currency: str
) -> list[YearFigures]:
    by_year: dict[int, list[Mapping[str, Any]]] = {}
    for envelope in envelopes:
        by_year.setdefault(int(envelope["year"]), []).append(envelope)
    committed: dict[int, Decimal] = {}
    elsewhere: dict[int, list[str]] = {}
    for row in items:
        for year_text, cost in (row.get("cost_per_year") or {}).items():
            year = int(year_text)
            if cost["currency"] != currency:
                elsewhere.setdefault(year, []).append(str(row["id"]))
                continue
            committed[year] = committed.get(year, Decimal(0)) + Decimal(str(cost["amount"]))
    figures: list[YearFigures] = []
    for year in sorted(set(by_year) | set(committed) | set(elsewhere)):
        ours = [e for e in by_year.get(year, []) if e["currency"] == currency]
        limit = sum((Decimal(str(e["amount"])) for e in ours), Decimal(0)) if ours else None
        spent = committed.get(year, Decimal(0))
        over = limit is not None and spent > limit
        figures.append(
            YearFigures(
                year=year,
                currency=currency,
                envelope=limit,
                envelope_ids=tuple(sorted(str(e["id"]) for e in ours)),
                committed=spent,
                remaining=limit - spent if limit is not None and not over else Decimal(0),
                over_committed=over,
                over_by=spent - limit if limit is not None and over else Decimal(0),
                other_currency_items=tuple(sorted(elsewhere.get(year, []))),
            )
        )
    return figures
