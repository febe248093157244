"""A planned item publishes the people it needs: its business case's effort by role, spread
over the planned quarters, so the capacity service can raise resource requests from it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pmo_kernel.money import Money
from pmo_portfolio.domain.governance import ItemPlanned
from pmo_portfolio.domain.governance.effort import effort_by_role_quarter
from tests.portfolio.unit.governance_helpers import ANALYST, at_gate, business_case

Q = ("2027-Q1", "2027-Q2", "2027-Q3")


def planned_effort(**case: Any) -> dict[str, dict[str, Decimal]]:
    item = at_gate("G2", business_case=business_case(**case))
    item.plan("2027-Q1", "2027-Q3", {2027: Money.of("90000")}, actor_id=ANALYST)
    (event,) = item.pending
    assert isinstance(event, ItemPlanned)
    return event.effort_by_role_quarter


def test_an_effort_by_role_is_spread_over_the_quarters_the_last_taking_the_remainder() -> None:
    effort = planned_effort(effort_by_role={"developer": "100", "tester": "30"})

    assert effort == {
        "developer": dict(zip(Q, map(Decimal, ("33.33", "33.33", "33.34")), strict=True)),
        "tester": dict.fromkeys(Q, Decimal(10)),
    }


def test_without_a_breakdown_the_whole_effort_is_developers() -> None:
    assert planned_effort(effort_person_days="60") == {"developer": dict.fromkeys(Q, Decimal(20))}


def test_unreadable_or_zero_entries_are_left_out_and_no_effort_publishes_none() -> None:
    assert planned_effort(effort_by_role={"architect": "lots", "tester": "0"},
                          effort_person_days="3") == {
        "developer": {"2027-Q1": Decimal(1), "2027-Q2": Decimal(1), "2027-Q3": Decimal(1)}
    }  # fmt: skip
    assert planned_effort(effort_person_days=None) == {}


def test_an_item_planned_before_the_effort_was_published_still_loads() -> None:
    stored = {"item_id": "D-1", "start_quarter": "2027-Q1", "end_quarter": "2027-Q1",
              "cost_per_year": {"2027": {"amount": "1", "currency": "EUR"}},
              "planned_by": ANALYST, "planned_at": "2027-01-04T09:00:00Z"}  # fmt: skip

    assert ItemPlanned.model_validate(stored).effort_by_role_quarter == {}
    assert effort_by_role_quarter({}, Q) == {}
