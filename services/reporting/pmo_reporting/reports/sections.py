"""The sections a report can hold: each gathers its data from the read models (JSON values
only, in a stable order: they are stored with the edition), and says how it is drawn: a
Vega-Lite chart (or none), a table and a one-line summary, all pure functions of the data.

A new section (delivery health, top risks, EVM curves, benefits) is one more `Section` in
`SECTIONS` and, to appear by default, a key in an audience's `DEFAULT_SECTIONS`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pmo_kernel.capacity import month_of, weeks_of_month
from pmo_kernel.errors import PmoError
from pmo_kernel.scoring import portfolio_max_cost
from pmo_reporting.gateway.portfolio_readmodel import FINAL_STATES
from pmo_reporting.gateway.portfolio_roadmap import build_roadmap
from pmo_reporting.gateway.portfolio_scoring import consolidate, estimated_cost, tradeoff_point
from pmo_reporting.reports.definitions import ReportAudience, ReportDefinition
from pmo_reporting.reports.sources import Row, Sources

Data = dict[str, Any]
Spec = dict[str, Any]
NO_PROGRAMME = "No programme"
NO_OBJECTIVE = "No objective"
HEATMAP_MONTHS = 6
ROADMAP_QUARTERS = 4


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[list[str]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    gather: Callable[[Sources, ReportDefinition, datetime], Awaitable[Data]]
    chart: Callable[[Data], Spec | None]
    table: Callable[[Data], Table]
    summary: Callable[[Data], str]


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def _money(text: str | None, currency: str = "") -> str:
    if text is None:
        return "–"
    return f"{Decimal(text):,.2f} {currency}".strip()


def _in_scope(definition: ReportDefinition, row: Mapping[str, Any]) -> bool:
    return definition.programme_id is None or row.get("programme_id") == definition.programme_id


# -- trade-off: value × risk × cost of the scored open items ---------------------------------


async def _tradeoff(sources: Sources, definition: ReportDefinition) -> Data:
    """The points of the scoring model version most items are scored with (ties: model id)."""
    read_model = sources.portfolio
    items = {r["id"]: r for r in await read_model.open_items() if _in_scope(definition, r)}
    best: tuple[int, str, int, dict[str, list[Row]], Row] | None = None
    for model in sorted(await read_model.models(), key=lambda m: str(m["id"])):
        number = model.get("latest_version")
        versions = {v.get("version"): v for v in model.get("versions") or []}
        if number is None or number not in versions:
            continue
        current = await read_model.current_scores(str(model["id"]), int(number))
        count = sum(1 for item_id in current if item_id in items)
        if best is None or count > best[0]:
            best = (count, str(model["id"]), int(number), current, dict(versions[number]))
    if best is None or best[0] == 0:
        return {"model": None, "points": []}
    _, model_id, number, current, version = best
    scored = []
    for item_id in sorted(current):
        if item_id not in items:
            continue
        latest = [score["scores"] for score in current[item_id]]
        consolidated = consolidate(version, latest, item_id)
        if consolidated is not None:
            scored.append((items[item_id], consolidated, estimated_cost(items[item_id])))
    try:
        max_cost = portfolio_max_cost([cost for _, _, cost in scored])
        points = [
            (row, tradeoff_point(version, consolidated, cost, max_cost), cost)
            for row, consolidated, cost in scored
        ]
    except PmoError:  # costs in several currencies: no common cost axis
        return {"model": f"{model_id} v{number}", "points": [], "refused": "one_currency"}
    return {
        "model": f"{model_id} v{number}",
        "points": [
            {
                "id": row["id"],
                "title": row["title"],
                "value": _amount(point.value),
                "risk": _amount(point.risk),
                "cost": _amount(point.cost),
                "estimated_cost": _amount(cost.amount) if cost else None,
                "currency": cost.currency if cost else None,
            }
            for row, point, cost in points
        ],
    }


async def gather_tradeoff(sources: Sources, definition: ReportDefinition, as_of: datetime) -> Data:
    return await _tradeoff(sources, definition)


def tradeoff_chart(data: Data) -> Spec | None:
    points = [p for p in data["points"] if p["value"] is not None and p["risk"] is not None]
    if not points:
        return None
    values = [
        {"item": p["title"], "value": float(p["value"]), "risk": float(p["risk"]),
         "cost": float(p["cost"] or 0)}
        for p in points
    ]  # fmt: skip
    axis = {"scale": {"domain": [0, 10]}}
    return {
        "width": 440, "height": 300,
        "data": {"values": values},
        "layer": [
            {"mark": {"type": "circle", "opacity": 0.6, "color": "#3b6ea5"},
             "encoding": {
                 "x": {"field": "risk", "type": "quantitative", "title": "Risk (0–10)", **axis},
                 "y": {"field": "value", "type": "quantitative", "title": "Value (0–10)", **axis},
                 "size": {"field": "cost", "type": "quantitative", "title": "Cost (0–10)",
                          "scale": {"domain": [0, 10], "range": [30, 1200]}}}},
            {"mark": {"type": "text", "dy": -12, "fontSize": 9},
             "encoding": {"x": {"field": "risk", "type": "quantitative"},
                          "y": {"field": "value", "type": "quantitative"},
                          "text": {"field": "item"}}},
        ],
    }  # fmt: skip


def tradeoff_table(data: Data) -> Table:
    return Table(
        ("Item", "Value", "Risk", "Cost (0–10)", "Estimated cost"),
        [
            [p["title"], p["value"] or "–", p["risk"] or "–", p["cost"] or "–",
             _money(p["estimated_cost"], p["currency"] or "")]
            for p in data["points"]
        ],
    )  # fmt: skip


def tradeoff_summary(data: Data) -> str:
    if data["model"] is None:
        return "No open item is scored yet."
    return f"{len(data['points'])} scored open items on scoring model {data['model']}."


# -- portfolio summary: value and cost by programme and by objective -------------------------


async def gather_summary(sources: Sources, definition: ReportDefinition, as_of: datetime) -> Data:
    programmes = await sources.portfolio.programmes_by_ids(None)
    names = {pid: str(row["name"]) for pid, row in programmes.items()}
    values = {p["id"]: p["value"] for p in (await _tradeoff(sources, definition))["points"]}
    rows = [
        r for r in await sources.items_with_objectives()
        if _in_scope(definition, r) and r["state"] not in FINAL_STATES
    ]  # fmt: skip
    currencies = sorted({r["estimated_cost_currency"] for r in rows if r["estimated_cost"]})
    currency = currencies[0] if currencies else "EUR"

    def groups(keys_of: Callable[[Row], Sequence[str]]) -> list[Data]:
        found: dict[str, list[Row]] = {}
        for row in rows:
            for key in keys_of(row):
                found.setdefault(key, []).append(row)
        result = []
        for key in sorted(found):
            members = found[key]
            costs = [
                Decimal(str(r["estimated_cost"])) for r in members
                if r["estimated_cost"] is not None and r["estimated_cost_currency"] == currency
            ]  # fmt: skip
            scored = [Decimal(values[r["id"]]) for r in members if values.get(r["id"])]
            result.append({
                "name": key,
                "items": len(members),
                "cost": _amount(sum(costs, Decimal(0))),
                "value": _amount(sum(scored, Decimal(0)) / len(scored)) if scored else None,
            })  # fmt: skip
        return result

    return {
        "currency": currency,
        "items": len(rows),
        "by_programme": groups(
            lambda r: [names.get(r["programme_id"], r["programme_id"]) or NO_PROGRAMME]
        ),
        "by_objective": groups(lambda r: sorted(set(r["objectives"])) or [NO_OBJECTIVE]),
    }


def summary_chart(data: Data) -> Spec | None:
    values = [
        {"group": g["name"], "by": by, "cost": float(g["cost"])}
        for by, key in (("Programme", "by_programme"), ("Objective", "by_objective"))
        for g in data[key]
    ]
    if not values:
        return None
    return {
        "data": {"values": values},
        "facet": {"row": {"field": "by", "type": "nominal", "title": None}},
        "resolve": {"scale": {"y": "independent"}},
        "spec": {
            "width": 380,
            "mark": {"type": "bar", "color": "#3b6ea5"},
            "encoding": {
                "y": {"field": "group", "type": "nominal", "title": None, "sort": None},
                "x": {"field": "cost", "type": "quantitative",
                      "title": f"Estimated cost ({data['currency']})"},
            },
        },
    }  # fmt: skip


def summary_table(data: Data) -> Table:
    rows = [
        [by, g["name"], str(g["items"]), _money(g["cost"], data["currency"]), g["value"] or "–"]
        for by, key in (("Programme", "by_programme"), ("Objective", "by_objective"))
        for g in data[key]
    ]
    return Table(("By", "Group", "Items", "Estimated cost", "Mean value (0–10)"), rows)


def summary_text(data: Data) -> str:
    total = sum((Decimal(g["cost"]) for g in data["by_programme"]), Decimal(0))
    return (
        f"{data['items']} items in play, {_money(_amount(total), data['currency'])} estimated, "
        f"in {len(data['by_programme'])} programme groups. An item with several objectives "
        f"counts under each."
    )


# -- roadmap by quarter, and budget vs committed per year -------------------------------------


async def _roadmap(sources: Sources, definition: ReportDefinition, *, window: bool) -> Any:
    items = [r for r in await sources.portfolio.planned_items() if _in_scope(definition, r)]
    envelopes = await sources.portfolio.envelopes(open_only=True)
    if not window:
        return build_roadmap(items, envelopes)
    first = definition.period.first_quarter
    last = first
    for _ in range(ROADMAP_QUARTERS - 1):
        last = (last[0] + 1, 1) if last[1] == 4 else (last[0], last[1] + 1)
    return build_roadmap(items, envelopes, first=first, last=last)


async def gather_roadmap(sources: Sources, definition: ReportDefinition, as_of: datetime) -> Data:
    roadmap = await _roadmap(sources, definition, window=True)
    return {
        "quarters": [column.quarter for column in roadmap.quarters],
        "items": [
            {"id": row["id"], "title": row["title"],
             "start": row["planned_start_quarter"], "end": row["planned_end_quarter"]}
            for row in roadmap.items
        ],
    }  # fmt: skip


def _quarter_start(text: str) -> str:
    year, quarter = text.split("-Q")
    return f"{year}-{3 * int(quarter) - 2:02d}-01"


def _quarter_end(text: str) -> str:
    year, quarter = int(text[:4]), int(text[6])
    return f"{year + 1}-01-01" if quarter == 4 else f"{year}-{3 * quarter + 1:02d}-01"


def roadmap_chart(data: Data) -> Spec | None:
    if not data["items"]:
        return None
    values = [
        {"item": i["title"], "start": _quarter_start(i["start"]), "end": _quarter_end(i["end"])}
        for i in data["items"]
    ]
    return {
        "width": 440,
        "data": {"values": values},
        "mark": {"type": "bar", "color": "#5b8f4e", "cornerRadius": 2},
        "encoding": {
            "y": {"field": "item", "type": "nominal", "title": None, "sort": None},
            "x": {"field": "start", "type": "temporal", "title": "Quarter",
                  "scale": {"type": "utc"}, "axis": {"format": "%Y-Q%q", "tickCount": "month"}},
            "x2": {"field": "end"},
        },
    }  # fmt: skip


def roadmap_table(data: Data) -> Table:
    return Table(
        ("Item", "Start", "End"), [[i["title"], i["start"], i["end"]] for i in data["items"]]
    )


def roadmap_summary(data: Data) -> str:
    if not data["quarters"]:
        return "No approved item is planned in these quarters."
    return (
        f"{len(data['items'])} planned items active from {data['quarters'][0]} "
        f"to {data['quarters'][-1]}."
    )


async def gather_budget(sources: Sources, definition: ReportDefinition, as_of: datetime) -> Data:
    roadmap = await _roadmap(sources, definition, window=False)
    return {
        "currency": roadmap.currency,
        "years": [
            {"year": y.year, "envelope": _amount(y.envelope), "committed": _amount(y.committed),
             "over_by": _amount(y.over_by), "unfunded": y.unfunded}
            for y in roadmap.years
        ],
    }  # fmt: skip


def budget_chart(data: Data) -> Spec | None:
    values = [
        {"year": str(y["year"]), "measure": measure, "amount": float(y[key])}
        for y in data["years"]
        for measure, key in (("Envelope", "envelope"), ("Committed", "committed"))
        if y[key] is not None
    ]
    if not values:
        return None
    return {
        "width": 360, "height": 220,
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": "Year"},
            "xOffset": {"field": "measure", "sort": ["Envelope", "Committed"]},
            "y": {"field": "amount", "type": "quantitative", "title": data["currency"]},
            "color": {"field": "measure", "type": "nominal", "title": None,
                      "sort": ["Envelope", "Committed"],
                      "scale": {"range": ["#9db4cf", "#c0504d"]}},
        },
    }  # fmt: skip


def budget_table(data: Data) -> Table:
    currency = data["currency"]
    return Table(
        ("Year", "Envelope", "Committed", "Over by", "Note"),
        [
            [str(y["year"]), _money(y["envelope"], currency), _money(y["committed"], currency),
             _money(y["over_by"], currency),
             "unfunded" if y["unfunded"] else ("over-committed" if Decimal(y["over_by"]) else "")]
            for y in data["years"]
        ],
    )  # fmt: skip


def budget_summary(data: Data) -> str:
    over = [str(y["year"]) for y in data["years"] if Decimal(y["over_by"])]
    if not data["years"]:
        return "No envelope is open and no money is committed."
    return "Over-committed: " + ", ".join(over) + "." if over else "Every year within envelope."


# -- capacity heatmap: utilisation by role and month -----------------------------------------


async def gather_capacity(sources: Sources, definition: ReportDefinition, as_of: datetime) -> Data:
    months = definition.period.months(HEATMAP_MONTHS)
    heatmap = await sources.heatmap(weeks_of_month(months[0])[0], weeks_of_month(months[-1])[-1])
    sums: dict[tuple[str, str], list[Decimal]] = {}
    for row in heatmap.rows:
        role = (row.person.get("roles") or ["no role"])[0]  # a person counts in their first role
        for week, available, allocated in zip(row.weeks, row.available, row.allocated, strict=True):
            cell = sums.setdefault((role, month_of(week)), [Decimal(0), Decimal(0)])
            cell[0] += available
            cell[1] += allocated
    cells = []
    for (role, month), (available, allocated) in sorted(sums.items()):
        percent = (allocated * 100 / available).quantize(Decimal(1)) if available else None
        cells.append({
            "role": role, "month": month, "available_hours": _amount(available),
            "allocated_hours": _amount(allocated),
            "utilisation": str(percent) if percent is not None else None,
        })  # fmt: skip
    return {"months": months, "cells": cells}


def capacity_chart(data: Data) -> Spec | None:
    values = [
        {"role": c["role"], "month": c["month"], "utilisation": float(c["utilisation"])}
        for c in data["cells"]
        if c["utilisation"] is not None
    ]
    if not values:
        return None
    return {
        "width": 360,
        "data": {"values": values},
        "encoding": {
            "x": {"field": "month", "type": "ordinal", "title": "Month", "sort": data["months"]},
            "y": {"field": "role", "type": "nominal", "title": "Role"},
        },
        "layer": [
            {"mark": "rect",
             "encoding": {"color": {"field": "utilisation", "type": "quantitative",
                                    "title": "Allocated %",
                                    "scale": {"domain": [0, 100, 150], "range":
                                              ["#f7fbff", "#6baed6", "#cb181d"]}}}},
            {"mark": {"type": "text", "fontSize": 10},
             "encoding": {"text": {"field": "utilisation", "type": "quantitative"}}},
        ],
    }  # fmt: skip


def capacity_table(data: Data) -> Table:
    return Table(
        ("Role", "Month", "Available h", "Allocated h", "Allocated %"),
        [
            [c["role"], c["month"], c["available_hours"], c["allocated_hours"],
             c["utilisation"] or "–"]
            for c in data["cells"]
        ],
    )  # fmt: skip


def capacity_summary(data: Data) -> str:
    over = sorted({c["role"] for c in data["cells"] if int(c["utilisation"] or 0) > 100})
    span = f"{data['months'][0]} to {data['months'][-1]}"
    return (
        f"Over-allocated roles, {span}: {', '.join(over)}."
        if over
        else f"No role over 100 % {span}."
    )


# -- decisions of the period, per body and outcome -------------------------------------------


async def gather_decisions(sources: Sources, definition: ReportDefinition, as_of: datetime) -> Data:
    period = definition.period
    end = min(period.end_at, as_of)
    rows = await sources.decisions_between(period.start_at, end)
    if definition.programme_id is not None:
        ours = {r["id"] for r in await sources.items_with_objectives() if _in_scope(definition, r)}
        rows = [r for r in rows if r["item_id"] in ours]
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        counts[(row["body"], row["outcome"])] = counts.get((row["body"], row["outcome"]), 0) + 1
    return {
        "counts": [{"body": b, "outcome": o, "count": n} for (b, o), n in sorted(counts.items())],
        "decisions": [
            {"id": r["decision_id"], "item": r["item_id"], "body": r["body"], "gate": r["gate"],
             "outcome": r["outcome"], "date": r["decided_at"].date().isoformat()}
            for r in rows
        ],
    }  # fmt: skip


def decisions_chart(data: Data) -> Spec | None:
    if not data["counts"]:
        return None
    return {
        "width": 360,
        "data": {"values": data["counts"]},
        "mark": "bar",
        "encoding": {
            "y": {"field": "body", "type": "nominal", "title": None},
            "x": {"field": "count", "type": "quantitative", "title": "Decisions",
                  "axis": {"tickMinStep": 1}},
            "color": {"field": "outcome", "type": "nominal", "title": "Outcome"},
        },
    }  # fmt: skip


def decisions_table(data: Data) -> Table:
    return Table(
        ("Date", "Body", "Item", "Gate", "Outcome"),
        [[d["date"], d["body"], d["item"], d["gate"], d["outcome"]] for d in data["decisions"]],
    )


def decisions_summary(data: Data) -> str:
    total = len(data["decisions"])
    bodies = len({c["body"] for c in data["counts"]})
    return f"{total} decisions by {bodies} bodies in the period." if total else "No decision."


SECTIONS: dict[str, Section] = {
    section.key: section
    for section in (
        Section("portfolio_summary", "Portfolio summary", gather_summary, summary_chart,
                summary_table, summary_text),
        Section("tradeoff", "Value, risk and cost", gather_tradeoff, tradeoff_chart,
                tradeoff_table, tradeoff_summary),
        Section("roadmap", "Roadmap by quarter", gather_roadmap, roadmap_chart, roadmap_table,
                roadmap_summary),
        Section("budget", "Budget envelopes and commitments", gather_budget, budget_chart,
                budget_table, budget_summary),
        Section("capacity", "Capacity by role and month", gather_capacity, capacity_chart,
                capacity_table, capacity_summary),
        Section("decisions", "Decisions of the period", gather_decisions, decisions_chart,
                decisions_table, decisions_summary),
    )
}  # fmt: skip

DEFAULT_SECTIONS: dict[ReportAudience, tuple[str, ...]] = {
    ReportAudience.EXECUTIVE_COMMITTEE: tuple(SECTIONS),
    ReportAudience.SPONSOR: ("portfolio_summary", "roadmap", "budget", "decisions"),
    ReportAudience.PORTFOLIO_REVIEW: ("tradeoff", "portfolio_summary", "roadmap", "capacity",
                                      "decisions"),
}  # fmt: skip
