"""Demand KPIs: counts by state and department, and the lead time to qualification."""

from __future__ import annotations

from pmo_reporting.gateway.readmodel import DemandFilterValues, ReadModel
from pmo_reporting.gateway.types import (
    DemandKpis,
    DemandState,
    DepartmentCount,
    StateCount,
    StateDepartmentCount,
)

# GROUPING(state, department): a bit set for each column aggregated away in that row.
_BY_STATE, _BY_DEPARTMENT, _TOTAL = 0b01, 0b10, 0b11  # 0b00: by both


async def demand_kpis(read_model: ReadModel, filters: DemandFilterValues) -> DemandKpis:
    rows = await read_model.counts(filters)
    median = await read_model.median_days_to_qualification(filters)
    by_state = dict.fromkeys(DemandState, 0)  # every state, so dashboards can show zeros
    by_department: list[DepartmentCount] = []
    by_both: list[StateDepartmentCount] = []
    total = 0
    for row in rows:
        grouping, count = row["grouping"], int(row["count"])
        if grouping == _TOTAL:
            total = count
        elif grouping == _BY_STATE:
            by_state[DemandState(row["state"])] = count
        elif grouping == _BY_DEPARTMENT:
            by_department.append(DepartmentCount(department=row["department"], count=count))
        else:
            by_both.append(
                StateDepartmentCount(
                    state=DemandState(row["state"]), department=row["department"], count=count
                )
            )
    by_department.sort(key=lambda d: (-d.count, d.department))
    by_both.sort(key=lambda d: (d.department, list(DemandState).index(d.state)))
    return DemandKpis(
        total=total,
        by_state=[StateCount(state=state, count=count) for state, count in by_state.items()],
        by_department=by_department,
        by_state_and_department=by_both,
        median_days_to_qualification=round(median, 3) if median is not None else None,
    )
