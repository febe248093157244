"""Capacity rules shared by the services: ISO weeks, and a person's effective availability and
allocation load per week.

Pure functions and frozen value types, no I/O. The capacity service decides allocations with
them; the reporting service computes its capacity read models (loads, the heatmap) with them,
so both always agree. (A service never imports another service; both import this.)
"""

from pmo_kernel.capacity.availability import (
    CENT,
    HUNDRED,
    Booking,
    Contract,
    Load,
    Report,
    available_hours,
    booked_hours,
    calendar_hours,
    week_loads,
    worked_days,
)
from pmo_kernel.capacity.weeks import (
    WORKING_DAYS,
    monday_of,
    month_of,
    quarter_of,
    week_count,
    week_of,
    weeks_between,
    weeks_of_month,
    weeks_of_quarter,
    working_days_of,
)

__all__ = [
    "CENT",
    "HUNDRED",
    "WORKING_DAYS",
    "Booking",
    "Contract",
    "Load",
    "Report",
    "available_hours",
    "booked_hours",
    "calendar_hours",
    "monday_of",
    "month_of",
    "quarter_of",
    "week_count",
    "week_loads",
    "week_of",
    "weeks_between",
    "weeks_of_month",
    "weeks_of_quarter",
    "worked_days",
    "working_days_of",
]
