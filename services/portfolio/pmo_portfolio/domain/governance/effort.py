"""An item's effort as the people it needs: person-days per role and quarter of its plan.

The business case gives the effort as `effort_by_role` (role -> person-days, roles named as the
capacity service names them: project_manager, business_analyst, architect, developer, tester...)
or as one figure, `effort_person_days`, which is then all `developer` (DEFAULT_ROLE). Each role's
effort is spread evenly over the planned quarters, to the cent of a day, the last quarter taking
the remainder so the quarters add up to the effort (`spread`, also what the scenarios demand).
The portfolio does not check the role names: the capacity service knows its roles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

DEFAULT_ROLE = "developer"  # whose effort a business case without a breakdown gives
_CENT = Decimal("0.01")


def person_days(value: Any) -> Decimal | None:
    """`value` read as a non-negative number of person-days; None when it is not one."""
    if value is None or isinstance(value, bool):
        return None
    try:
        days = Decimal(str(value))
    except InvalidOperation:
        return None
    return days if days.is_finite() and days >= 0 else None


def spread(effort: Decimal, quarters: Sequence[str]) -> dict[str, Decimal]:
    """`effort` evenly over `quarters` (first to last), to the cent, the remainder on the last."""
    if not quarters:
        return {}
    share = (effort / len(quarters)).quantize(_CENT, rounding=ROUND_DOWN)
    per_quarter = dict.fromkeys(quarters[:-1], share)
    per_quarter[quarters[-1]] = effort - share * (len(quarters) - 1)
    return per_quarter


def effort_by_role(business_case: Mapping[str, Any]) -> dict[str, Decimal]:
    """The business case's effort by role: its `effort_by_role` (the readable, non-zero
    entries), else all of `effort_person_days` as DEFAULT_ROLE; empty when it gives neither."""
    breakdown = business_case.get("effort_by_role")
    if isinstance(breakdown, Mapping):
        roles = {str(role): person_days(days) for role, days in breakdown.items()}
        readable = {role: days for role, days in roles.items() if days}
        if readable:
            return dict(sorted(readable.items()))
    total = person_days(business_case.get("effort_person_days"))
    return {DEFAULT_ROLE: total} if total else {}


def effort_by_role_quarter(
    business_case: Mapping[str, Any], quarters: Sequence[str]
) -> dict[str, dict[str, Decimal]]:
    """Person-days per role per planned quarter (see the module docstring)."""
    return {role: spread(days, quarters) for role, days in effort_by_role(business_case).items()}
