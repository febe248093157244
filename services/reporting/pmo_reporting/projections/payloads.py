"""Reading portfolio payload values into JSON-ready row values, shared by the portfolio rules.

Rows hold what PostgreSQL casts into the columns: money as exact decimal strings (two decimals),
times as ISO-8601 text.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_reporting.projections.portfolio_statements import Row

CENT = Decimal("0.01")


def touched(row: Row, event: ReceivedEvent) -> Row:
    """The row stamped with the event. Only the columns its table has: item rows carry their
    version; items, scoring models, envelopes and scenarios when they last changed."""
    if "version" in row:
        row["version"] = event.sequence
    if "updated_at" in row:
        row["updated_at"] = event.time.isoformat()
    return row


def amount(money: Mapping[str, Any]) -> Decimal:
    return Decimal(str(money["amount"])).quantize(CENT)


def money_columns(value: Any) -> tuple[str | None, str | None]:
    """(amount, currency) of a Money payload, or (None, None)."""
    if value is None:
        return None, None
    return str(amount(value)), str(value["currency"])
