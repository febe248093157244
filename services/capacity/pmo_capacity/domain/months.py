"""Calendar months as ISO weeks: a week belongs to the month its Thursday falls in (the ISO
convention, as ISO years are made: every week in exactly one month)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from pydantic import StringConstraints

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"

Month = Annotated[str, StringConstraints(pattern=MONTH_PATTERN)]

_THURSDAY = 3


def weeks_of_month(month: str) -> list[str]:
    """The ISO weeks whose Thursday falls in `month` ("2027-03"), first to last: four or five."""
    year, number = int(month[:4]), int(month[5:7])
    first = date(year, number, 1)
    thursday = first + timedelta(days=(_THURSDAY - first.weekday()) % 7)
    weeks = []
    while thursday.month == number:
        iso_year, iso_week, _ = thursday.isocalendar()
        weeks.append(f"{iso_year:04d}-W{iso_week:02d}")
        thursday += timedelta(days=7)
    return weeks
