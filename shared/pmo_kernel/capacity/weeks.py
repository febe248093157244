"""ISO weeks ("2027-W17"): the unit capacity is planned, reported and read in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

WORKING_DAYS = 5  # Monday to Friday; a public holiday on one of them is not worked


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def monday_of(week: str) -> date:
    return date.fromisocalendar(int(week[:4]), int(week[6:]), 1)


def working_days_of(week: str) -> list[date]:
    monday = monday_of(week)
    return [monday + timedelta(days=i) for i in range(WORKING_DAYS)]


def weeks_between(first: str, last: str) -> Iterator[str]:
    """Every ISO week from `first` to `last`, both included."""
    day, end = monday_of(first), monday_of(last)
    while day <= end:
        yield week_of(day)
        day += timedelta(days=7)


def week_count(first: str, last: str) -> int:
    return (monday_of(last) - monday_of(first)).days // 7 + 1


# Periods made of ISO weeks. A month holds the weeks whose Thursday falls in it (the ISO
# convention: every week in exactly one month), as availability reports by month and unfilled
# demand are counted; a quarter holds the weeks whose Monday falls in it, as the portfolio
# plans (an item planned for 2027-Q1 needs people from the Monday of its first week).

_THURSDAY = 3


def month_of(week: str) -> str:
    """The month ("2027-03") of `week`: that of its Thursday."""
    thursday = monday_of(week) + timedelta(days=_THURSDAY)
    return f"{thursday.year:04d}-{thursday.month:02d}"


def weeks_of_month(month: str) -> list[str]:
    """The ISO weeks whose Thursday falls in `month` ("2027-03"), first to last: four or five."""
    year, number = int(month[:4]), int(month[5:7])
    first = date(year, number, 1)
    thursday = first + timedelta(days=(_THURSDAY - first.weekday()) % 7)
    weeks = []
    while thursday.month == number:
        weeks.append(week_of(thursday))
        thursday += timedelta(days=7)
    return weeks


def quarter_of(week: str) -> str:
    """The quarter ("2027-Q1") of `week`: that of its Monday."""
    monday = monday_of(week)
    return f"{monday.year}-Q{(monday.month - 1) // 3 + 1}"


def weeks_of_quarter(quarter: str) -> list[str]:
    """The ISO weeks whose Monday falls in `quarter` ("2027-Q1"), first to last."""
    year, number = int(quarter[:4]), int(quarter[-1])
    first = date(year, 3 * number - 2, 1)
    after = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    monday = first + timedelta(days=-first.weekday() % 7)
    weeks = []
    while monday < after:
        weeks.append(week_of(monday))
        monday += timedelta(days=7)
    return weeks
