"""The KPI queries through the gateway app, on the portfolio of kpi_fixture.py: each KPI equals
what the test works out from the fixture's facts with its own arithmetic (medians and
percentiles, linear benefit plans, hours × rates), never from the gateway's SQL; the filters
narrow every KPI alike; a bad filter is refused with a code; a caller counts only what they see.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest

from pmo_kernel.settings import Settings
from tests.reporting import kpi_fixture as fx
from tests.reporting.support import error_codes, graphql
from tests.support import bearer

pytestmark = pytest.mark.integration

Headers = dict[str, str]
CENT = Decimal("0.01")


@pytest.fixture
async def seeded(reporting_db: str) -> None:
    await fx.seed(reporting_db)


async def kpi(
    client: httpx.AsyncClient, field: str, selection: str, headers: Headers, **filter: Any
) -> Any:
    query = f"query ($f: KpiFilter) {{ {field}(filter: $f) {selection} }}"
    body = await graphql(client, query, {"f": filter or None}, headers)
    assert "errors" not in body, body
    return body["data"][field]


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks (as a spreadsheet's PERCENTILE)."""
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def cents(value: Decimal | int | str) -> str:
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def tenth(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# -- the demand pipeline ---------------------------------------------------------------------

PIPELINE = """{ period { name } total byState { state count }
  leadTimes { stage demands medianDays p90Days } }"""


def expected_lead_times(lives: list[fx.Life]) -> dict[str, tuple[int, float | None, float | None]]:
    decided = [life for life in lives if life.end in ("accepted", "rejected")]
    stages = {
        "SUBMISSION_TO_QUALIFICATION": [
            life.qualified - life.submitted for life in lives if life.qualified is not None
        ],
        "QUALIFICATION_TO_DECISION": [
            life.decided - life.qualified
            for life in decided
            if life.qualified is not None and life.decided is not None
        ],
        "SUBMISSION_TO_DECISION": [
            life.decided - life.submitted for life in decided if life.decided is not None
        ],
    }
    return {
        stage: (
            len(days),
            round(percentile(days, 0.5), 3) if days else None,
            round(percentile(days, 0.9), 3) if days else None,
        )
        for stage, days in stages.items()
    }


def lead_times(found: dict[str, Any]) -> dict[str, tuple[int, float | None, float | None]]:
    return {
        t["stage"]: (
            t["demands"],
            round(t["medianDays"], 3) if t["medianDays"] is not None else None,
            round(t["p90Days"], 3) if t["p90Days"] is not None else None,
        )
        for t in found["leadTimes"]
    }


def states(found: dict[str, Any]) -> dict[str, int]:
    return {s["state"].lower(): s["count"] for s in found["byState"] if s["count"]}


async def test_the_pipeline_counts_demands_by_state_with_their_lead_times(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    found = await kpi(gateway, "demandPipelineKpi", PIPELINE, analyst_headers)

    assert found["total"] == len(fx.LIVES)
    ends: dict[str, int] = {}
    for life in fx.LIVES:
        ends[life.end] = ends.get(life.end, 0) + 1
    assert states(found) == ends
    assert {s["state"] for s in found["byState"]} == {
        "SUBMITTED", "INFORMATION_REQUESTED", "INFORMATION_PROVIDED", "QUALIFIED", "ACCEPTED",
        "REJECTED", "WITHDRAWN",
    }, "every state, zeros included"  # fmt: skip
    assert lead_times(found) == expected_lead_times(fx.LIVES)


async def test_the_pipeline_of_a_period_counts_the_demands_submitted_in_it(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    found = await kpi(gateway, "demandPipelineKpi", PIPELINE, analyst_headers, period="2026-Q1")

    in_q1 = [life for life in fx.LIVES if life.submitted_at.date() < date(2026, 4, 1)]
    assert found["period"] == {"name": "2026-Q1"}
    assert found["total"] == len(in_q1) == len(fx.LIVES) - 1
    assert lead_times(found) == expected_lead_times(in_q1)
    in_may = await kpi(gateway, "demandPipelineKpi", PIPELINE, analyst_headers, period="2026-05")
    assert states(in_may) == {"rejected": 1}


# -- decisions ------------------------------------------------------------------------------

DECISIONS = "{ total byBodyAndOutcome { bodyId bodyName outcome count } }"
BODY_NAMES = {"IC": "Investment committee", "SC": "SC"}  # SC was never established


def expected_decisions(items: list[fx.ItemFacts], start: date, end: date) -> set[tuple[Any, ...]]:
    counts: dict[tuple[str, str, str], int] = {}
    for facts in items:
        if facts.decision is not None and start <= facts.decision[3].date() < end:
            _, body_id, outcome, _ = facts.decision
            key = (body_id, BODY_NAMES[body_id], outcome)
            counts[key] = counts.get(key, 0) + 1
    return {(*key, count) for key, count in counts.items()}


def decision_rows(found: dict[str, Any]) -> set[tuple[Any, ...]]:
    return {
        (d["bodyId"], d["bodyName"], d["outcome"], d["count"]) for d in found["byBodyAndOutcome"]
    }


async def test_decisions_are_counted_per_body_and_outcome_within_the_period(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    every = await kpi(gateway, "decisionsKpi", DECISIONS, analyst_headers)
    march = await kpi(gateway, "decisionsKpi", DECISIONS, analyst_headers, period="2026-03")

    assert decision_rows(every) == expected_decisions(fx.ITEMS, date.min, date.max)
    assert every["total"] == sum(1 for f in fx.ITEMS if f.decision is not None)
    assert decision_rows(march) == expected_decisions(fx.ITEMS, date(2026, 3, 1), date(2026, 4, 1))
    assert march["total"] == 2


# -- value and cost -------------------------------------------------------------------------

VALUE = """{ currency items figuresHiddenItems cost { amount currency } value { amount }
  byProgramme { key name items cost { amount } value { amount } }
  byObjective { key name items cost { amount } value { amount } } }"""
IN_PLAY = [f for f in fx.ITEMS if f.decision is None or f.decision[2] != "reject"]
DEMAND_IDS = {life.demand_id for life in fx.LIVES}


def monetary_value(item_id: str) -> Decimal:
    return sum(
        (Decimal(target) - Decimal(baseline)
         for item, _, unit, baseline, target, *_ in fx.BENEFITS
         if item == item_id and unit == "EUR"),
        Decimal(0),
    )  # fmt: skip


def groups(found: list[dict[str, Any]]) -> dict[Any, tuple[str, int, str, str]]:
    return {
        g["key"]: (g["name"], g["items"], g["cost"]["amount"], g["value"]["amount"]) for g in found
    }


def expected_groups(items: list[fx.ItemFacts], key: Any) -> dict[Any, tuple[str, int, str, str]]:
    found: dict[Any, tuple[str, int, Decimal, Decimal]] = {}
    for facts in items:
        group, name = key(facts)
        _, count, cost, value = found.get(group, (name, 0, Decimal(0), Decimal(0)))
        found[group] = (
            name,
            count + 1,
            cost + Decimal(facts.cost),
            value + monetary_value(facts.item_id),
        )
    return {g: (n, c, cents(cost), cents(v)) for g, (n, c, cost, v) in found.items()}


def programme_of(facts: fx.ItemFacts) -> tuple[str | None, str]:
    if facts.programme is None:
        return None, "(no programme)"
    return facts.programme, fx.PROGRAMMES[facts.programme]


def objective_of(facts: fx.ItemFacts) -> tuple[str | None, str]:
    if facts.item_id in DEMAND_IDS:
        return fx.OBJECTIVE, fx.OBJECTIVE
    return None, "(no objective)"


async def test_value_and_cost_of_the_items_in_play_by_programme_and_objective(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    found = await kpi(gateway, "portfolioValueKpi", VALUE, analyst_headers)

    assert found["items"] == len(IN_PLAY) == 3
    assert found["figuresHiddenItems"] == 0
    assert found["cost"] == {"amount": cents(sum(Decimal(f.cost) for f in IN_PLAY)),
                             "currency": "EUR"}  # fmt: skip
    assert found["value"]["amount"] == cents(sum(monetary_value(f.item_id) for f in IN_PLAY))
    assert groups(found["byProgramme"]) == expected_groups(IN_PLAY, programme_of)
    assert [g["key"] for g in found["byProgramme"]] == ["PG-2", "PG-1", None], "dearest first"
    assert groups(found["byObjective"]) == expected_groups(IN_PLAY, objective_of)


# -- budget ---------------------------------------------------------------------------------

BUDGET = """{ currency years { year budget { amount } committed { amount } actual { amount }
  remaining { amount } committedPercent } }"""


def weeks_in(first: str, last: str) -> int:
    def monday(week: str) -> date:
        return date.fromisocalendar(int(week[:4]), int(week[6:]), 1)

    return (monday(last) - monday(first)).days // 7 + 1


def expected_actual(year: int) -> Decimal:
    """The confirmed hours on the items committed in `year`, at the day rate (8 h a day)."""
    committed = {f.item_id for f in fx.ITEMS if f.plan and str(year) in f.plan}
    hours_a_day = fx.HOURS_PER_WEEK / 5
    total = Decimal(0)
    for _, _, _, _, project_id, first, last, hours, hard in fx.ALLOCATIONS:
        ended = date.fromisocalendar(int(last[:4]), int(last[6:]), 7) < date.today()
        if hard and project_id in committed and first.startswith(str(year)) and ended:
            total += weeks_in(first, last) * Decimal(hours) / hours_a_day * fx.DAY_RATE
    return total


async def test_budget_committed_and_actual_per_year(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    found = await kpi(gateway, "budgetKpi", BUDGET, analyst_headers)

    assert found["currency"] == "EUR"
    expected = []
    for year, envelope in sorted(fx.ENVELOPES.items()):
        committed = sum(
            (Decimal(f.plan[str(year)]) for f in fx.ITEMS if f.plan and str(year) in f.plan),
            Decimal(0),
        )
        expected.append({
            "year": year,
            "budget": {"amount": cents(envelope)},
            "committed": {"amount": cents(committed)},
            "actual": {"amount": cents(expected_actual(year))},
            "remaining": {"amount": cents(Decimal(envelope) - committed)},
            "committedPercent": tenth(committed * 100 / Decimal(envelope)),
        })  # fmt: skip
    assert found["years"] == expected
    assert expected_actual(2026) > 0, "the fixture spends in 2026"

    one_year = await kpi(gateway, "budgetKpi", BUDGET, analyst_headers, period="2027-Q2")
    assert [y["year"] for y in one_year["years"]] == [2027]


# -- capacity -------------------------------------------------------------------------------

CAPACITY = """{ fromWeek toWeek roles { role people availableHours allocatedHours hardHours
  utilisationPercent } }"""


async def test_capacity_utilisation_by_role_over_the_periods_weeks(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    found = await kpi(gateway, "capacityKpi", CAPACITY, analyst_headers, period="2026-Q3")

    first = "{:04d}-W{:02d}".format(*date(2026, 7, 1).isocalendar()[:2])
    last = "{:04d}-W{:02d}".format(*date(2026, 9, 30).isocalendar()[:2])
    assert (found["fromWeek"], found["toWeek"]) == (first, last)
    period_weeks = weeks_in(first, last)
    expected: dict[str, list[Any]] = {}
    for _, role, _, _, _, start, end, hours, hard in fx.ALLOCATIONS:
        row = expected.setdefault(role, [0, Decimal(0), Decimal(0), Decimal(0)])
        booked = weeks_in(start, end) * Decimal(hours)
        row[0] += 1
        row[1] += period_weeks * fx.HOURS_PER_WEEK
        row[2] += booked
        row[3] += booked if hard else 0
    assert {
        r["role"]: (r["people"], r["availableHours"], r["allocatedHours"], r["hardHours"],
                    r["utilisationPercent"])
        for r in found["roles"]
    } == {
        role: (people, cents(available), cents(allocated), cents(hard),
               tenth(allocated * 100 / available))
        for role, (people, available, allocated, hard) in expected.items()
    }  # fmt: skip


# -- risks and benefits ---------------------------------------------------------------------

RISKS = "{ openRisks risks { id itemId residual { score } inherent { score } } }"
BENEFITS = """{ currency through items target { amount } planned { amount } realised { amount }
  realisedPercentOfPlanned months { month planned { amount } realised { amount } } }"""


def expected_top_risks(item_ids: set[str]) -> list[str]:
    open_ones = [
        (-(answered[0] * answered[1] if answered else p * i), -(p * i), risk_id)
        for item, risk_id, p, i, answered, closed in fx.RISKS
        if item in item_ids and not closed
    ]
    return [risk_id for *_, risk_id in sorted(open_ones)]


async def test_top_risks_are_the_open_risks_of_the_items_in_play_worst_first(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    found = await kpi(gateway, "topRisksKpi", RISKS, analyst_headers)

    expected = expected_top_risks({f.item_id for f in IN_PLAY})
    assert [r["id"] for r in found["risks"]] == expected == ["R3", "R1", "R2"]
    assert found["openRisks"] == len(expected)


def linear_plan(baseline: str, target: str, starts: str, due: str, month: str) -> Decimal:
    def index(text: str) -> int:
        return int(text[:4]) * 12 + int(text[5:7])

    low, high, now = Decimal(baseline), Decimal(target), index(month)
    if now <= index(starts):
        return Decimal(0)
    if now >= index(due[:7]):
        return high - low
    return (high - low) * (now - index(starts)) / (index(due[:7]) - index(starts))


async def test_benefits_realised_against_planned_by_the_periods_last_month(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    found = await kpi(gateway, "benefitsKpi", BENEFITS, analyst_headers, period="2026-Q2")

    through = "2026-06"
    money = [b for b in fx.BENEFITS if b[2] == "EUR"]
    planned = sum((linear_plan(b[3], b[4], b[5], b[6], through).quantize(CENT) for b in money),
                  Decimal(0))  # fmt: skip
    realised = Decimal(0)
    for _, _, _, baseline, _, _, _, reports in money:
        latest = max(p for p in reports if p <= through)
        realised += Decimal(reports[latest]) - Decimal(baseline)
    target = sum((Decimal(b[4]) - Decimal(b[3]) for b in money), Decimal(0))
    assert found["through"] == through
    assert found["items"] == len({b[0] for b in money})
    assert found["target"] == {"amount": cents(target)}
    assert found["planned"] == {"amount": cents(planned)}
    assert found["realised"] == {"amount": cents(realised)}
    assert found["realisedPercentOfPlanned"] == tenth(realised * 100 / planned)
    assert [m["month"] for m in found["months"]] == [f"2026-{m:02d}" for m in range(1, 7)]
    assert found["months"][2]["realised"] == {"amount": cents(200)}, "B1's first report"


# -- filters --------------------------------------------------------------------------------


async def test_a_department_or_a_programme_narrows_every_kpi(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    hr = {"department": "HR"}
    pipeline = await kpi(gateway, "demandPipelineKpi", PIPELINE, analyst_headers, **hr)
    decisions = await kpi(gateway, "decisionsKpi", DECISIONS, analyst_headers, **hr)
    value = await kpi(gateway, "portfolioValueKpi", VALUE, analyst_headers, **hr)
    budget = await kpi(gateway, "budgetKpi", BUDGET, analyst_headers, **hr)

    hr_lives = [life for life in fx.LIVES if life.department == "HR"]
    assert pipeline["total"] == len(hr_lives)
    assert lead_times(pipeline) == expected_lead_times(hr_lives)
    hr_items = [f for f in fx.ITEMS if f.department == "HR"]
    assert decision_rows(decisions) == expected_decisions(hr_items, date.min, date.max)
    assert groups(value["byProgramme"]) == expected_groups(
        [f for f in IN_PLAY if f.department == "HR"], programme_of
    )
    assert [y["committed"]["amount"] for y in budget["years"]] == ["150000.00", "0.00"]
    assert [y["budget"]["amount"] for y in budget["years"]] == ["150000.00", "90000.00"]

    pg1 = {"programme": "PG-1"}
    pipeline = await kpi(gateway, "demandPipelineKpi", PIPELINE, analyst_headers, **pg1)
    risks = await kpi(gateway, "topRisksKpi", RISKS, analyst_headers, **pg1)
    assert states(pipeline) == {"accepted": 1}, "D-1, the demand PG-1's item came from"
    assert [r["id"] for r in risks["risks"]] == expected_top_risks({"D-1"})


@pytest.mark.parametrize(
    ("filter", "argument"),
    [
        ({"period": "2026-Q5"}, "period"),
        ({"period": "last week"}, "period"),
        ({"period": "2026-13"}, "period"),
        ({"department": "  "}, "department"),
        ({"programme": "PG-NOPE"}, "programme"),
    ],
)
async def test_a_bad_filter_is_refused_with_a_code_naming_it(
    filter: dict[str, str],
    argument: str,
    seeded: None,
    gateway: httpx.AsyncClient,
    analyst_headers: Headers,
) -> None:
    for field, selection in (("demandPipelineKpi", "{ total }"), ("budgetKpi", "{ currency }"),
                             ("capacityKpi", "{ fromWeek }")):  # fmt: skip
        query = f"query ($f: KpiFilter) {{ {field}(filter: $f) {selection} }}"
        body = await graphql(gateway, query, {"f": filter}, analyst_headers)
        assert error_codes(body) == ["INVALID_KPI_FILTER"], body
        assert body["errors"][0]["extensions"]["argument"] == argument
        assert not any((body["data"] or {}).values()), "nothing of it answered"


async def test_a_requester_counts_only_their_own_demands_and_items(
    seeded: None, gateway: httpx.AsyncClient, settings: Settings
) -> None:
    alice = bearer(settings, "alice", "requester", department="Finance")
    pipeline = await kpi(gateway, "demandPipelineKpi", PIPELINE, alice)
    value = await kpi(gateway, "portfolioValueKpi", VALUE, alice)
    risks = await kpi(gateway, "topRisksKpi", RISKS, alice)
    capacity = await kpi(gateway, "capacityKpi", CAPACITY, alice, period="2026-Q3")
    budget = await graphql(gateway, "{ budgetKpi { currency } }", headers=alice)

    hers = [life for life in fx.LIVES if life.requester == "alice"]
    assert pipeline["total"] == len(hers)
    assert lead_times(pipeline) == expected_lead_times(hers)
    assert groups(value["byProgramme"]) == expected_groups(
        [f for f in IN_PLAY if f.requester == "alice"], programme_of
    )
    assert [r["id"] for r in risks["risks"]] == expected_top_risks({"D-1"})
    assert capacity["roles"] == [], "she manages nobody"
    assert error_codes(budget) == ["FORBIDDEN"]
    assert budget["data"] == {"budgetKpi": None}
    # A programme she sees nothing of answers as any other: no figures, no error.
    pg2 = await kpi(gateway, "portfolioValueKpi", VALUE, alice, programme="PG-NOPE")
    assert pg2["items"] == 0


async def test_a_line_manager_counts_only_their_people(
    seeded: None, gateway: httpx.AsyncClient, settings: Settings
) -> None:
    nina = bearer(settings, "nina", "requester")
    found = await kpi(gateway, "capacityKpi", CAPACITY, nina, period="2026-Q3")
    assert [(r["role"], r["people"]) for r in found["roles"]] == [("developer", 1)]
    assert found["roles"][0]["allocatedHours"] == cents(2 * 10)
