"""Capacity against demand adds up: for random people, calendars, reports, allocations and
requests, every cell of `capacity_vs_demand` and of `unfilled` equals a brute-force count
done week by week with the kernel's single-week rule (`available_hours`, `Booking.hours_in`),
periods found from their own weeks (`weeks_of_month`, `weeks_of_quarter`); and a few cases
spell out how several roles, several skills and a request over several periods count."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_kernel.capacity import (
    CENT,
    Booking,
    Contract,
    Report,
    available_hours,
    week_of,
    weeks_between,
    weeks_of_month,
    weeks_of_quarter,
)
from pmo_reporting.gateway.capacity_demand_grid import (
    GroupBy,
    Period,
    capacity_vs_demand,
    unfilled,
)
from pmo_reporting.gateway.capacity_loads import Row, Unit

YEAR_START = date(2027, 1, 4)  # Monday of 2027-W01
FIRST, LAST = "2027-W03", "2027-W16"  # from mid-January into April: partial periods at ends
ROLES = ("developer", "tester", "architect")
SKILLS = ("Python", "python", "SQL", "spark")  # two spellings of one skill
ZERO = Decimal(0)


def week(n: int) -> str:
    return week_of(YEAR_START + timedelta(weeks=n))


WEEK_NO = st.integers(0, 19)  # 2027-W01..W20: some outside the range
PERSON = st.fixed_dictionaries(
    {
        "roles": st.lists(st.sampled_from(ROLES), max_size=2),
        "skills": st.lists(st.sampled_from(SKILLS), max_size=3),
        "calendar_id": st.sampled_from(["A", "B"]),
        "part_time_percent": st.sampled_from([Decimal(100), Decimal(80)]),
        "last_day": st.none() | st.integers(30, 120).map(lambda d: YEAR_START + timedelta(d)),
        "reports": st.lists(
            st.tuples(WEEK_NO, st.booleans(), st.integers(0, 100)), max_size=4
        ),
        "allocations": st.lists(
            st.tuples(WEEK_NO, st.integers(0, 6), st.integers(1, 40), st.booleans(),
                      st.booleans(), st.booleans()),
            max_size=3,
        ),
    }
)  # fmt: skip
REQUEST = st.tuples(
    st.sampled_from(ROLES), st.lists(st.sampled_from(SKILLS), max_size=2), WEEK_NO,
    st.integers(0, 10), st.integers(1, 40), st.sampled_from(["open", "open", "filled",
    "cancelled"]),
)  # fmt: skip
CALENDARS = {
    "A": {"id": "A", "hours_per_week": Decimal(40), "holidays": ["2027-04-05"]},
    "B": {"id": "B", "hours_per_week": Decimal("32.5"), "holidays": []},
}


def rows_of(people: list[dict[str, Any]], requests: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The read models' rows of generated people and requests."""
    persons, reports, allocations = [], {}, {}
    for n, p in enumerate(people):
        person_id = f"p{n}"
        persons.append(
            {
                "id": person_id,
                "roles": p["roles"],
                "skills": [{"name": s, "level": 3} for s in p["skills"]],
                "calendar_id": p["calendar_id"],
                "part_time_percent": p["part_time_percent"],
                "last_day": p["last_day"],
            }
        )
        reports[person_id] = [
            {
                "week": week(w),
                "available_percent": Decimal(v) if percent else None,
                "absence_hours": None if percent else Decimal(v) / 4,
                "other_duty_hours": None,
            }
            for w, percent, v in {r[0]: r for r in p["reports"]}.values()  # one a week
        ]
        allocations[person_id] = [
            {
                "start_week": week(start),
                "end_week": week(min(start + length, 19)),
                "hours_per_week": None if share else Decimal(amount),
                "percent_of_availability": Decimal(amount) if share else None,
                "kind": "hard" if hard else "soft",
                "released": released,
            }
            for start, length, amount, hard, released, share in p["allocations"]
        ]
    return {
        "people": persons,
        "calendars": CALENDARS,
        "reports": reports,
        "allocations": allocations,
        "requests": [
            {
                "id": f"R-{n}",
                "role": role,
                "skills": [{"name": s, "min_level": 2} for s in skills],
                "start_week": week(start),
                "end_week": week(min(start + length, 19)),
                "hours_per_week": Decimal(hours),
                "status": status,
            }
            for n, (role, skills, start, length, hours, status) in enumerate(requests)
        ],
    }


def weeks_of(period: Period, name: str) -> list[str]:
    """The period's weeks inside the range, from the period's side (not the week's)."""
    if period is Period.WEEK:
        weeks = [name]
    elif period is Period.MONTH:
        weeks = weeks_of_month(name)
    else:
        weeks = weeks_of_quarter(name)
    inside = set(weeks_between(FIRST, LAST))
    return [w for w in weeks if w in inside]


def person_has(person: Row, key: str, by: GroupBy) -> bool:
    if by is GroupBy.ROLE:
        return key in person["roles"]
    return key in {s["name"].casefold() for s in person["skills"]}


def request_has(request: Row, key: str | None, by: GroupBy) -> bool:
    if by is GroupBy.ROLE:
        return bool(request["role"] == key)
    names = {s["name"].casefold() for s in request["skills"]}
    return key in names if key is not None else not names


def brute_cell(
    rows: dict[str, Any], key: str, weeks: list[str], by: GroupBy, unit: Unit
) -> dict[str, Decimal]:
    """available, soft, hard, demand of one cell, in `unit`, week by week."""
    totals = dict.fromkeys(("available", "soft", "hard", "demand"), ZERO)
    for person in rows["people"]:
        if not person_has(person, key, by):
            continue
        calendar = rows["calendars"][person["calendar_id"]]
        full_time = calendar["hours_per_week"]
        divisor = {Unit.HOURS: Decimal(1), Unit.FTE: full_time, Unit.PERSON_DAYS: full_time / 5}
        contract = Contract(
            full_time, frozenset(date.fromisoformat(d) for d in calendar["holidays"]),
            person["part_time_percent"], person["last_day"],
        )  # fmt: skip
        reports = {r["week"]: r for r in rows["reports"][person["id"]]}
        for w in weeks:
            r = reports.get(w)
            report = (
                Report(r["available_percent"], r["absence_hours"], r["other_duty_hours"])
                if r
                else None
            )
            available = available_hours(contract, w, report)
            totals["available"] += available / divisor[unit]
            for a in rows["allocations"][person["id"]]:
                booking = Booking(
                    a["start_week"], a["end_week"], a["hours_per_week"], a["kind"] == "hard",
                    a["percent_of_availability"],
                )  # fmt: skip
                if not a["released"] and booking.covers(w):
                    kind = "hard" if booking.hard else "soft"
                    totals[kind] += booking.hours_in(available) / divisor[unit]
    nominal = {Unit.HOURS: Decimal(1), Unit.FTE: Decimal(40), Unit.PERSON_DAYS: Decimal(8)}
    for request in rows["requests"]:
        if request["status"] == "open" and request_has(request, key, by):
            for w in weeks:
                if request["start_week"] <= w <= request["end_week"]:
                    totals["demand"] += request["hours_per_week"] / nominal[unit]
    if unit is Unit.FTE:
        totals = {k: v / len(weeks) for k, v in totals.items()}
    return {k: v.quantize(CENT) for k, v in totals.items()}


@settings(max_examples=40, deadline=None)
@given(
    people=st.lists(PERSON, max_size=5),
    requests=st.lists(REQUEST, max_size=6),
    by=st.sampled_from(GroupBy),
    period=st.sampled_from(Period),
    unit=st.sampled_from(Unit),
)
def test_every_cell_is_the_brute_force_count_of_its_weeks(
    people: list[dict[str, Any]],
    requests: list[tuple[Any, ...]],
    by: GroupBy,
    period: Period,
    unit: Unit,
) -> None:
    rows = rows_of(people, requests)

    grid = capacity_vs_demand(
        rows["people"], rows["calendars"], rows["reports"], rows["allocations"],
        rows["requests"], FIRST, LAST, by, period, unit,
    )  # fmt: skip

    assert sum(p.weeks for p in grid.periods) == len(list(weeks_between(FIRST, LAST)))
    for p in grid.periods:
        assert p.weeks == len(weeks_of(period, p.name))
    for row in grid.rows:
        assert row.people == sum(person_has(p, row.key, by) for p in rows["people"])
        for cell in row.cells:
            wanted = brute_cell(rows, row.key, weeks_of(period, cell.period), by, unit)
            # The brute force rounds the sum once; the grid too: equal to the cent.
            assert (cell.available, cell.soft, cell.hard, cell.open_demand) == (
                wanted["available"], wanted["soft"], wanted["hard"], wanted["demand"],
            ), (row.key, cell.period)  # fmt: skip
            assert cell.allocated == cell.soft + cell.hard
            assert cell.gap == cell.available - cell.allocated - cell.open_demand
            hours = brute_cell(rows, row.key, weeks_of(period, cell.period), by, Unit.HOURS)
            assert cell.short == (
                hours["available"] - hours["soft"] - hours["hard"] - hours["demand"] < 0
            )
    # Every key of a person or of an open request in range has its row.
    keys = {k for p in rows["people"] for k in (p["roles"] if by is GroupBy.ROLE else
            [s["name"].casefold() for s in p["skills"]])}  # fmt: skip
    for r in rows["requests"]:
        if r["status"] == "open" and r["start_week"] <= LAST and r["end_week"] >= FIRST:
            keys |= (
                {r["role"]} if by is GroupBy.ROLE else {s["name"].casefold() for s in r["skills"]}
            )
    assert [row.key for row in grid.rows] == sorted(keys)


@settings(max_examples=40, deadline=None)
@given(
    requests=st.lists(REQUEST, max_size=8),
    by=st.sampled_from(GroupBy),
    period=st.sampled_from(Period),
)
def test_unfilled_demand_is_the_open_hours_of_each_key_and_period(
    requests: list[tuple[Any, ...]], by: GroupBy, period: Period
) -> None:
    rows = rows_of([], requests)["requests"]

    cells = unfilled(rows, FIRST, LAST, by, period)

    told = {(c.key, c.period) for c in cells}
    assert len(told) == len(cells)
    for cell in cells:
        weeks = weeks_of(period, cell.period)
        behind = [
            r for r in rows
            if r["status"] == "open" and request_has(r, cell.key, by)
            and any(r["start_week"] <= w <= r["end_week"] for w in weeks)
        ]  # fmt: skip
        hours = sum(
            (r["hours_per_week"] for r in behind for w in weeks
             if r["start_week"] <= w <= r["end_week"]),
            ZERO,
        )  # fmt: skip
        assert cell.hours == hours.quantize(CENT)
        assert cell.request_ids == tuple(sorted(r["id"] for r in behind))
    # Nothing is left out: every open request's week in range is in a cell of each key.
    for r in rows:
        if r["status"] != "open":
            continue
        keys = [r["role"]] if by is GroupBy.ROLE else (
            sorted({s["name"].casefold() for s in r["skills"]}) or [None]
        )  # fmt: skip
        for w in weeks_between(max(r["start_week"], FIRST), min(r["end_week"], LAST)):
            name = next(p for p in {c.period for c in cells} if w in weeks_of(period, p))
            assert all((key, name) in told for key in keys)


def person(person_id: str, roles: list[str], skills: list[str]) -> Row:
    return {
        "id": person_id, "roles": roles, "skills": [{"name": s, "level": 3} for s in skills],
        "calendar_id": "A", "part_time_percent": Decimal(100), "last_day": None,
    }  # fmt: skip


def request(request_id: str, first: str, last: str, hours: str, skills: list[str]) -> Row:
    return {
        "id": request_id, "role": "developer", "status": "open", "start_week": first,
        "end_week": last, "hours_per_week": Decimal(hours),
        "skills": [{"name": s, "min_level": 1} for s in skills],
    }  # fmt: skip


def grid_of(people: list[Row], requests: list[Row], by: GroupBy, period: Period, unit: Unit) -> Any:
    calendars = {"A": {"id": "A", "hours_per_week": Decimal(40), "holidays": []}}
    return capacity_vs_demand(people, calendars, {}, {}, requests, "2027-W09", "2027-W17", by,
                              period, unit)  # fmt: skip


def test_a_person_with_two_roles_counts_in_full_under_each() -> None:
    grid = grid_of(
        [person("ann", ["developer", "architect"], []), person("bob", ["developer"], [])],
        [], GroupBy.ROLE, Period.WEEK, Unit.HOURS,
    )  # fmt: skip

    rows = {row.key: (row.people, row.cells[0].available) for row in grid.rows}
    assert rows == {"architect": (1, Decimal("40.00")), "developer": (2, Decimal("80.00"))}


def test_a_request_over_two_months_puts_each_week_in_its_own_month_and_each_skill_counts_it() -> (
    None
):
    # 2027-W11..W14: W11 and W12 have their Thursday in March, W13 (Thursday 1 April) and W14
    # in April.
    grid = grid_of(
        [], [request("R-1", "2027-W11", "2027-W14", "10", ["Python", "SQL"])],
        GroupBy.SKILL, Period.MONTH, Unit.HOURS,
    )  # fmt: skip

    assert [(p.name, p.weeks) for p in grid.periods] == [("2027-03", 4), ("2027-04", 5)]
    demand = {
        row.key: [(c.period, c.open_demand, c.short, c.request_ids) for c in row.cells]
        for row in grid.rows
    }
    both = [
        ("2027-03", Decimal("20.00"), True, ("R-1",)),
        ("2027-04", Decimal("20.00"), True, ("R-1",)),
    ]
    assert demand == {"python": both, "sql": both}


def test_fte_of_a_period_is_the_average_of_its_weeks() -> None:
    grid = grid_of(
        [person("ann", ["developer"], []), person("bob", ["developer"], [])],
        [request("R-1", "2027-W09", "2027-W17", "20", [])],
        GroupBy.ROLE, Period.QUARTER, Unit.FTE,
    )  # fmt: skip

    [row] = grid.rows
    assert [(c.period, c.available, c.open_demand, c.gap) for c in row.cells] == [
        ("2027-Q1", Decimal("2.00"), Decimal("0.50"), Decimal("1.50")),
        ("2027-Q2", Decimal("2.00"), Decimal("0.50"), Decimal("1.50")),
    ]
