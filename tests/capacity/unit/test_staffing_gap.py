"""A plan the solver did not prove optimal says how far from the best it may be (the MIP gap
against HiGHS's bound), and a caller bounds the solver's time budget."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from pmo_capacity.application.staffing import ProposeStaffing
from pmo_capacity.staffing import solve_optimal
from pmo_capacity.staffing.milp import gap_percent


def test_the_gap_is_how_far_the_value_is_below_the_bound_in_percent_of_it() -> None:
    assert gap_percent(Decimal(75), Decimal(100)) == Decimal("25.00")
    assert gap_percent(Decimal(100), Decimal(100)) == Decimal("0.00")
    assert gap_percent(Decimal(101), Decimal(100)) == Decimal("0.00")  # float bound, hair above
    assert gap_percent(Decimal(5), None) is None
    assert gap_percent(Decimal(0), Decimal(0)) is None


def test_a_plan_stopped_by_its_time_limit_carries_its_gap_and_a_proven_one_none() -> None:
    from bench.staffing import generate

    problem = generate(60, 40)
    stopped = solve_optimal(problem, time_limit=0.01)  # not proven on this machine, as a rule
    proven = solve_optimal(problem, time_limit=30)

    assert proven.optimal
    assert proven.mip_gap_percent is None
    if not stopped.optimal:
        assert stopped.mip_gap_percent is not None
        # The bound is at least the proven optimum: the gap covers the real shortfall.
        shortfall = (proven.value - stopped.value) / proven.value * 100
        assert stopped.mip_gap_percent >= shortfall.quantize(Decimal("0.01")) - Decimal("0.01")


@pytest.mark.parametrize("seconds", ["0.5", "60.5", "-1"])
def test_a_time_budget_outside_one_to_sixty_seconds_is_refused(seconds: str) -> None:
    with pytest.raises(ValidationError):
        ProposeStaffing.model_validate({"time_limit_seconds": seconds})


def test_a_time_budget_within_bounds_is_taken_and_none_means_the_default() -> None:
    assert ProposeStaffing.model_validate({"time_limit_seconds": 30}).time_limit_seconds == 30
    assert ProposeStaffing().time_limit_seconds is None
