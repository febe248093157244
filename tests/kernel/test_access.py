"""Who sees a record, and whether with its figures (pmo_kernel.access)."""

from __future__ import annotations

import pytest

from pmo_kernel.access import Audience, Ownership, Sight, person_key, without_figures
from pmo_kernel.identity import Principal, Role
from pmo_kernel.settings import Settings

OWNED = Ownership(requester="alice", department="Finance", sponsor="  Dr  Carol   KING ")


def audience(
    *roles: Role,
    subject: str = "someone",
    name: str | None = None,
    department: str | None = None,
    share_department: bool = False,
    delivered: bool = False,
) -> Audience:
    principal = Principal(subject=subject, name=name, roles=frozenset(roles), department=department)
    settings = Settings(requesters_see_department=share_department)
    return Audience.of(principal, settings, delivered=delivered)


@pytest.mark.parametrize(
    "role",
    [Role.PMO_ANALYST, Role.PORTFOLIO_BOARD, Role.EXECUTIVE, Role.AUDITOR, Role.ADMIN,
     Role.SERVICE],
)  # fmt: skip
def test_the_portfolio_readers_see_every_record_with_its_figures(role: Role) -> None:
    assert audience(role).sight(OWNED) is Sight.FULL


def test_a_requester_sees_their_own_record_with_its_figures() -> None:
    assert audience(Role.REQUESTER, subject="alice").sight(OWNED) is Sight.FULL


def test_a_requester_does_not_see_another_requesters_record() -> None:
    assert audience(Role.REQUESTER, subject="bob", department="Finance").sight(OWNED) is Sight.NONE


def test_the_department_sees_its_records_without_figures_where_configured() -> None:
    colleague = audience(Role.REQUESTER, subject="bob", department="Finance", share_department=True)
    stranger = audience(Role.REQUESTER, subject="eve", department="Sales", share_department=True)

    assert colleague.sight(OWNED) is Sight.SUMMARY
    assert stranger.sight(OWNED) is Sight.NONE


def test_the_sponsor_is_recognised_by_name_whatever_the_case_and_spacing() -> None:
    sponsor = audience(Role.REQUESTER, subject="u-42", name="dr carol king")

    assert sponsor.sight(OWNED) is Sight.FULL
    assert person_key("  Dr  Carol   KING ") == "dr carol king"


def test_delivery_roles_see_delivered_records_without_figures_and_no_demands() -> None:
    assert audience(Role.PROJECT_MANAGER, delivered=True).sight(OWNED) is Sight.SUMMARY
    assert audience(Role.RESOURCE_MANAGER, delivered=False).sight(OWNED) is Sight.NONE


def test_a_caller_without_roles_sees_nothing_but_what_they_own() -> None:
    assert audience().sight(OWNED) is Sight.NONE
    assert audience(subject="alice").sight(OWNED) is Sight.FULL


def test_without_figures_nulls_every_amount_of_money_however_deep() -> None:
    changes = {
        "business_case": {
            "from": {"estimated_cost": {"amount": "10", "currency": "EUR"}, "problem": "p"},
            "to": {"estimated_cost": {"amount": "12", "currency": "EUR"}, "risks": ["r"]},
        },
        "lines": [{"amount": "1", "currency": "USD"}, {"amount": "1", "note": "not money"}],
    }

    assert without_figures(changes) == {
        "business_case": {
            "from": {"estimated_cost": None, "problem": "p"},
            "to": {"estimated_cost": None, "risks": ["r"]},
        },
        "lines": [None, {"amount": "1", "note": "not money"}],
    }
