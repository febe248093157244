"""A scoring model's life: drafted, published as versions that never change, retired; and every
rule its criteria must follow."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_portfolio.domain.scoring import (
    Criterion,
    Direction,
    ModelKind,
    ModelStatus,
    Scale,
    ScoringModel,
    ScoringModelCreated,
    ScoringModelDraftRevised,
    ScoringModelRetired,
    ScoringModelVersionPublished,
    validate_criteria,
    wsjf_criteria,
)
from tests.portfolio.unit import (
    ANALYST,
    LATER,
    MODEL_ID,
    NOW,
    created,
    criterion,
    published,
    saved,
    simple_criteria,
    standard_criteria,
)


def test_a_new_scoring_model_is_a_draft_with_its_criteria() -> None:
    model = ScoringModel.create(
        MODEL_ID, "  Standard scoring ", ModelKind.WEIGHTED, standard_criteria(), ANALYST, NOW
    )

    (event,) = model.pending
    assert isinstance(event, ScoringModelCreated)
    assert event.model_id == MODEL_ID
    assert event.name == "Standard scoring"
    assert event.kind is ModelKind.WEIGHTED
    assert event.criteria == standard_criteria()
    assert event.created_by == ANALYST
    assert event.created_at == NOW
    assert model.status is ModelStatus.DRAFT
    assert model.draft == standard_criteria()
    assert model.latest_version == 0
    assert model.latest is None
    assert model.exists


def test_nothing_can_be_scored_with_a_model_that_was_never_published() -> None:
    model = created()

    assert not model.accepts_scores
    with pytest.raises(InvalidTransition, match="draft; items can only be scored"):
        model.for_scoring()


def test_publishing_freezes_the_draft_as_version_1_with_its_full_criteria() -> None:
    model = created()

    model.publish(ANALYST, LATER)

    (event,) = model.pending
    assert isinstance(event, ScoringModelVersionPublished)
    assert event.version == 1
    assert event.criteria == standard_criteria()
    assert event.kind is ModelKind.WEIGHTED
    assert event.name == "Standard scoring"
    assert event.published_by == ANALYST
    assert event.published_at == LATER
    assert model.status is ModelStatus.PUBLISHED
    assert model.draft is None
    assert model.latest_version == 1
    assert model.for_scoring() == model.published_version(1)
    assert model.for_scoring().criteria == standard_criteria()
    assert model.published_at == {1: LATER}


def test_publishing_twice_without_a_revised_draft_is_refused() -> None:
    model = published()

    with pytest.raises(InvalidTransition, match="no draft to publish: version 1 is already"):
        model.publish(ANALYST, NOW)
    assert model.pending == ()


def test_a_revised_draft_is_published_as_the_next_version_and_the_old_version_stays() -> None:
    model = published()
    version_1 = model.published_version(1)
    revised = (
        criterion("strategic_alignment", 35),
        *standard_criteria()[1:3],
        *(c.model_copy(update={"weight": Decimal(10)}) for c in standard_criteria()[3:]),
    )

    model.revise_draft(revised, ANALYST, NOW)
    model.publish(ANALYST, LATER)

    draft_event, published_event = model.pending
    assert isinstance(draft_event, ScoringModelDraftRevised)
    assert draft_event.draft_version == 2
    assert draft_event.criteria == revised
    assert isinstance(published_event, ScoringModelVersionPublished)
    assert published_event.version == 2
    assert model.latest_version == 2
    assert model.for_scoring().criteria == revised
    assert model.published_version(1) == version_1
    assert model.published_version(1).criteria == standard_criteria()


def test_while_a_new_draft_is_open_items_are_still_scored_with_the_latest_published_version() -> (
    None
):
    model = published()

    model.revise_draft(simple_criteria(), ANALYST, NOW)

    assert model.status is ModelStatus.PUBLISHED
    assert model.draft == simple_criteria()
    assert model.for_scoring().version == 1
    assert model.for_scoring().criteria == standard_criteria()


def test_a_draft_may_be_revised_before_the_first_publication() -> None:
    model = created()

    model.revise_draft(simple_criteria(), ANALYST, NOW)
    model.publish(ANALYST, NOW)

    draft_event, published_event = model.pending
    assert isinstance(draft_event, ScoringModelDraftRevised)
    assert draft_event.draft_version == 1
    assert isinstance(published_event, ScoringModelVersionPublished)
    assert published_event.version == 1
    assert published_event.criteria == simple_criteria()


def test_a_version_that_was_never_published_cannot_be_looked_up() -> None:
    model = published()

    with pytest.raises(DomainError, match="no published version 2"):
        model.published_version(2)


def test_a_revision_identical_to_the_current_draft_is_refused() -> None:
    model = created()

    with pytest.raises(DomainError, match="identical to the current draft"):
        model.revise_draft(standard_criteria(), ANALYST, NOW)
    assert model.pending == ()


def test_a_revision_identical_to_the_published_version_is_refused() -> None:
    model = published()

    with pytest.raises(DomainError, match="identical to published version 1"):
        model.revise_draft(standard_criteria(), ANALYST, NOW)


def test_a_draft_revised_back_to_the_published_criteria_cannot_be_published() -> None:
    model = published()
    model.revise_draft(simple_criteria(), ANALYST, NOW)
    model.revise_draft(standard_criteria(), ANALYST, NOW)
    saved(model)

    with pytest.raises(DomainError, match="nothing new to publish"):
        model.publish(ANALYST, NOW)
    assert model.pending == ()


def test_a_retired_model_records_its_last_version_and_takes_no_new_scores() -> None:
    model = published()

    model.retire(ANALYST, "Replaced by the 2027 model", LATER)

    (event,) = model.pending
    assert isinstance(event, ScoringModelRetired)
    assert event.last_version == 1
    assert event.reason == "Replaced by the 2027 model"
    assert event.retired_at == LATER
    assert model.status is ModelStatus.RETIRED
    assert not model.accepts_scores
    with pytest.raises(InvalidTransition, match="retired"):
        model.for_scoring()
    assert model.published_version(1).criteria == standard_criteria()


def test_a_model_retired_before_any_publication_has_no_last_version() -> None:
    model = created()

    model.retire(ANALYST, now=NOW)

    (event,) = model.pending
    assert isinstance(event, ScoringModelRetired)
    assert event.last_version is None
    assert event.reason is None


def perform(model: ScoringModel, command: str) -> None:
    """Issue `command` (a ScoringModel method name) with arguments that are valid in themselves."""
    match command:
        case "revise_draft":
            model.revise_draft(simple_criteria(), ANALYST, NOW)
        case "publish":
            model.publish(ANALYST, NOW)
        case "retire":
            model.retire(ANALYST, now=NOW)
        case _:
            raise ValueError(f"unknown command {command}")


@pytest.mark.parametrize("command", ["revise_draft", "publish", "retire"])
def test_a_retired_model_refuses_every_command(command: str) -> None:
    model = published()
    model.revise_draft(simple_criteria(), ANALYST, NOW)
    model.retire(ANALYST, now=NOW)
    saved(model)

    with pytest.raises(InvalidTransition, match="is retired") as refused:
        perform(model, command)
    assert refused.value.extensions["command"] == command
    assert model.pending == ()


@pytest.mark.parametrize("command", ["revise_draft", "publish", "retire"])
def test_a_model_that_was_never_created_refuses_every_command(command: str) -> None:
    model = ScoringModel(MODEL_ID)

    with pytest.raises(InvalidTransition, match="does not exist"):
        perform(model, command)


# -- rules on the criteria ------------------------------------------------------------------------


def _weights(*weights: str) -> tuple[Criterion, ...]:
    return tuple(criterion(f"c{i}", w) for i, w in enumerate(weights))


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        (_weights("60", "39"), "add up to 99 %"),
        (_weights("60", "41"), "add up to 101 %"),
        (_weights("33.33", "33.33", "33.33"), "add up to 99.99 %"),
        (
            (criterion("risk", 50), criterion("risk", 50)),
            "keys must be unique; repeated: risk",
        ),
        ((), "at least one criterion"),
    ],
    ids=["under 100", "over 100", "rounding short of 100", "duplicate keys", "no criteria"],
)
def test_criteria_breaking_a_rule_are_refused_at_creation_and_revision(
    criteria: tuple[Criterion, ...], message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        ScoringModel.create(MODEL_ID, "Bad", ModelKind.WEIGHTED, criteria, ANALYST, NOW)

    model = created()
    with pytest.raises(DomainError, match=message):
        model.revise_draft(criteria, ANALYST, NOW)
    assert model.pending == ()


def test_weights_adding_up_to_exactly_100_with_decimals_are_accepted() -> None:
    criteria = _weights("33.34", "33.33", "33.33")

    validate_criteria(ModelKind.WEIGHTED, criteria)

    assert created(criteria).draft == criteria


def test_the_refusal_names_the_rule_it_enforces() -> None:
    with pytest.raises(DomainError) as refused:
        validate_criteria(ModelKind.WEIGHTED, _weights("50", "40"))

    assert refused.value.extensions["rule"] == "weights_sum_to_100"
    assert refused.value.extensions["total"] == "90"


@pytest.mark.parametrize(
    ("scale", "message"),
    [
        ({"min": 5, "max": 5}, "minimum 5 must be below its maximum 5"),
        ({"min": 10, "max": 0}, "minimum 10 must be below its maximum 0"),
        ({"min": 1, "max": 5, "values": [1, 3, 2, 5]}, "strictly increasing"),
        ({"min": 1, "max": 5, "values": [2, 3, 5]}, "start at the minimum 1"),
        ({"min": 1.5, "max": 5}, "integer"),
    ],
    ids=["empty", "upside down", "unordered values", "values off the bounds", "not integer"],
)
def test_a_scale_whose_minimum_is_not_below_its_maximum_cannot_be_built(
    scale: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Scale.model_validate(scale)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"key": "Risk level"}, "pattern"),
        ({"key": ""}, "pattern"),
        ({"label": "  "}, "at least 1 character"),
        ({"weight": Decimal(0)}, "greater than 0"),
        ({"weight": Decimal("100.5")}, "less than or equal to 100"),
        ({"mandatory_when_at_least": 11}, "threshold 11 is outside its scale 0–10"),
        ({"direction": "sideways"}, "higher_is_better"),
    ],
)
def test_a_malformed_criterion_cannot_be_built(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        criterion(**{"key": "risk", "weight": 10, **overrides})


def test_an_inverse_criterion_normalises_from_the_top_of_its_scale() -> None:
    risk = criterion("risk", 10, scale=Scale(min=1, max=5), direction=Direction.INVERSE)
    value = criterion("value", 10, scale=Scale(min=1, max=5))

    assert [risk.normalised(s) for s in (1, 2, 5)] == [1, Decimal("0.75"), 0]
    assert [value.normalised(s) for s in (1, 2, 5)] == [0, Decimal("0.25"), 1]


def test_a_wsjf_model_is_created_from_the_built_in_components() -> None:
    model = ScoringModel.create(MODEL_ID, "WSJF", ModelKind.WSJF, wsjf_criteria(), ANALYST, NOW)

    model.publish(ANALYST, NOW)

    assert model.for_scoring().kind is ModelKind.WSJF
    assert model.for_scoring().keys == (
        "business_value",
        "time_criticality",
        "risk_reduction",
        "job_size",
    )


def test_a_wsjf_model_revised_with_weighted_criteria_is_refused() -> None:
    model = published(wsjf_criteria(), ModelKind.WSJF)

    with pytest.raises(DomainError, match="exactly the criteria business_value"):
        model.revise_draft(standard_criteria(), ANALYST, NOW)
