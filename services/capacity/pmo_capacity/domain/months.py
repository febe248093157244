"""Calendar months as ISO weeks: a week belongs to the month its Thursday falls in (the ISO
convention, as ISO years are made: every week in exactly one month)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from pmo_kernel.capacity import weeks_of_month

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"

Month = Annotated[str, StringConstraints(pattern=MONTH_PATTERN)]

__all__ = ["MONTH_PATTERN", "Month", "weeks_of_month"]
