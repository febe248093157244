"""Budget envelopes: opened at version 1, revised in new versions, closed; arbitration requests."""

from __future__ import annotations

import re

import pytest

from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_kernel.money import Money
from pmo_portfolio.domain.planning import (
    ArbitrationRequested,
    BudgetEnvelope,
    BudgetEnvelopeClosed,
    BudgetEnvelopeOpened,
    BudgetEnvelopeRevised,
)
from tests.portfolio.unit.planning_helpers import (
    LATER,
    NOW,
    PLANNER,
    envelope,
    eur,
    reloaded,
    through_json,
)


def test_opening_an_envelope_records_its_year_amount_and_version_one() -> None:
    # When an envelope is opened for 2027
    opened = BudgetEnvelope.open(
        "2027", year=2027, amount=eur("1000000"), description="IT 2027", actor_id=PLANNER, now=NOW
    )

    # Then it records the fact, at envelope version 1
    assert opened.pending == (
        BudgetEnvelopeOpened(
            envelope_id="2027",
            year=2027,
            amount=eur("1000000"),
            description="IT 2027",
            envelope_version=1,
            opened_by=PLANNER,
            opened_at=NOW,
        ),
    )
    assert (opened.year, opened.amount, opened.envelope_version) == (2027, eur("1000000"), 1)
    assert opened.stream_type == "budget-envelope"


@pytest.mark.parametrize(
    ("year", "amount", "description", "problem"),
    [
        (2027, Money.of("-1"), "IT", "must not be negative"),
        (1850, Money.of("1"), "IT", "year"),
        (2027, Money.of("1"), "  ", "description"),
    ],
)
def test_an_envelope_with_malformed_arguments_is_refused_as_a_domain_error(
    year: int, amount: Money, description: str, problem: str
) -> None:
    with pytest.raises(DomainError) as refused:
        BudgetEnvelope.open(
            "E", year=year, amount=amount, description=description, actor_id=PLANNER, now=NOW
        )
    assert "budget envelope E cannot be opened" in refused.value.detail
    assert problem in refused.value.detail


def test_each_revision_is_a_new_envelope_version_and_the_history_keeps_them_all() -> None:
    # Given an envelope of EUR 1,000,000 at version 1
    budget = envelope("1000000")

    # When it is revised twice
    budget.revise(eur("800000"), "Budget cut", actor_id="cfo", now=LATER)
    budget.revise(eur("900000"), "Partly restored", actor_id="cfo", now=LATER)

    # Then it is at envelope version 3 (stream version 1 until saved), and every version is kept
    assert budget.pending[0] == BudgetEnvelopeRevised(
        envelope_id="2027",
        envelope_version=2,
        previous_amount=eur("1000000"),
        amount=eur("800000"),
        reason="Budget cut",
        revised_by="cfo",
        revised_at=LATER,
    )
    assert (budget.envelope_version, budget.amount, budget.version) == (3, eur("900000"), 1)
    assert [(v.version, v.amount, v.reason) for v in budget.history] == [
        (1, eur("1000000"), None),
        (2, eur("800000"), "Budget cut"),
        (3, eur("900000"), "Partly restored"),
    ]
    assert budget.amount_at(2) == eur("800000")
    with pytest.raises(DomainError, match="has no version 4"):
        budget.amount_at(4)


def test_an_envelope_folds_back_from_its_events_through_json() -> None:
    budget = BudgetEnvelope.open(
        "2027", year=2027, amount=eur("1000"), description="IT", actor_id=PLANNER, now=NOW
    )
    budget.revise(eur("1200"), "More", actor_id=PLANNER, now=LATER)
    budget.close(actor_id=PLANNER, reason="Year over", now=LATER)

    again = reloaded(budget, budget.pending)

    assert [through_json(event) for event in budget.pending] == list(budget.pending)
    assert (again.year, again.amount, again.envelope_version, again.closed) == (
        2027,
        eur("1200"),
        2,
        True,
    )
    assert again.version == 3


def test_a_revision_to_the_same_amount_is_refused() -> None:
    budget = envelope("1000000")
    with pytest.raises(DomainError, match=re.escape("version 1 already holds 1,000,000.00 EUR")):
        budget.revise(eur("1000000"), "No change", actor_id=PLANNER, now=LATER)
    assert budget.pending == ()


def test_a_revision_in_another_currency_is_refused() -> None:
    budget = envelope("1000000")
    with pytest.raises(DomainError, match="it is in EUR, not USD"):
        budget.revise(Money.of("1000", "USD"), "Dollars", actor_id=PLANNER, now=LATER)


def test_a_revision_without_a_reason_is_refused() -> None:
    budget = envelope("1000000")
    with pytest.raises(DomainError, match="reason"):
        budget.revise(eur("1"), " ", actor_id=PLANNER, now=LATER)


def test_an_envelope_never_opened_refuses_every_command() -> None:
    never = BudgetEnvelope("2030")
    with pytest.raises(InvalidTransition, match="budget envelope 2030 has not been opened"):
        never.revise(eur("1"), "Why", actor_id=PLANNER)
    with pytest.raises(InvalidTransition, match="has not been opened"):
        never.close(actor_id=PLANNER)
    with pytest.raises(InvalidTransition, match="has not been opened"):
        _ = never.amount


def test_closing_an_envelope_records_its_last_version_and_refuses_what_follows() -> None:
    # Given an envelope revised once
    budget = envelope("1000000")
    budget.revise(eur("500000"), "Cut", actor_id=PLANNER, now=NOW)

    # When it is closed
    budget.close(actor_id=PLANNER, now=LATER)

    # Then the closure names the version that stands, and nothing more can be done
    assert budget.pending[-1] == BudgetEnvelopeClosed(
        envelope_id="2027", envelope_version=2, closed_by=PLANNER, closed_at=LATER
    )
    with pytest.raises(InvalidTransition, match="cannot be closed: it is closed"):
        budget.close(actor_id=PLANNER)
    with pytest.raises(InvalidTransition, match="cannot be revised: it is closed"):
        budget.revise(eur("1"), "Late", actor_id=PLANNER)
    with pytest.raises(InvalidTransition, match="it is closed"):
        budget.request_arbitration(eur("600000"), eur("100000"), ["A"], actor_id=PLANNER)


def test_arbitration_requested_records_the_figures_against_the_current_version() -> None:
    # Given an envelope of EUR 500,000 at version 2
    budget = envelope("1000000")
    budget.revise(eur("500000"), "Cut", actor_id=PLANNER, now=NOW)

    # When arbitration is requested for EUR 650,000 committed
    budget.request_arbitration(
        eur("650000"), eur("150000"), ["A", "B"], actor_id=PLANNER, now=LATER
    )

    # Then the request records the version and figures it was based on
    assert budget.pending[-1] == ArbitrationRequested(
        envelope_id="2027",
        year=2027,
        envelope_version=2,
        envelope=eur("500000"),
        committed=eur("650000"),
        over_by=eur("150000"),
        item_ids=("A", "B"),
        requested_by=PLANNER,
        requested_at=LATER,
    )
    assert budget.arbitration_requests == [budget.pending[-1]]


@pytest.mark.parametrize("over_by", ["0", "-10"])
def test_arbitration_is_refused_when_the_envelope_is_not_over_committed(over_by: str) -> None:
    budget = envelope("500000")
    with pytest.raises(DomainError, match="it is not over-committed"):
        budget.request_arbitration(eur("500000"), eur(over_by), ["A"], actor_id=PLANNER, now=LATER)
    assert budget.pending == ()


def test_arbitration_on_figures_computed_before_a_revision_is_refused() -> None:
    # Given figures computed against EUR 500,000, then the envelope raised to EUR 600,000
    budget = envelope("500000")
    budget.revise(eur("600000"), "Raised", actor_id=PLANNER, now=NOW)

    # When arbitration is requested with the stale figures, then it is refused
    with pytest.raises(
        DomainError, match=re.escape("is over by 50,000.00 EUR, not 150,000.00 EUR")
    ):
        budget.request_arbitration(eur("650000"), eur("150000"), ["A"], actor_id=PLANNER)


def test_arbitration_in_another_currency_or_without_items_is_refused() -> None:
    budget = envelope("500000")
    with pytest.raises(DomainError, match="the envelope is in EUR, the figures in USD"):
        budget.request_arbitration(
            Money.of("650000", "USD"), Money.of("150000", "USD"), ["A"], actor_id=PLANNER
        )
    with pytest.raises(DomainError, match="item_ids"):
        budget.request_arbitration(eur("650000"), eur("150000"), [], actor_id=PLANNER)
    with pytest.raises(DomainError, match="items named more than once: A"):
        budget.request_arbitration(eur("650000"), eur("150000"), ["A", "A"], actor_id=PLANNER)
