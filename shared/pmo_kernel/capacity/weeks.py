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
