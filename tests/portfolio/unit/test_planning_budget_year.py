"""Budget years: the claim that makes "one open envelope per year" hold under concurrent writes.

An envelope claims its year when opened and releases it when closed; while one holds the year no
other may claim it, and only the holder releases it.
"""

from __future__ import annotations

import pytest

from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_portfolio.domain.planning import (
    BudgetYear,
    BudgetYearClaimed,
    BudgetYearReleased,
    ScenarioArchived,
    budget_year_id,
)
from tests.portfolio.unit.governance_helpers import saved
from tests.portfolio.unit.planning_helpers import LATER, NOW, PLANNER, reloaded


def held(year: int = 2027, envelope_id: str = "it-2027") -> BudgetYear:
    """A stored claim on `year`, held by `envelope_id`."""
    claim = BudgetYear.of(year)
    claim.claim(envelope_id, actor_id=PLANNER, now=NOW)
    return saved(claim)


def test_an_unclaimed_year_is_claimed_by_the_envelope_opened_for_it() -> None:
    # Given the claim stream of 2027, empty
    claim = BudgetYear.of(2027)
    assert (claim.id, claim.stream_type, claim.version) == ("budget-year-2027", "budget-year", 0)
    assert claim.holder is None

    # When the envelope it-2027 claims it
    claim.claim("it-2027", actor_id=PLANNER, now=NOW)

    # Then the claim is recorded and it-2027 holds the year
    assert claim.pending == (
        BudgetYearClaimed(year=2027, envelope_id="it-2027", claimed_by=PLANNER, claimed_at=NOW),
    )
    assert claim.holder == "it-2027"


def test_a_year_held_by_an_envelope_refuses_a_second_claim_naming_the_holder() -> None:
    # Given 2027 held by it-2027
    claim = held()

    # When another envelope claims it, or the holder claims it again
    for claimant in ("it-2027-bis", "it-2027"):
        with pytest.raises(InvalidTransition) as refused:
            claim.claim(claimant, actor_id=PLANNER, now=LATER)

        # Then it is refused, naming the envelope that holds the year, and nothing is recorded
        assert refused.value.detail == (
            f"budget envelope {claimant} cannot claim 2027: 2027 already has the open envelope "
            "it-2027; revise it, or close it first"
        )
        assert refused.value.extensions["envelope_id"] == "it-2027"
    assert (claim.pending, claim.holder) == ((), "it-2027")


def test_the_envelope_holding_the_year_releases_it() -> None:
    # Given 2027 held by it-2027
    claim = held()

    # When it-2027 releases it (it was closed)
    claim.release("it-2027", actor_id="cfo", now=LATER)

    # Then the release is recorded and nobody holds the year
    assert claim.pending == (
        BudgetYearReleased(year=2027, envelope_id="it-2027", released_by="cfo", released_at=LATER),
    )
    assert claim.holder is None


def test_only_the_holder_releases_the_year() -> None:
    # Given 2027 held by it-2027
    claim = held()

    # When another envelope releases it
    with pytest.raises(InvalidTransition) as refused:
        claim.release("it-2027-bis", actor_id=PLANNER, now=LATER)

    # Then it is refused, naming the holder, which still holds the year
    assert refused.value.detail == (
        "budget envelope it-2027-bis cannot release 2027: it is held by the envelope it-2027"
    )
    assert (claim.pending, claim.holder) == ((), "it-2027")


def test_a_year_nobody_holds_cannot_be_released() -> None:
    # Given 2027 unclaimed, and 2028 released
    unclaimed = BudgetYear.of(2027)
    released = held(2028, "it-2028")
    released.release("it-2028", actor_id=PLANNER, now=LATER)
    saved(released)

    # When they are released (again), they are refused
    for claim in (unclaimed, released):
        with pytest.raises(InvalidTransition, match="no envelope holds it"):
            claim.release("it-2028", actor_id=PLANNER, now=LATER)
        assert claim.pending == ()


def test_a_released_year_is_claimed_again_by_a_new_envelope() -> None:
    # Given 2027 held by it-2027, then released
    claim = held()
    claim.release("it-2027", actor_id=PLANNER, now=LATER)
    saved(claim)

    # When the new envelope it-2027-bis claims it
    claim.claim("it-2027-bis", actor_id=PLANNER, now=LATER)

    # Then it holds the year, and the history shows both envelopes
    assert claim.pending == (
        BudgetYearClaimed(
            year=2027, envelope_id="it-2027-bis", claimed_by=PLANNER, claimed_at=LATER
        ),
    )
    assert claim.holder == "it-2027-bis"
    assert claim.holders == ["it-2027", "it-2027-bis"]


def test_a_claim_folds_back_from_its_stream_after_a_json_round_trip() -> None:
    # Given the history claimed, released, claimed again
    events = [
        BudgetYearClaimed(year=2027, envelope_id="it-2027", claimed_by=PLANNER, claimed_at=NOW),
        BudgetYearReleased(
            year=2027, envelope_id="it-2027", released_by=PLANNER, released_at=LATER
        ),
        BudgetYearClaimed(year=2027, envelope_id="bis", claimed_by=PLANNER, claimed_at=LATER),
    ]

    # When it is loaded from the store
    claim = reloaded(BudgetYear.of(2027), events)

    # Then it stands where the history left it
    assert (claim.version, claim.year, claim.holder) == (3, 2027, "bis")
    assert claim.holders == ["it-2027", "bis"]


def test_the_claim_stream_of_a_year_is_named_after_it() -> None:
    assert budget_year_id(2031) == "budget-year-2031"
    assert BudgetYear(budget_year_id(2031)).year == 2031
    for wrong in ("2031", "budget-year-", "budget-year-20x1", "budget-envelope-2031"):
        with pytest.raises(DomainError, match="is not a budget year"):
            BudgetYear(wrong)


def test_a_claim_on_a_year_out_of_range_or_by_no_envelope_is_a_domain_error() -> None:
    with pytest.raises(DomainError, match="cannot claim 1850: year"):
        BudgetYear.of(1850).claim("old", actor_id=PLANNER, now=NOW)
    with pytest.raises(DomainError, match="envelope_id"):
        BudgetYear.of(2027).claim("  ", actor_id=PLANNER, now=NOW)


def test_a_claim_refuses_events_of_other_streams() -> None:
    with pytest.raises(TypeError, match="not a budget-year event"):
        BudgetYear.of(2027).apply(
            ScenarioArchived(scenario_id="S-1", archived_by=PLANNER, archived_at=NOW)
        )
