"""Whatever the model and the scores, scoring and ranking keep their promises."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_kernel.money import Money
from pmo_portfolio.domain.scoring import (
    FIBONACCI,
    Criterion,
    Dimension,
    Direction,
    ItemScored,
    ModelKind,
    RankInput,
    Scale,
    ScoringModelVersion,
    consolidate,
    rank,
    tradeoff_point,
    validate_criteria,
    weighted_score,
    wsjf_score,
)
from tests.portfolio.unit import NOW, consolidated, evaluation, version_of

SETTINGS = settings(max_examples=200, deadline=None)


@st.composite
def criteria_sets(draw: st.DrawFn) -> tuple[Criterion, ...]:
    """1 to 6 criteria with any scales, directions and dimensions; weights (in hundredths of a
    percent) cut from 100 % at random points, so they always add up to exactly 100."""
    count = draw(st.integers(1, 6))
    cuts = draw(
        st.lists(st.integers(1, 9_999), min_size=count - 1, max_size=count - 1, unique=True)
    )
    bounds = [0, *sorted(cuts), 10_000]
    criteria = []
    for i, (start, end) in enumerate(itertools.pairwise(bounds)):
        low = draw(st.integers(-5, 5))
        high = low + draw(st.integers(1, 10))
        criteria.append(
            Criterion(
                key=f"c{i}",
                label=f"Criterion {i}",
                weight=Decimal(end - start) / 100,
                scale=Scale(min=low, max=high),
                direction=draw(st.sampled_from(Direction)),
                dimension=draw(st.sampled_from(Dimension)),
                mandatory_when_at_least=draw(st.none() | st.integers(low, high)),
            )
        )
    return tuple(criteria)


models = criteria_sets().map(version_of)


def scores_for(model: ScoringModelVersion) -> st.SearchStrategy[dict[str, int]]:
    return st.fixed_dictionaries(
        {c.key: st.integers(c.scale.min, c.scale.max) for c in model.criteria}
    )


@st.composite
def scored_models(draw: st.DrawFn) -> tuple[ScoringModelVersion, dict[str, int]]:
    model = draw(models)
    return model, draw(scores_for(model))


@SETTINGS
@given(scored_models())
def test_a_weighted_score_always_lies_between_0_and_100(
    case: tuple[ScoringModelVersion, dict[str, int]],
) -> None:
    model, scores = case
    validate_criteria(ModelKind.WEIGHTED, model.criteria)

    assert Decimal(0) <= weighted_score(model, scores) <= Decimal(100)


@SETTINGS
@given(scored_models(), st.data())
def test_raising_one_score_moves_the_weighted_score_in_the_criterions_direction(
    case: tuple[ScoringModelVersion, dict[str, int]], data: st.DataObject
) -> None:
    model, scores = case
    raised = data.draw(st.sampled_from(model.criteria))
    higher = data.draw(st.integers(scores[raised.key], raised.scale.max))

    before = weighted_score(model, scores)
    after = weighted_score(model, {**scores, raised.key: higher})

    if raised.direction is Direction.HIGHER_IS_BETTER:
        assert after >= before
    else:
        assert after <= before


@st.composite
def evaluated_items(draw: st.DrawFn) -> tuple[ScoringModelVersion, list[ItemScored]]:
    """A model and an item's history: 1 to 8 evaluations by up to 4 evaluators, re-scores
    included."""
    model = draw(models)
    evaluators = st.sampled_from(["alice", "bob", "carol", "dan"])
    history = [
        evaluation(model, draw(evaluators), draw(scores_for(model)), at=NOW + timedelta(hours=i))
        for i in range(draw(st.integers(1, 8)))
    ]
    return model, history


@SETTINGS
@given(evaluated_items())
def test_the_consolidated_score_lies_between_the_lowest_and_highest_evaluator(
    case: tuple[ScoringModelVersion, list[ItemScored]],
) -> None:
    model, history = case
    latest = {e.evaluator_id: weighted_score(model, e.scores) for e in history}

    result = consolidate(model, history)

    assert result is not None
    assert result.evaluator_scores == latest
    assert result.evaluators == len(latest)
    assert min(latest.values()) <= result.score <= max(latest.values())
    assert result.spread == max(latest.values()) - min(latest.values()) >= 0
    for criterion in model.criteria:
        mean = result.per_criterion[criterion.key]
        assert criterion.scale.min <= mean <= criterion.scale.max


@SETTINGS
@given(evaluated_items(), st.integers(0, 1_000), st.integers(0, 1_000))
def test_a_tradeoff_point_lies_within_0_and_10_on_every_axis(
    case: tuple[ScoringModelVersion, list[ItemScored]], cost: int, headroom: int
) -> None:
    model, history = case
    result = consolidate(model, history)
    assert result is not None

    point = tradeoff_point(model, result, Money.of(cost), Money.of(cost + headroom))

    for axis in (point.value, point.risk, point.cost):
        assert axis is None or Decimal(0) <= axis <= Decimal(10)


fibonacci = st.sampled_from(FIBONACCI)


@SETTINGS
@given(fibonacci, fibonacci, fibonacci, fibonacci, fibonacci)
def test_a_bigger_job_never_raises_wsjf_and_it_stays_within_its_bounds(
    value: int, criticality: int, reduction: int, size: int, bigger: int
) -> None:
    score = wsjf_score(value, criticality, reduction, size)

    assert Decimal("0.15") <= score <= Decimal("60.00")
    if bigger >= size:
        assert wsjf_score(value, criticality, reduction, bigger) <= score


@st.composite
def candidate_lists(draw: st.DrawFn) -> list[RankInput]:
    """Up to 12 items drawn from small pools, so that ties on every key are frequent."""
    count = draw(st.integers(0, 12))
    candidates = []
    for i in range(count):
        item_id = f"I-{i}"
        score = draw(st.sampled_from([None, "10", "50", "50.5", "90"]))
        cost = draw(st.sampled_from([None, "100", "200"]))
        candidates.append(
            RankInput(
                item_id=item_id,
                title=f"Item {i}",
                consolidated=(
                    None
                    if score is None
                    else consolidated(item_id, score, mandatory=draw(st.booleans()))
                ),
                estimated_cost=None if cost is None else Money.of(cost),
                submitted_at=NOW + timedelta(days=draw(st.integers(0, 2))),
            )
        )
    return candidates


@SETTINGS
@given(candidate_lists(), st.data())
def test_a_ranking_is_a_permutation_whatever_the_input_order(
    candidates: list[RankInput], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(candidates))

    ranked = rank(candidates)

    assert rank(shuffled) == ranked
    assert [r.rank for r in ranked] == list(range(1, len(candidates) + 1))
    assert sorted(r.item_id for r in ranked) == sorted(c.item_id for c in candidates)
    groups = [0 if r.mandatory else 1 if r.score is not None else 2 for r in ranked]
    assert groups == sorted(groups)
    for above, below in itertools.pairwise(ranked):
        if (
            above.score is not None
            and below.score is not None
            and above.mandatory == below.mandatory
        ):
            assert above.score >= below.score
