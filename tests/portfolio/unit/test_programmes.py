"""Programmes group portfolio items under one sponsor; an item joins one programme at a time and
moving it keeps the programme it left on record."""

from __future__ import annotations

import pytest

from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_portfolio.domain.governance import ItemAssignedToProgramme, PortfolioItem
from pmo_portfolio.domain.programmes import Programme, ProgrammeEstablished
from tests.portfolio.unit.governance_helpers import ANALYST, LATER, NOW, candidate, saved
from tests.portfolio.unit.planning_helpers import reloaded


def test_establishing_a_programme_records_its_name_description_and_sponsor() -> None:
    established = Programme.establish(
        "digital-workplace",
        name="Digital workplace",
        description="Every project that changes how staff work day to day.",
        sponsor="COO",
        actor_id=ANALYST,
        now=NOW,
    )

    assert established.pending == (
        ProgrammeEstablished(
            programme_id="digital-workplace",
            name="Digital workplace",
            description="Every project that changes how staff work day to day.",
            sponsor="COO",
            established_by=ANALYST,
            established_at=NOW,
        ),
    )
    assert (established.name, established.sponsor, established.established) == (
        "Digital workplace",
        "COO",
        True,
    )


def test_a_programme_needs_a_name_and_a_sponsor() -> None:
    with pytest.raises(DomainError, match="programme P cannot be established: name") as refused:
        Programme.establish("P", name=" ", description="d", sponsor="", actor_id=ANALYST, now=NOW)

    assert "sponsor" in str(refused.value)


def test_a_programme_survives_the_store() -> None:
    established = Programme.establish(
        "P", name="Data", description="Data platform work", sponsor="CDO", actor_id=ANALYST
    )

    again = reloaded(established, established.pending)

    assert (again.name, again.description, again.sponsor) == ("Data", "Data platform work", "CDO")


def test_an_item_joins_a_programme_with_no_previous_one_the_first_time() -> None:
    item = candidate()

    item.assign_to_programme("digital-workplace", actor_id=ANALYST, now=NOW)

    assert item.pending == (
        ItemAssignedToProgramme(
            item_id="D-1",
            programme_id="digital-workplace",
            previous_programme_id=None,
            assigned_by=ANALYST,
            assigned_at=NOW,
        ),
    )
    assert item.programme_id == "digital-workplace"


def test_moving_an_item_to_another_programme_keeps_the_one_it_left() -> None:
    item = candidate()
    item.assign_to_programme("digital-workplace", actor_id=ANALYST, now=NOW)
    saved(item)

    item.assign_to_programme("data-platform", actor_id=ANALYST, now=LATER)

    (moved,) = item.pending
    assert isinstance(moved, ItemAssignedToProgramme)
    assert (moved.programme_id, moved.previous_programme_id) == (
        "data-platform",
        "digital-workplace",
    )


def test_assigning_an_item_to_its_own_programme_again_is_refused() -> None:
    item = candidate()
    item.assign_to_programme("digital-workplace", actor_id=ANALYST, now=NOW)
    saved(item)

    with pytest.raises(InvalidTransition, match="already in programme digital-workplace"):
        item.assign_to_programme("digital-workplace", actor_id=ANALYST, now=LATER)
    assert item.pending == ()


def test_an_unregistered_item_joins_no_programme() -> None:
    with pytest.raises(InvalidTransition, match="has not been registered"):
        PortfolioItem("D-0").assign_to_programme("digital-workplace", actor_id=ANALYST)


def test_the_programme_of_an_item_survives_the_store() -> None:
    item = PortfolioItem.register_candidate(
        "D-2", title="T", department="IT", category="project", requester="alice",
        actor_id=ANALYST, now=NOW,
    )  # fmt: skip
    item.assign_to_programme("digital-workplace", actor_id=ANALYST, now=NOW)

    assert reloaded(item, item.pending).programme_id == "digital-workplace"
