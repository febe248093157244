"""Who sees a person and their load, and who their cost rate: the capacity service answers its
REST reads with it (pmo_capacity.access), the reporting gateway its GraphQL ones.

A caller sees a person when one of its roles reads everyone's capacity (`READER_ROLES`) or when
it is the person's line manager; the cost rate per day when one of its roles reads costs
(`COST_READER_ROLES`) or, again, as the line manager. A person one may not see does not exist
for them (the same answer as an unknown id, so ids cannot be probed).
"""

from __future__ import annotations

from pmo_kernel.identity import Principal

# Who may read people and their load (besides the person's line manager).
READER_ROLES = frozenset(
    {"resource_manager", "project_manager", "pmo_analyst", "portfolio_board", "executive",
     "auditor", "admin", "service"}
)  # fmt: skip
# Who sees cost rates (besides the line manager).
COST_READER_ROLES = frozenset({"resource_manager", "pmo_analyst", "auditor", "admin", "service"})


def sees_person(principal: Principal, line_manager: str) -> bool:
    return bool(principal.roles & READER_ROLES) or principal.subject == line_manager


def sees_cost_rate(principal: Principal, line_manager: str) -> bool:
    return bool(principal.roles & COST_READER_ROLES) or principal.subject == line_manager
