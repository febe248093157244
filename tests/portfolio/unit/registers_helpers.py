"""Given steps of the register tests: an item's risk and benefit registers, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from pmo_portfolio.domain.delivery.registers import RiskCategory, RiskRegister
from tests.portfolio.unit.governance_helpers import saved

NOW = datetime(2027, 3, 2, 9, 30, tzinfo=UTC)
TODAY = NOW.date()
ITEM = "D-7"
PM = "pia"


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def register_with_risk(
    probability: int = 4, impact: int = 3, *, stored: bool = True, **extra: Any
) -> RiskRegister:
    """A register with risk R1 (P4 I3 by default); `stored`: its first event saved already."""
    register = RiskRegister(ITEM)
    register.identify_risk(
        **{
            "title": "Supplier late",
            "category": RiskCategory.SUPPLIER,
            "probability": probability,
            "impact": impact,
            "owner": "omar",
            "review_by": days(30),
            "actor_id": PM,
            "now": NOW,
            **extra,
        }
    )
    return saved(register) if stored else register
