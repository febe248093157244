"""Resource requests: raised open, revised and cancelled while open (a project manager only
their own), filled once by the staffing flow."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from pmo_capacity.domain import (
    RaiseResourceRequest,
    RequestSource,
    RequestStatus,
    RequiredSkill,
    ResourceRequest,
    ResourceRequestCancelled,
    ResourceRequestFilled,
    ResourceRequestRaised,
    ResourceRequestRevised,
    ReviseResourceRequest,
)
from pmo_kernel.errors import DomainError, InvalidTransition, PermissionDenied

PM = ("paula", frozenset({"project_manager"}))
OTHER_PM = ("peter", frozenset({"project_manager"}))
ANALYST = ("paul", frozenset({"pmo_analyst"}))


def raise_body(**more: Any) -> dict[str, Any]:
    return {
        "project_id": "erp",
        "role": "developer",
        "skills": [{"name": "python", "min_level": 3}],
        "start_week": "2027-W10",
        "end_week": "2027-W22",
        "hours_per_week": "24",
        **more,
    }


def raised(by: str = "paula", **more: Any) -> ResourceRequest:
    """A stored open request raised by `by`."""
    command = RaiseResourceRequest.model_validate(raise_body(**more))
    request = ResourceRequest.raise_request("r-1", command, RequestSource.DIRECT, by)
    request.mark_saved(1, None)
    return request


def revision(**fields: Any) -> ReviseResourceRequest:
    return ReviseResourceRequest.model_validate(fields)


def test_a_raised_request_is_open_with_what_it_asks_for() -> None:
    command = RaiseResourceRequest.model_validate(raise_body(note="ERP go-live"))

    request = ResourceRequest.raise_request("r-1", command, RequestSource.DIRECT, "paula")

    (event,) = request.pending
    assert isinstance(event, ResourceRequestRaised)
    assert (event.request_id, event.project_id, event.role, event.source, event.raised_by) == (
        "r-1", "erp", "developer", RequestSource.DIRECT, "paula",
    )  # fmt: skip
    assert event.skills == [RequiredSkill(name="python", min_level=3)]
    assert request.status is RequestStatus.OPEN
    assert (request.start_week, request.end_week, request.hours_per_week) == (
        "2027-W10", "2027-W22", Decimal(24),
    )  # fmt: skip
    assert request.note == "ERP go-live"


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"hours_per_week": "-8"}, id="negative hours"),
        pytest.param({"hours_per_week": "0"}, id="no hours"),
        pytest.param({"start_week": "2027-W12", "end_week": "2027-W10"}, id="end before start"),
        pytest.param({"start_week": "2027-W01", "end_week": "2030-W10"}, id="over three years"),
        pytest.param({"role": "wizard"}, id="unknown role"),
        pytest.param(
            {"skills": [{"name": "Python", "min_level": 3}, {"name": "python", "min_level": 4}]},
            id="duplicate skill",
        ),
        pytest.param({"skills": [{"name": "python", "min_level": 6}]}, id="level above 5"),
        pytest.param({"start_week": "2027-W54"}, id="no such week"),
    ],
)
def test_a_request_that_does_not_hold_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RaiseResourceRequest.model_validate(raise_body(**bad))


def test_the_project_manager_who_raised_it_revises_period_hours_and_skills() -> None:
    request = raised()

    request.revise(
        revision(end_week="2027-W30", hours_per_week="16",
                 skills=[{"name": "python", "min_level": 4}]),
        *PM,
    )  # fmt: skip

    (event,) = request.pending
    assert isinstance(event, ResourceRequestRevised)
    assert (event.start_week, event.end_week, event.hours_per_week) == (
        "2027-W10", "2027-W30", Decimal(16),
    )  # fmt: skip
    assert request.skills == (RequiredSkill(name="python", min_level=4),)


def test_another_project_manager_may_not_change_it_but_an_analyst_may() -> None:
    request = raised()

    with pytest.raises(PermissionDenied):
        request.revise(revision(hours_per_week="8"), *OTHER_PM)
    with pytest.raises(PermissionDenied):
        request.cancel("not needed", *OTHER_PM)
    assert not request.pending

    request.cancel("the vendor staffs it", *ANALYST)
    (event,) = request.pending
    assert isinstance(event, ResourceRequestCancelled)
    assert (event.reason, event.cancelled_by) == ("the vendor staffs it", "paul")
    assert request.status is RequestStatus.CANCELLED


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"end_week": "2027-W05"}, id="would end before it starts"),
        pytest.param({"end_week": "2030-W10"}, id="would span over three years"),
        pytest.param({"hours_per_week": "24"}, id="changes nothing"),
    ],
)
def test_a_revision_that_does_not_hold_is_refused(bad: dict[str, Any]) -> None:
    request = raised()

    with pytest.raises(DomainError) as refused:
        request.revise(revision(**bad), *PM)

    assert refused.value.status == 422
    assert request.pending == ()


def test_a_revision_must_say_something_and_require_each_skill_once() -> None:
    with pytest.raises(ValidationError):
        revision()
    with pytest.raises(ValidationError):
        revision(skills=[{"name": "sql", "min_level": 1}, {"name": "SQL", "min_level": 2}])


def test_a_request_is_filled_once_with_the_person_and_their_allocation() -> None:
    request = raised()

    request.fill("p-1", "a-1", "rita")

    (event,) = request.pending
    assert isinstance(event, ResourceRequestFilled)
    assert (event.person_id, event.allocation_id, event.filled_by) == ("p-1", "a-1", "rita")
    assert (request.status, request.person_id, request.allocation_id) == (
        RequestStatus.FILLED, "p-1", "a-1",
    )  # fmt: skip
    request.mark_saved(2, None)
    with pytest.raises(InvalidTransition):
        request.fill("p-2", "a-2", "rita")


@pytest.mark.parametrize("ending", ["fill", "cancel"])
def test_only_an_open_request_is_revised_cancelled_or_filled(ending: str) -> None:
    request = raised()
    if ending == "fill":
        request.fill("p-1", "a-1", "rita")
    else:
        request.cancel("not needed", *PM)
    request.mark_saved(2, None)

    with pytest.raises(InvalidTransition) as refused:
        request.revise(revision(hours_per_week="8"), *PM)
    with pytest.raises(InvalidTransition):
        request.cancel("again", *PM)
    with pytest.raises(InvalidTransition):
        request.fill("p-1", "a-1", "rita")

    assert refused.value.status == 409
    assert request.pending == ()
