"""Amounts and times in the portfolio read models' rows, as the GraphQL types show them.

Money is a decimal string with two decimals and its currency: exact, never a float. Times in
JSON columns are ISO strings, in plain columns datetimes.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pmo_reporting.gateway.types import Money


def money(amount: Any, currency: str | None) -> Money | None:
    if amount is None or currency is None:
        return None
    return Money(amount=str(Decimal(str(amount)).quantize(Decimal("0.01"))), currency=currency)


def required_money(amount: Any, currency: str) -> Money:
    """The money of a column the read model always fills."""
    found = money(amount, currency)
    assert found is not None
    return found


def timestamp(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
