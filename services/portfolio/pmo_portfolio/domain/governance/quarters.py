"""Calendar quarters as items are planned in them ("2027-Q1"): parsed, ordered, enumerated."""

from __future__ import annotations

import re

from pmo_kernel.errors import DomainError

_QUARTER = re.compile(r"(\d{4})-Q([1-4])")


def quarter_key(quarter: str, context: str = "") -> tuple[int, int]:
    """(year, quarter), so quarters order correctly; refuses anything but e.g. 2027-Q1."""
    match = _QUARTER.fullmatch(quarter.strip().upper())
    if match is None:
        prefix = f"{context}: " if context else ""
        raise DomainError(
            f"{prefix}{quarter!r} is not a quarter (expected e.g. 2027-Q1)", quarter=quarter
        )
    return int(match.group(1)), int(match.group(2))


def quarters_between(first: str, last: str) -> tuple[str, ...]:
    """Every quarter from `first` to `last`, both included (e.g. 2027-Q4, 2028-Q1)."""
    (year, quarter), end = quarter_key(first), quarter_key(last)
    quarters: list[str] = []
    while (year, quarter) <= end:
        quarters.append(f"{year}-Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return tuple(quarters)
