"""The portfolio's ranking: mandatory items first, then by score, ties broken in a documented order;
and each item's place on the value / risk / cost trade-off chart."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from pmo_kernel.errors import DomainError
from pmo_kernel.money import Money
from pmo_portfolio.domain.scoring import (
    RankInput,
    consolidate,
    portfolio_max_cost,
    rank,
    tradeoff_point,
    wsjf_model,
)
from tests.portfolio.unit import (
    ALICE,
    BOB,
    ITEM_ID,
    LATER,
    MODEL_ID,
    NOW,
    SIMPLE,
    STANDARD,
    candidate,
    consolidated,
    evaluation,
)

EARLIER = NOW - timedelta(days=10)


def order(ranked_ids: list[RankInput]) -> list[str]:
    return [r.item_id for r in rank(ranked_ids)]


def test_items_are_ranked_by_score_highest_first_with_ranks_from_1() -> None:
    ranked = rank([candidate("A", 40), candidate("B", 80), candidate("C", 60)])

    assert [(r.rank, r.item_id, r.score) for r in ranked] == [
        (1, "B", Decimal("80.00")),
        (2, "C", Decimal("60.00")),
        (3, "A", Decimal("40.00")),
    ]
    assert [r.reason for r in ranked] == ["score 80.00", "score 60.00", "score 40.00"]
    assert ranked[0].title == "Item B"


def test_mandatory_items_rank_first_whatever_their_score_and_unscored_items_last() -> None:
    ranked = rank(
        [
            candidate("unscored", None, submitted=EARLIER),
            candidate("high", 90),
            candidate("regulatory", 30, mandatory=True),
        ]
    )

    assert [(r.item_id, r.mandatory, r.score) for r in ranked] == [
        ("regulatory", True, Decimal("30.00")),
        ("high", False, Decimal("90.00")),
        ("unscored", False, None),
    ]
    assert ranked[0].reason == "mandatory (regulatory_obligation); score 30.00"
    assert ranked[2].reason == "not scored yet"


def test_mandatory_items_are_ranked_among_themselves_by_score() -> None:
    assert order(
        [
            candidate("M1", 30, mandatory=True),
            candidate("M2", 70, mandatory=True),
            candidate("N", 99),
        ]
    ) == ["M2", "M1", "N"]


def test_on_equal_scores_the_lower_estimated_cost_ranks_first_and_an_unknown_cost_last() -> None:
    ranked = rank(
        [
            candidate("dear", 70, cost="200000"),
            candidate("unknown", 70, submitted=EARLIER),
            candidate("cheap", 70, cost="100000"),
        ]
    )

    assert [r.item_id for r in ranked] == ["cheap", "dear", "unknown"]
    assert ranked[1].reason == "score 70.00; same score as cheap, after it by higher estimated cost"
    assert ranked[2].reason == "score 70.00; same score as dear, after it by no estimated cost"


def test_on_equal_scores_and_costs_the_earlier_submission_ranks_first() -> None:
    ranked = rank(
        [candidate("late", 70, cost="1000", submitted=LATER), candidate("early", 70, cost="1000")]
    )

    assert [r.item_id for r in ranked] == ["early", "late"]
    assert ranked[1].reason.endswith("after it by later submission")


def test_when_everything_else_is_equal_the_item_id_decides() -> None:
    ranked = rank([candidate("I-9", 70), candidate("I-10", 70), candidate("I-2", 70)])

    assert [r.item_id for r in ranked] == ["I-10", "I-2", "I-9"]
    assert ranked[2].reason == "score 70.00; same score as I-2, after it by item id"


def test_unscored_items_are_ordered_by_cost_then_submission_then_id() -> None:
    assert order(
        [
            candidate("U-late", None, submitted=LATER),
            candidate("U-early", None, submitted=EARLIER),
            candidate("U-costed", None, cost="5", submitted=LATER),
            candidate("S", 1),
        ]
    ) == ["S", "U-costed", "U-early", "U-late"]


def test_the_ranking_does_not_depend_on_the_order_items_are_given_in() -> None:
    items = [
        candidate("A", 70, cost="10"),
        candidate("B", 70),
        candidate("C", 70, cost="10", submitted=EARLIER),
        candidate("D", None),
        candidate("E", 20, mandatory=True),
    ]

    assert rank(items) == rank(list(reversed(items)))
    assert order(items) == ["E", "C", "A", "B", "D"]


def test_a_ranking_of_nothing_is_empty() -> None:
    assert rank([]) == []


def test_a_ranking_ranks_items_consolidated_from_real_evaluations() -> None:
    first = consolidate(SIMPLE, [evaluation(SIMPLE, ALICE, {"value": 7, "risk": 2}, item_id="A")])
    second = consolidate(SIMPLE, [evaluation(SIMPLE, BOB, {"value": 9, "risk": 2}, item_id="B")])

    ranked = rank(
        [
            RankInput(item_id="A", title="A", consolidated=first, submitted_at=NOW),
            RankInput(item_id="B", title="B", consolidated=second, submitted_at=NOW),
        ]
    )

    assert [(r.item_id, r.score) for r in ranked] == [
        ("B", Decimal("84.00")),
        ("A", Decimal("72.00")),
    ]


def test_items_scored_with_different_model_versions_are_not_ranked_together() -> None:
    other = RankInput(
        item_id="B", title="B", consolidated=consolidated("B", 50, version=2), submitted_at=NOW
    )

    with pytest.raises(DomainError, match=r"different scoring model versions.*SM-1 v1, SM-1 v2"):
        rank([candidate("A", 50), other])


def test_costs_in_different_currencies_are_not_compared() -> None:
    with pytest.raises(DomainError, match="different currencies cannot be compared: EUR, USD"):
        rank([candidate("A", 50, cost="10"), candidate("B", 50, cost="10", currency="USD")])


def test_an_item_given_twice_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="more than once"):
        rank([candidate("A", 50), candidate("A", 60)])


def test_an_item_carrying_another_items_score_is_a_programming_error() -> None:
    mixed_up = RankInput(
        item_id="A", title="A", consolidated=consolidated("B", 50), submitted_at=NOW
    )

    with pytest.raises(ValueError, match="item A carries the consolidated score of B"):
        rank([mixed_up])


# -- trade-off chart ------------------------------------------------------------------------------


def _standard_item() -> dict[str, int]:
    return {
        "strategic_alignment": 8,
        "business_value": 6,
        "regulatory_obligation": 2,
        "risk": 4,
        "complexity": 3,
        "cost": 7,
    }


def test_the_tradeoff_point_places_value_risk_and_cost_on_0_to_10() -> None:
    scored = consolidate(STANDARD, [evaluation(STANDARD, ALICE, _standard_item())])
    assert scored is not None

    point = tradeoff_point(STANDARD, scored, Money.of("250000"), Money.of("400000"))

    assert point.item_id == ITEM_ID
    # value: 10 × (25 × .8 + 25 × .6 + 10 × .2) / 60; complexity and cost (effort) not counted
    assert point.value == Decimal("6.17")
    # risk: 10 × how far up its 1–5 scale the risk is rated: (4 − 1) / 4
    assert point.risk == Decimal("7.50")
    # cost: 10 × 250 000 / 400 000
    assert point.cost == Decimal("6.25")


def test_the_tradeoff_point_uses_the_mean_of_the_evaluators() -> None:
    scored = consolidate(
        SIMPLE,
        [
            evaluation(SIMPLE, ALICE, {"value": 8, "risk": 1}),
            evaluation(SIMPLE, BOB, {"value": 5, "risk": 4}),
        ],
    )
    assert scored is not None

    point = tradeoff_point(SIMPLE, scored, Money.of("0"), Money.of("100"))

    assert (point.value, point.risk, point.cost) == (Decimal("6.50"), Decimal("3.75"), Decimal(0))


def test_an_axis_the_data_cannot_give_is_left_empty() -> None:
    model = wsjf_model(MODEL_ID)  # no risk criterion
    scores = {"business_value": 20, "time_criticality": 1, "risk_reduction": 1, "job_size": 8}
    scored = consolidate(model, [evaluation(model, ALICE, scores)])
    assert scored is not None

    point = tradeoff_point(model, scored, None, Money.of("100"))

    assert point.value == Decimal("3.33")  # 10 × (1 + 0 + 0) / 3
    assert point.risk is None
    assert point.cost is None


def test_when_the_portfolio_costs_nothing_every_cost_is_zero() -> None:
    scored = consolidated(ITEM_ID, 50).model_copy(update={"per_criterion": {"value": 5, "risk": 3}})

    point = tradeoff_point(SIMPLE, scored, Money.of("0"), Money.of("0"))

    assert point.cost == 0


def test_a_cost_above_the_portfolio_maximum_or_in_another_currency_is_refused() -> None:
    scored = consolidated(ITEM_ID, 50).model_copy(update={"per_criterion": {"value": 5, "risk": 3}})

    with pytest.raises(ValueError, match="between zero and the portfolio maximum"):
        tradeoff_point(SIMPLE, scored, Money.of("101"), Money.of("100"))
    with pytest.raises(DomainError, match="cannot place a cost in USD against a maximum in EUR"):
        tradeoff_point(SIMPLE, scored, Money.of("1", "USD"), Money.of("100"))


def test_a_tradeoff_point_needs_the_model_version_the_item_was_consolidated_with() -> None:
    with pytest.raises(ValueError, match="consolidated with SM-1 v1, not wsjf v1"):
        tradeoff_point(wsjf_model(), consolidated(ITEM_ID, 50), None, None)


def test_the_portfolio_maximum_cost_is_the_highest_known_cost() -> None:
    costs = [Money.of("10"), None, Money.of("300"), Money.of("20")]

    assert portfolio_max_cost(costs) == Money.of("300")
    assert portfolio_max_cost([None]) is None
