"""Evaluators score items with a model version; their scores are checked, computed, consolidated."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pmo_kernel.errors import DomainError
from pmo_portfolio.domain.scoring import (
    ItemScored,
    Scale,
    consolidate,
    item_score,
    latest_by_evaluator,
    score_item,
    scores_of,
    validate_scores,
    weighted_score,
)
from tests.portfolio.unit import (
    ALICE,
    ANALYST,
    BOB,
    CAROL,
    ITEM_ID,
    LATER,
    MODEL_ID,
    NOW,
    SIMPLE,
    STANDARD,
    criterion,
    evaluation,
    justified,
    published,
    saved,
    simple_criteria,
    version_of,
)

BASELINE = {
    "strategic_alignment": 5,
    "business_value": 5,
    "regulatory_obligation": 0,
    "risk": 3,
    "complexity": 5,
    "cost": 5,
}


def standard(**overrides: int) -> dict[str, int]:
    return {**BASELINE, **overrides}


# -- one evaluation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "risk", "expected"),
    [(7, 2, "72.00"), (4, 4, "34.00"), (10, 1, "100.00"), (0, 5, "0.00"), (5, 3, "50.00")],
)
def test_the_weighted_score_is_the_sum_of_weight_times_normalised_score_out_of_100(
    value: int, risk: int, expected: str
) -> None:
    # value 60 % on 0–10; risk 40 % on 1–5, inverse: 60 × value/10 + 40 × (5 − risk)/4
    assert weighted_score(SIMPLE, {"value": value, "risk": risk}) == Decimal(expected)


def test_an_inverse_criterion_scores_better_the_lower_it_is_rated() -> None:
    low_risk = weighted_score(SIMPLE, {"value": 5, "risk": 1})
    high_risk = weighted_score(SIMPLE, {"value": 5, "risk": 5})

    assert low_risk == Decimal("70.00")
    assert high_risk == Decimal("30.00")


def test_the_score_of_the_issue_example_model() -> None:
    # 25 × .5 + 25 × .5 + 10 × 0 + 15 × (5 − 3)/4 + 10 × .5 + 15 × .5
    assert weighted_score(STANDARD, standard()) == Decimal("45.00")


def test_the_weighted_score_is_rounded_half_up_to_two_decimals() -> None:
    model = version_of(
        (criterion("a", 1, scale=Scale(min=0, max=8)), criterion("b", 99)),
    )

    # 1 × 1/8 = 0.125 exactly: half up gives 0.13 (half even would give 0.12)
    assert weighted_score(model, {"a": 1, "b": 0}) == Decimal("0.13")
    assert weighted_score(model, {"a": 0, "b": 1}) == Decimal("9.90")


def test_item_score_uses_the_weighted_formula_for_a_weighted_model() -> None:
    assert item_score(SIMPLE, {"value": 7, "risk": 2}) == Decimal("72.00")


@pytest.mark.parametrize(
    ("scores", "criterion_key", "message"),
    [
        ({"value": 11, "risk": 2}, "value", "score 11 for criterion value .* from 0 to 10"),
        ({"value": -1, "risk": 2}, "value", "score -1 for criterion value"),
        ({"value": 7, "risk": 0}, "risk", "score 0 for criterion risk .* from 1 to 5"),
        ({"value": 7}, "risk", "criterion risk \\(Risk\\) has no score; give an integer from 1"),
        ({"value": 7, "risk": 2, "cost": 3}, "cost", "'cost' is not a criterion of .* SM-1 v1"),
        ({"value": True, "risk": 2}, "value", "score True for criterion value .* is outside"),
    ],
    ids=["above", "below", "below an inverse scale", "missing", "unknown", "not an integer"],
)
def test_a_score_off_the_scale_is_refused_naming_the_criterion_and_its_scale(
    scores: dict[str, int], criterion_key: str, message: str
) -> None:
    with pytest.raises(DomainError, match=message) as refused:
        validate_scores(SIMPLE, scores, justified({"value": 1, "risk": 1, **scores}))
    assert refused.value.extensions["criterion"] == criterion_key

    with pytest.raises(DomainError, match=message):
        weighted_score(SIMPLE, scores)


def test_a_scale_with_listed_values_refuses_anything_else() -> None:
    model = version_of((criterion("size", 100, scale=Scale(min=1, max=8, values=(1, 2, 4, 8))),))

    validate_scores(model, {"size": 4}, {"size": "Two teams."})
    with pytest.raises(DomainError, match=r"score 3 for criterion size .* one of 1, 2, 4, 8"):
        validate_scores(model, {"size": 3}, {"size": "Two teams."})


@pytest.mark.parametrize(
    "justifications",
    [{"value": "Saves 2 FTE."}, {"value": "Saves 2 FTE.", "risk": "   "}],
    ids=["missing", "blank"],
)
def test_every_criterion_needs_a_justification(justifications: dict[str, str]) -> None:
    with pytest.raises(DomainError, match="criterion risk \\(Risk\\) needs a justification") as e:
        validate_scores(SIMPLE, {"value": 7, "risk": 2}, justifications)
    assert e.value.extensions["criterion"] == "risk"


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(DomainError) as refused:
        validate_scores(SIMPLE, {"value": 12}, {"value": ""})

    problems = refused.value.extensions["problems"]
    assert [(p["criterion"], p["allowed"]) for p in problems] == [
        ("value", "an integer from 0 to 10"),
        ("risk", "an integer from 1 to 5"),
        ("value", "an integer from 0 to 10"),
        ("risk", "an integer from 1 to 5"),
    ]


def test_a_valid_evaluation_becomes_an_item_scored_event_naming_the_model_version() -> None:
    event = score_item(
        SIMPLE,
        item_id=ITEM_ID,
        evaluator_id=ALICE,
        scores={"risk": 2, "value": 7},
        justifications={"value": " Saves 2 FTE. ", "risk": "Known vendor."},
        scored_at=LATER,
    )

    assert event == ItemScored(
        item_id=ITEM_ID,
        evaluator_id=ALICE,
        model_id=MODEL_ID,
        model_version=1,
        scores={"value": 7, "risk": 2},
        justifications={"value": "Saves 2 FTE.", "risk": "Known vendor."},
        scored_at=LATER,
    )


def test_an_invalid_evaluation_records_nothing() -> None:
    with pytest.raises(DomainError, match="needs a justification"):
        score_item(
            SIMPLE,
            item_id=ITEM_ID,
            evaluator_id=ALICE,
            scores={"value": 7, "risk": 2},
            justifications={"value": "Saves 2 FTE."},
        )


# -- versions -------------------------------------------------------------------------------------


def test_publishing_a_new_version_leaves_scores_given_with_the_old_version_as_they_were() -> None:
    model = published(simple_criteria())
    version_1 = model.for_scoring()
    by_alice = evaluation(version_1, ALICE, {"value": 7, "risk": 2})
    before = consolidate(version_1, [by_alice])

    reweighted = tuple(
        c.model_copy(update={"weight": Decimal(20 if c.key == "value" else 80)})
        for c in simple_criteria()
    )
    model.revise_draft(reweighted, ANALYST, NOW)
    model.publish(ANALYST, NOW)
    saved(model)
    version_2 = model.for_scoring()
    by_bob = evaluation(version_2, BOB, {"value": 7, "risk": 2})

    assert version_2.version == 2
    assert by_alice.model_version == 1
    assert item_score(model.published_version(by_alice.model_version), by_alice.scores) == Decimal(
        "72.00"
    )
    assert item_score(version_2, by_bob.scores) == Decimal("74.00")  # 20 × .7 + 80 × .75
    assert consolidate(model.published_version(1), [by_alice, by_bob]) == before
    after = consolidate(version_2, [by_alice, by_bob])
    assert after is not None
    assert after.evaluators == 1
    assert after.evaluator_scores == {BOB: Decimal("74.00")}


def test_an_item_never_scored_with_a_version_has_no_consolidated_score_for_it() -> None:
    assert consolidate(SIMPLE, []) is None
    assert (
        consolidate(
            version_of(simple_criteria(), version=2),
            [evaluation(SIMPLE, ALICE, {"value": 7, "risk": 2})],
        )
        is None
    )


# -- consolidation --------------------------------------------------------------------------------


def test_two_evaluators_are_consolidated_into_their_mean_score_and_their_spread() -> None:
    evaluations = [
        evaluation(SIMPLE, ALICE, {"value": 7, "risk": 2}),  # 72.00
        evaluation(SIMPLE, BOB, {"value": 4, "risk": 4}),  # 34.00
    ]

    result = consolidate(SIMPLE, evaluations)

    assert result is not None
    assert result.item_id == ITEM_ID
    assert (result.model_id, result.model_version) == (MODEL_ID, 1)
    assert result.score == Decimal("53.00")
    assert result.spread == Decimal("38.00")
    assert result.evaluators == 2
    assert result.evaluator_scores == {ALICE: Decimal("72.00"), BOB: Decimal("34.00")}
    assert result.per_criterion == {"value": Decimal("5.50"), "risk": Decimal("3.00")}
    assert result.mandatory is False


def test_the_mean_of_three_evaluators_is_rounded_half_up_to_two_decimals() -> None:
    evaluations = [
        evaluation(SIMPLE, ALICE, {"value": 7, "risk": 2}),  # 72.00
        evaluation(SIMPLE, BOB, {"value": 4, "risk": 4}),  # 34.00
        evaluation(SIMPLE, CAROL, {"value": 1, "risk": 1}),  # 46.00
    ]

    result = consolidate(SIMPLE, evaluations)

    assert result is not None
    assert result.score == Decimal("50.67")  # 152 / 3
    assert result.spread == Decimal("38.00")
    assert result.per_criterion == {"value": Decimal("4.00"), "risk": Decimal("2.33")}


def test_a_single_evaluator_has_no_spread() -> None:
    result = consolidate(SIMPLE, [evaluation(SIMPLE, ALICE, {"value": 7, "risk": 2})])

    assert result is not None
    assert (result.score, result.spread, result.evaluators) == (Decimal("72.00"), Decimal(0), 1)


def test_a_re_score_replaces_only_that_evaluators_contribution() -> None:
    first = evaluation(SIMPLE, ALICE, {"value": 7, "risk": 2}, at=NOW)  # 72.00
    by_bob = evaluation(SIMPLE, BOB, {"value": 4, "risk": 4}, at=NOW)  # 34.00
    rescored = evaluation(SIMPLE, ALICE, {"value": 10, "risk": 1}, at=LATER)  # 100.00
    history = [first, by_bob, rescored]

    result = consolidate(SIMPLE, history)

    assert result is not None
    assert result.evaluators == 2
    assert result.evaluator_scores == {ALICE: Decimal("100.00"), BOB: Decimal("34.00")}
    assert result.score == Decimal("67.00")
    assert result.spread == Decimal("66.00")
    assert latest_by_evaluator(SIMPLE, history) == {ALICE: rescored, BOB: by_bob}
    assert history[0] == first  # the earlier evaluation stays in the history


def test_the_latest_evaluation_is_the_last_recorded_whatever_its_timestamp() -> None:
    first = evaluation(SIMPLE, ALICE, {"value": 7, "risk": 2}, at=LATER)
    second = evaluation(SIMPLE, ALICE, {"value": 4, "risk": 4}, at=NOW)

    result = consolidate(SIMPLE, [first, second])

    assert result is not None
    assert result.score == Decimal("34.00")


def test_an_item_is_mandatory_when_the_mean_score_reaches_a_mandatory_threshold() -> None:
    evaluations = [
        evaluation(STANDARD, ALICE, standard(regulatory_obligation=10)),
        evaluation(STANDARD, BOB, standard(regulatory_obligation=6)),
    ]

    result = consolidate(STANDARD, evaluations)

    assert result is not None
    assert result.per_criterion["regulatory_obligation"] == Decimal("8.00")
    assert result.mandatory is True
    assert result.mandatory_by == ("regulatory_obligation",)


def test_one_evaluator_alone_cannot_make_an_item_mandatory_against_the_others() -> None:
    evaluations = [
        evaluation(STANDARD, ALICE, standard(regulatory_obligation=10)),
        evaluation(STANDARD, BOB, standard(regulatory_obligation=5)),
    ]

    result = consolidate(STANDARD, evaluations)

    assert result is not None
    assert result.per_criterion["regulatory_obligation"] == Decimal("7.50")
    assert result.mandatory is False
    assert result.mandatory_by == ()


def test_consolidation_takes_the_evaluations_of_a_single_item() -> None:
    evaluations = [
        evaluation(SIMPLE, ALICE, {"value": 7, "risk": 2}, item_id="I-1"),
        evaluation(SIMPLE, BOB, {"value": 7, "risk": 2}, item_id="I-2"),
    ]

    with pytest.raises(ValueError, match="one item"):
        consolidate(SIMPLE, evaluations)


# -- an item's scores -----------------------------------------------------------------------------


def test_an_items_scores_give_each_evaluation_its_total_and_each_version_its_consolidation() -> (
    None
):
    # Given alice scored twice and bob once with version 1
    evaluations = [
        evaluation(SIMPLE, ALICE, {"value": 4, "risk": 4}),  # 34.00, superseded
        evaluation(SIMPLE, BOB, {"value": 7, "risk": 2}),  # 72.00
        evaluation(SIMPLE, ALICE, {"risk": 2, "value": 10}),  # 90.00
    ]

    # When the item's scores are computed
    scores = scores_of({(MODEL_ID, 1): SIMPLE}, evaluations)

    # Then each evaluation has its total and alice's first one is superseded
    assert [(s.evaluation.evaluator_id, s.total, s.superseded) for s in scores.evaluations] == [
        (ALICE, Decimal("34.00"), True),
        (BOB, Decimal("72.00"), False),
        (ALICE, Decimal("90.00"), False),
    ]
    assert scores.evaluations[-1].criteria == ("value", "risk")  # the version's order
    (consolidated,) = scores.consolidated
    assert consolidated == consolidate(SIMPLE, evaluations)
    assert (consolidated.score, consolidated.evaluators) == (Decimal("81.00"), 2)


def test_an_evaluation_with_a_version_not_at_hand_has_no_total_and_no_consolidation() -> None:
    second = version_of(simple_criteria(), version=2)
    evaluations = [
        evaluation(SIMPLE, ALICE, {"value": 7, "risk": 2}),
        evaluation(second, BOB, {"value": 7, "risk": 2}),
    ]

    scores = scores_of({(MODEL_ID, 1): SIMPLE}, evaluations)

    assert [s.total for s in scores.evaluations] == [Decimal("72.00"), None]
    assert [(c.model_version, c.evaluators) for c in scores.consolidated] == [(1, 1)]
    assert scores.evaluations[-1].criteria == ("risk", "value")  # alphabetical without it
