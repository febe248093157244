"""Properties of the roadmap: committed is the sum of planned costs; over-committed ⇔ above."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pmo_kernel.money import Money
from pmo_portfolio.domain.planning import PlannedItem, build_roadmap
from tests.portfolio.unit.planning_helpers import eur

YEARS = range(2026, 2030)
amounts = st.decimals(min_value=0, max_value=10_000_000, places=2)


@st.composite
def plans(draw: st.DrawFn, item_id: str) -> PlannedItem:
    start = draw(st.tuples(st.sampled_from(YEARS), st.integers(1, 4)))
    end = draw(st.tuples(st.sampled_from(YEARS), st.integers(1, 4)).filter(lambda e: e >= start))
    years = draw(st.sets(st.integers(start[0], end[0])))
    costs = {year: eur(draw(amounts)) for year in years}
    return PlannedItem(item_id, f"{start[0]}-Q{start[1]}", f"{end[0]}-Q{end[1]}", costs)


portfolios = st.integers(0, 8).flatmap(
    lambda n: st.tuples(*(plans(f"I-{index}") for index in range(n)))
)
envelopes = st.dictionaries(st.sampled_from(YEARS), amounts.map(eur))


@given(items=portfolios, budgets=envelopes)
def test_committed_is_the_sum_of_planned_costs_and_over_committed_means_above_the_envelope(
    items: tuple[PlannedItem, ...], budgets: dict[int, Money]
) -> None:
    roadmap = build_roadmap(items, budgets)

    for budget in roadmap.years:
        planned = sum(
            (
                item.cost_per_year[budget.year].amount
                for item in items
                if budget.year in item.cost_per_year
            ),
            Decimal(0),
        )
        assert budget.committed == eur(planned)
        envelope = budgets.get(budget.year)
        assert budget.envelope == envelope
        over = budget.envelope is not None and planned > budget.envelope.amount
        assert budget.over_committed == over
        assert (budget.year in roadmap.arbitration_needed) == over
        if budget.envelope is not None:
            assert budget.committed.amount - budget.envelope.amount == (
                budget.over_by.amount - budget.remaining.amount
            )
    assert {b.year for b in roadmap.years} == set(budgets) | {
        year for item in items for year in item.cost_per_year
    }
