"""Commands are request bodies: malformed ones are refused before they reach the aggregate."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from pmo_demand.domain import (
    AcceptDemand,
    BusinessCase,
    DemandContent,
    ProvideInformation,
    QualifyDemand,
    RejectDemand,
    RequestInformation,
    ReviseBusinessCase,
    SubmitDemand,
    WithdrawDemand,
)
from pmo_kernel.money import Money


def content_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "New CRM",
        "department": "Sales",
        "category": "project",
        "urgency": "medium",
        "desired_start_quarter": "2027-Q1",
        "desired_end_quarter": "2027-Q2",
    }
    body.update(overrides)
    return body


def case_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "problem": "Leads are tracked in spreadsheets",
        "objectives": ["One customer view"],
        "estimated_cost": {"amount": "150000.00", "currency": "EUR"},
        "effort_person_days": 200,
    }
    body.update(overrides)
    return body


def submit(content: dict[str, Any] | None = None, case: Any = None) -> SubmitDemand:
    body: dict[str, Any] = {"content": content or content_body()}
    if case is not None:
        body["business_case"] = case
    return SubmitDemand.model_validate(body)


def test_a_well_formed_submission_is_read_with_its_strings_trimmed() -> None:
    command = submit(
        content_body(title="  New CRM ", sponsor="  ", strategic_objectives=[" Growth "]),
        case_body(),
    )

    assert command.content.title == "New CRM"
    assert command.content.sponsor is None  # a blank optional field means "not given"
    assert command.content.strategic_objectives == ["Growth"]
    assert command.business_case is not None
    assert command.business_case.estimated_cost == Money.of("150000", "EUR")


def test_a_partial_business_case_is_acceptable_at_submission() -> None:
    command = submit(case={"problem": "Only the problem so far"})

    assert command.business_case == BusinessCase(problem="Only the problem so far")


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_a_submission_without_a_sensible_title_is_refused(title: str) -> None:
    with pytest.raises(ValidationError, match="title"):
        submit(content_body(title=title))


@pytest.mark.parametrize(
    "overrides",
    [
        {"department": ""},
        {"department": "d" * 101},
        {"description": "d" * 10_001},
        {"category": "hobby"},
        {"urgency": "yesterday"},
        {"strategic_objectives": [f"objective {i}" for i in range(21)]},
        {"strategic_objectives": ["  "]},
    ],
    ids=[
        "empty department",
        "long department",
        "long description",
        "unknown category",
        "unknown urgency",
        "too many objectives",
        "blank objective",
    ],
)
def test_content_outside_its_bounds_is_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        submit(content_body(**overrides))


@pytest.mark.parametrize("quarter", ["2027Q1", "2027-Q5", "2027-Q0", "27-Q1", "Q1-2027", "2027"])
def test_a_quarter_not_written_like_2027_q1_is_refused(quarter: str) -> None:
    with pytest.raises(ValidationError, match="desired_start_quarter"):
        submit(content_body(desired_start_quarter=quarter, desired_end_quarter=None))


def test_a_quarter_in_lower_case_is_understood() -> None:
    command = submit(content_body(desired_start_quarter="2027-q3", desired_end_quarter="2028-q1"))

    assert command.content.desired_start_quarter == "2027-Q3"


def test_a_desired_end_before_the_desired_start_is_refused() -> None:
    with pytest.raises(ValidationError, match="before desired start quarter"):
        submit(content_body(desired_start_quarter="2027-Q3", desired_end_quarter="2027-Q2"))


def test_a_demand_may_start_and_end_in_the_same_quarter() -> None:
    content = DemandContent.model_validate(
        content_body(desired_start_quarter="2027-Q3", desired_end_quarter="2027-Q3")
    )

    assert content.desired_end_quarter == "2027-Q3"


@pytest.mark.parametrize("field", ["estimated_cost", "benefits_estimate"])
def test_a_negative_amount_of_money_is_refused(field: str) -> None:
    with pytest.raises(ValidationError, match="must not be negative"):
        submit(case=case_body(**{field: {"amount": "-1.00", "currency": "EUR"}}))


def test_an_unknown_currency_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown currency"):
        submit(case=case_body(estimated_cost={"amount": "10", "currency": "XYZ"}))


def test_a_negative_effort_is_refused() -> None:
    with pytest.raises(ValidationError, match="effort_person_days"):
        submit(case=case_body(effort_person_days=-5))


def test_the_requester_cannot_be_chosen_in_the_body() -> None:
    with pytest.raises(ValidationError, match="requester"):
        submit(content_body(requester="someone-else"))


def test_an_unknown_field_is_refused_rather_than_ignored() -> None:
    with pytest.raises(ValidationError, match="estimated_kost"):
        ReviseBusinessCase.model_validate(
            {"business_case": {"estimated_kost": {"amount": "1", "currency": "EUR"}}}
        )


@pytest.mark.parametrize("questions", [[], ["   "], ["q"] * 51])
def test_a_request_for_information_needs_one_to_fifty_real_questions(
    questions: list[str],
) -> None:
    with pytest.raises(ValidationError):
        RequestInformation(questions=questions)


def test_answers_cannot_be_blank() -> None:
    with pytest.raises(ValidationError):
        ProvideInformation(answers="  ")


def test_a_rejection_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="reason"):
        RejectDemand.model_validate({})
    with pytest.raises(ValidationError):
        RejectDemand(reason="   ")


def test_a_blank_withdrawal_reason_counts_as_none() -> None:
    assert WithdrawDemand(reason=" ").reason is None


def test_qualification_and_acceptance_need_no_body() -> None:
    assert QualifyDemand.model_validate({}).note is None
    assert AcceptDemand.model_validate({}).note is None


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (RejectDemand(reason="No"), "reason"),
        (WithdrawDemand(), "reason"),
        (QualifyDemand(), "note"),
        (AcceptDemand(), "note"),
        (submit(), "business_case"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseModel) else value,
)
def test_commands_cannot_be_changed_once_made(command: BaseModel, field: str) -> None:
    with pytest.raises(ValidationError, match="frozen"):
        setattr(command, field, None)
