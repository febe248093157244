"""Row-level visibility on the read side: the kernel's rules (pmo_kernel.access) applied to the
read models' rows, as a test of one row (`sight_of`) and as SQL for lists and totals
(`restrict`), so a list, its totalCount and its KPIs count the same rows. People and their
capacity follow the capacity rule (pmo_kernel.capacity.access): `PeopleAudience`.

The write services apply the same rules to their own REST answers; the gateway applies them
again because it reads the read models directly, not through those services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from pmo_kernel.access import Audience, Ownership, Sight, person_key, without_figures
from pmo_kernel.capacity.access import READER_ROLES, sees_cost_rate, sees_person
from pmo_kernel.identity import Principal
from pmo_reporting.gateway.sql import Conditions

# person_key in SQL: lower case, runs of whitespace collapsed to one space, trimmed.
_PERSON_KEY_SQL = r"lower(btrim(regexp_replace({column}, '\s+', ' ', 'g')))"


def owner_of(row: Mapping[str, Any]) -> Ownership:
    return Ownership(
        requester=row.get("requester"), department=row.get("department"), sponsor=row.get("sponsor")
    )


def sight_of(audience: Audience, row: Mapping[str, Any], *, delivered: bool = True) -> Sight:
    """How much of `row` the audience sees. `delivered`: whether the row is a record being
    delivered, which delivery roles see in SUMMARY (an audience built with delivered=False,
    as for demands, never does)."""
    if audience.delivery and not delivered:
        audience = replace(audience, delivery=False)
    return audience.sight(owner_of(row))


def restrict(
    audience: Audience, conditions: Conditions, *, table: str = "", delivered_sql: str | None = None
) -> None:
    """Add to `conditions` the SQL that keeps only the rows `sight_of` does not hide.
    `table`: a prefix for the columns (e.g. "i."). `delivered_sql`: the condition of the rows
    being delivered, for delivery roles; None when every row is (or none: demands)."""
    if audience.everything or (audience.delivery and delivered_sql is None):
        return
    alternatives = [f"{table}requester = ?"]
    values: list[Any] = [audience.subject]
    if audience.person_keys:
        alternatives.append(_PERSON_KEY_SQL.format(column=f"{table}sponsor") + " = ANY(?::text[])")
        values.append(list(audience.person_keys))
    if audience.department is not None:
        alternatives.append(f"{table}department = ?")
        values.append(audience.department)
    if audience.delivery and delivered_sql is not None:
        alternatives.append(f"({delivered_sql})")
    conditions.add("(" + " OR ".join(alternatives) + ")", *values)


# A portfolio item is being delivered once it passed the planning gate of the gate scheme frozen
# into it (G2 in the default scheme), as the portfolio service rules (pmo_portfolio.access):
# from then on, those who deliver and staff projects see it.
DELIVERED_ITEM_SQL = "passed_gates @> jsonb_build_array(gate_scheme->>'planning_gate')"


def delivered_item(row: Mapping[str, Any]) -> bool:
    planning_gate = (row.get("gate_scheme") or {}).get("planning_gate")
    return planning_gate is not None and planning_gate in (row.get("passed_gates") or ())


def item_sight(audience: Audience, row: Mapping[str, Any]) -> Sight:
    """How much of a portfolio item's row `audience` (built with delivered=True) sees."""
    return sight_of(audience, row, delivered=delivered_item(row))


def masked(value: Any, sight: Sight) -> Any:
    """Free-form content (a history line's changes or details) as `sight` shows it."""
    return value if sight is Sight.FULL else without_figures(value)


@dataclass(frozen=True)
class PeopleAudience:
    """Which people (and their allocations and load) one caller sees, and whose cost rates:
    capacity's readers see everyone, a line manager only the people they manage, anyone else
    no one. A person hidden from the caller is absent from lists, totals and the heatmap, and
    answers as an unknown id does (null), so ids cannot be probed."""

    principal: Principal

    @property
    def everyone(self) -> bool:
        return bool(self.principal.roles & READER_ROLES)

    def sees(self, row: Mapping[str, Any]) -> bool:
        return sees_person(self.principal, row["line_manager"])

    def sees_cost_rate(self, row: Mapping[str, Any]) -> bool:
        return sees_cost_rate(self.principal, row["line_manager"])

    def restrict(self, conditions: Conditions, *, table: str = "") -> None:
        """Add to `conditions` the SQL keeping only the people `sees` does not hide."""
        if not self.everyone:
            conditions.add(f"{table}line_manager = ?", self.principal.subject)


__all__ = [
    "DELIVERED_ITEM_SQL",
    "PeopleAudience",
    "delivered_item",
    "item_sight",
    "masked",
    "owner_of",
    "person_key",
    "restrict",
    "sight_of",
]
