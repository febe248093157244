"""An allocation in percent of availability loads each week with that share of the person's
available hours that week: an absence lowers it; the overbooking check uses it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from pmo_capacity.domain import (
    AllocationProposed,
    OverAllocation,
    ProposeAllocation,
    ReportAvailability,
)
from tests.capacity.unit.test_person_availability import calendar, person

BE = calendar("40")


def share(
    percent: str, start: str = "2027-W10", end: str = "2027-W12", **more: object
) -> ProposeAllocation:
    return ProposeAllocation.model_validate(
        {"project_id": "erp", "start_week": start, "end_week": end,
         "percent_of_availability": percent, **more}
    )  # fmt: skip


def hours(amount: int, start: str = "2027-W10", end: str = "2027-W12") -> ProposeAllocation:
    return ProposeAllocation.model_validate(
        {"project_id": "erp", "start_week": start, "end_week": end, "hours_per_week": amount}
    )


def test_a_percent_allocation_loads_that_share_of_each_weeks_availability() -> None:
    ann = person("80")  # 32 h a week
    ann.report_availability(ReportAvailability(week="2027-W11", absence_hours=16), "marc")

    ann.propose_allocation("a-1", share("50"), BE, "paula")

    (proposed,) = [e for e in ann.pending if isinstance(e, AllocationProposed)]
    assert (proposed.hours_per_week, proposed.percent_of_availability) == (None, Decimal(50))
    loads = ann.loads(BE, "2027-W10", "2027-W12")
    assert [(w.available_hours, w.allocated_hours) for w in loads] == [
        (Decimal("32.00"), Decimal("16.00")),
        (Decimal("16.00"), Decimal("8.00")),  # the absence halves the week, and the allocation
        (Decimal("32.00"), Decimal("16.00")),
    ]


def test_an_absence_reported_later_lowers_a_percent_allocation_not_an_hours_one() -> None:
    ann = person()
    ann.propose_allocation("a-1", share("25"), BE, "paula")
    ann.propose_allocation("a-2", hours(10), BE, "paula")

    ann.report_availability(ReportAvailability(week="2027-W11", available_percent=40), "marc")

    (week,) = ann.loads(BE, "2027-W11", "2027-W11")
    assert (week.available_hours, week.allocated_hours) == (Decimal("16.00"), Decimal("14.00"))
    allocations = ann.allocations
    assert allocations["a-1"].hours_in(week.available_hours) == Decimal("4.00")
    assert allocations["a-2"].hours_in(week.available_hours) == Decimal(10)


def test_a_percent_allocation_over_what_is_left_is_refused_naming_the_weeks() -> None:
    ann = person()
    ann.propose_allocation("a-1", hours(24), BE, "paula")
    ann.mark_saved(2, None)

    with pytest.raises(OverAllocation) as refused:
        ann.propose_allocation("a-2", share("50", "2027-W12", "2027-W13"), BE, "paula")

    assert refused.value.extensions["overbooked_weeks"] == [
        {"week": "2027-W12", "available_hours": "40.00", "allocated_hours": "44.00"},
    ]
    assert "50 % of availability" in refused.value.detail
    assert ann.pending == ()


def test_a_full_share_of_a_free_week_is_not_an_overbooking() -> None:
    ann = person()

    ann.propose_allocation("a-1", share("100"), BE, "paula")

    assert not ann.allocations["a-1"].over_allocated


@pytest.mark.parametrize(
    "more",
    [
        {"hours_per_week": 8, "percent_of_availability": 50},
        {},
        {"percent_of_availability": 0},
        {"percent_of_availability": "100.5"},
    ],
    ids=["both", "neither", "zero", "over 100"],
)
def test_an_allocation_gives_hours_or_a_percent_within_0_and_100(more: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ProposeAllocation.model_validate(
            {"project_id": "erp", "start_week": "2027-W10", "end_week": "2027-W12", **more}
        )
