"""WSJF: cost of delay over job size, on the modified Fibonacci scale, as a built-in model."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pmo_kernel.errors import DomainError
from pmo_portfolio.domain.scoring import (
    FIBONACCI,
    FIBONACCI_SCALE,
    WSJF_KEYS,
    Criterion,
    Direction,
    ModelKind,
    Scale,
    ScoringModel,
    consolidate,
    item_score,
    validate_criteria,
    validate_scores,
    wsjf_criteria,
    wsjf_model,
    wsjf_score,
    wsjf_score_of,
)
from tests.portfolio.unit import (
    ALICE,
    ANALYST,
    BOB,
    MODEL_ID,
    NOW,
    criterion,
    evaluation,
    justified,
)


@pytest.mark.parametrize(
    ("components", "expected"),
    [
        ((8, 5, 3, 5), "3.20"),  # 16 / 5
        ((20, 20, 20, 1), "60.00"),  # the highest possible
        ((1, 1, 1, 20), "0.15"),  # the lowest possible
        ((13, 8, 2, 3), "7.67"),  # 23 / 3, rounded half up
        ((1, 1, 3, 8), "0.63"),  # 5 / 8 = 0.625, half up
    ],
)
def test_wsjf_is_cost_of_delay_divided_by_job_size(
    components: tuple[int, int, int, int], expected: str
) -> None:
    assert wsjf_score(*components) == Decimal(expected)


@pytest.mark.parametrize("position", range(4), ids=list(WSJF_KEYS))
@pytest.mark.parametrize("value", [0, 4, 21, -1])
def test_a_wsjf_component_off_the_modified_fibonacci_scale_is_refused(
    position: int, value: int
) -> None:
    components = [5, 5, 5, 5]
    components[position] = value

    with pytest.raises(DomainError, match=f"1, 2, 3, 5, 8, 13, 20; got {value}") as refused:
        wsjf_score(*components)
    assert refused.value.extensions["criterion"] == WSJF_KEYS[position]


def test_wsjf_from_scores_needs_every_component() -> None:
    with pytest.raises(DomainError, match="WSJF needs a score for job_size"):
        wsjf_score_of({"business_value": 8, "time_criticality": 5, "risk_reduction": 3})


def test_the_built_in_wsjf_model_has_the_four_components_on_the_fibonacci_scale() -> None:
    model = wsjf_model()

    assert model.kind is ModelKind.WSJF
    assert model.keys == WSJF_KEYS
    assert all(c.scale == FIBONACCI_SCALE for c in model.criteria)
    assert FIBONACCI_SCALE.values == FIBONACCI == (1, 2, 3, 5, 8, 13, 20)
    assert model.criterion("job_size").direction is Direction.INVERSE
    validate_criteria(ModelKind.WSJF, model.criteria)


def test_an_item_scored_with_a_wsjf_model_gets_its_wsjf() -> None:
    model = wsjf_model(MODEL_ID)
    scores = {"business_value": 8, "time_criticality": 5, "risk_reduction": 3, "job_size": 5}

    assert item_score(model, scores) == Decimal("3.20")
    result = consolidate(
        model,
        [
            evaluation(model, ALICE, scores),
            evaluation(model, BOB, {**scores, "job_size": 8}),  # 16 / 8 = 2.00
        ],
    )
    assert result is not None
    assert result.score == Decimal("2.60")
    assert result.spread == Decimal("1.20")


def test_a_wsjf_evaluation_off_the_fibonacci_scale_is_refused_naming_the_component() -> None:
    scores = {"business_value": 8, "time_criticality": 4, "risk_reduction": 3, "job_size": 5}

    with pytest.raises(
        DomainError, match=r"score 4 for criterion time_criticality .* one of 1, 2, 3, 5, 8, 13, 20"
    ):
        validate_scores(wsjf_model(), scores, justified(scores))


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        (wsjf_criteria()[:3], "exactly the criteria business_value, time_criticality"),
        (
            (*wsjf_criteria()[:3], criterion("effort", 25, scale=FIBONACCI_SCALE)),
            "exactly the criteria",
        ),
        (
            (
                *(c.model_copy(update={"weight": Decimal(20)}) for c in wsjf_criteria()),
                criterion("cost", 20, scale=FIBONACCI_SCALE),
            ),
            "exactly the criteria",
        ),
        (
            (
                *wsjf_criteria()[:3],
                wsjf_criteria()[3].model_copy(update={"scale": Scale(min=1, max=10)}),
            ),
            "job_size must use the modified Fibonacci scale",
        ),
        (
            (
                *wsjf_criteria()[:3],
                wsjf_criteria()[3].model_copy(update={"direction": Direction.HIGHER_IS_BETTER}),
            ),
            "job_size must be inverse",
        ),
    ],
    ids=["missing one", "renamed one", "a fifth", "job size off Fibonacci", "job size upside down"],
)
def test_a_wsjf_model_must_have_exactly_the_four_wsjf_components(
    criteria: tuple[Criterion, ...], message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        ScoringModel.create(MODEL_ID, "WSJF", ModelKind.WSJF, criteria, ANALYST, NOW)


def test_a_missing_wsjf_component_is_refused_even_when_the_weights_add_up() -> None:
    rebalanced = tuple(
        c.model_copy(update={"weight": Decimal("33.34") if i == 0 else Decimal("33.33")})
        for i, c in enumerate(wsjf_criteria()[:3])
    )

    with pytest.raises(DomainError, match="exactly the criteria") as refused:
        validate_criteria(ModelKind.WSJF, rebalanced)
    assert refused.value.extensions["rule"] == "wsjf_components"
