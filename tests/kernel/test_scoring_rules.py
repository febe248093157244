"""The shared scoring rules (pmo_kernel.scoring): one evaluation's score, weighted or WSJF; the
consolidation of evaluators; the ranking; the trade-off chart. Pure and free of I/O, so both the
portfolio service and the reporting service compute with them."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pydantic
import pytest

import pmo_kernel.scoring
from pmo_kernel.errors import DomainError
from pmo_kernel.money import Money
from pmo_kernel.scoring import (
    Consolidated,
    Criterion,
    Dimension,
    Direction,
    ModelKind,
    RankInput,
    Scale,
    ScoringModelVersion,
    consolidate_scores,
    item_score,
    portfolio_max_cost,
    rank,
    tradeoff_point,
    wsjf_model,
    wsjf_score,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ONE_TO_FIVE = Scale(min=1, max=5)

# Value 50 % (1–5), regulatory 20 % (0–1, mandatory at 1), delivery risk 30 % (1–5, inverse).
WEIGHTED = ScoringModelVersion(
    model_id="SM-1",
    version=1,
    name="Value and risk",
    kind=ModelKind.WEIGHTED,
    criteria=(
        Criterion(key="value", label="Value", weight=Decimal(50), scale=ONE_TO_FIVE),
        Criterion(
            key="regulatory",
            label="Regulatory",
            weight=Decimal(20),
            scale=Scale(min=0, max=1),
            mandatory_when_at_least=1,
        ),
        Criterion(
            key="delivery_risk",
            label="Delivery risk",
            weight=Decimal(30),
            scale=ONE_TO_FIVE,
            direction=Direction.INVERSE,
            dimension=Dimension.RISK,
        ),
    ),
)
WSJF = wsjf_model(model_id="WSJF")


def weighted(value: int, regulatory: int, risk: int) -> dict[str, int]:
    return {"value": value, "regulatory": regulatory, "delivery_risk": risk}


def wsjf(value: int, time: int, risk_reduction: int, size: int) -> dict[str, int]:
    return {
        "business_value": value,
        "time_criticality": time,
        "risk_reduction": risk_reduction,
        "job_size": size,
    }


def consolidated(
    model: ScoringModelVersion, item_id: str, *evaluations: dict[str, int]
) -> Consolidated:
    found = consolidate_scores(
        model, item_id, {f"evaluator-{n}": scores for n, scores in enumerate(evaluations)}
    )
    assert found is not None
    return found


def candidate(
    item_id: str, scored: Consolidated | None, cost: str | None = None, days: int = 0
) -> RankInput:
    return RankInput(
        item_id=item_id,
        title=f"Item {item_id}",
        consolidated=scored,
        estimated_cost=Money.of(cost) if cost is not None else None,
        submitted_at=NOW + timedelta(days=days),
    )


def test_the_package_does_no_io_and_knows_no_service() -> None:
    allowed = {"__future__", "collections", "dataclasses", "datetime", "decimal", "enum"}
    allowed |= {"fractions", "math", "typing", "pydantic", "pmo_kernel"}
    kernel_allowed = {"pmo_kernel.errors", "pmo_kernel.money"}
    package = Path(pmo_kernel.scoring.__file__).parent
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"
                if name.startswith("pmo_kernel") and not name.startswith("pmo_kernel.scoring"):
                    assert name in kernel_allowed, f"{path.name} imports {name}"


def test_a_weighted_evaluation_scores_the_weighted_normalised_criteria_from_0_to_100() -> None:
    assert item_score(WEIGHTED, weighted(5, 1, 1)) == Decimal("100.00")
    assert item_score(WEIGHTED, weighted(1, 0, 5)) == Decimal("0.00")
    # 50 × (4 − 1) / 4 + 20 × 0 + 30 × (5 − 2) / 4
    assert item_score(WEIGHTED, weighted(4, 0, 2)) == Decimal("60.00")


def test_a_wsjf_evaluation_scores_its_cost_of_delay_over_its_job_size() -> None:
    assert item_score(WSJF, wsjf(8, 5, 3, 2)) == Decimal("8.00")  # (8 + 5 + 3) / 2
    assert item_score(WSJF, wsjf(13, 8, 5, 3)) == Decimal("8.67")  # 26 / 3, half up
    assert wsjf_score(1, 1, 1, 20) == Decimal("0.15")
    assert wsjf_score(20, 20, 20, 1) == Decimal("60.00")


def test_scores_off_their_scale_or_missing_are_refused_naming_the_criterion() -> None:
    with pytest.raises(DomainError) as off:
        item_score(WSJF, wsjf(4, 5, 3, 2))
    assert off.value.extensions["criterion"] == "business_value"
    with pytest.raises(DomainError) as missing:
        item_score(WEIGHTED, {"value": 3, "regulatory": 0})
    assert missing.value.extensions["criterion"] == "delivery_risk"


def test_consolidation_takes_the_mean_the_spread_and_the_mean_raw_score_per_criterion() -> None:
    found = consolidated(WEIGHTED, "P-1", weighted(5, 0, 3), weighted(3, 0, 2))  # 65.00, 47.50

    assert (found.item_id, found.model_id, found.model_version) == ("P-1", "SM-1", 1)
    assert (found.score, found.spread, found.evaluators) == (
        Decimal("56.25"),
        Decimal("17.50"),
        2,
    )
    assert found.per_criterion == {
        "value": Decimal("4.00"),
        "regulatory": Decimal("0.00"),
        "delivery_risk": Decimal("2.50"),
    }
    assert (found.mandatory, found.mandatory_by) == (False, ())


def test_an_item_is_mandatory_when_the_mean_raw_score_reaches_a_threshold() -> None:
    found = consolidated(WEIGHTED, "P-2", weighted(2, 1, 4), weighted(2, 1, 4))
    assert (found.mandatory, found.mandatory_by) == (True, ("regulatory",))
    assert not consolidated(WEIGHTED, "P-3", weighted(2, 1, 4), weighted(2, 0, 4)).mandatory


def test_wsjf_evaluations_consolidate_like_weighted_ones() -> None:
    found = consolidated(WSJF, "P-4", wsjf(8, 5, 3, 2), wsjf(13, 8, 5, 3))
    assert (found.score, found.spread) == (Decimal("8.34"), Decimal("0.67"))  # 8.335, half up
    assert consolidate_scores(WSJF, "P-4", {}) is None


def test_a_consolidated_score_is_a_frozen_value() -> None:
    found = consolidated(WSJF, "P-4", wsjf(8, 5, 3, 2))
    with pytest.raises(pydantic.ValidationError):
        found.score = Decimal(0)  # type: ignore[misc]


def test_the_ranking_puts_mandatory_first_then_score_cost_submission_and_id() -> None:
    ranked = rank(
        [
            candidate("E", None, "10"),
            candidate("D", consolidated(WEIGHTED, "D", weighted(4, 0, 2)), "80", days=1),
            candidate("C", consolidated(WEIGHTED, "C", weighted(4, 0, 2)), "60", days=2),
            candidate("B", consolidated(WEIGHTED, "B", weighted(4, 0, 2)), "60", days=1),
            candidate("A", consolidated(WEIGHTED, "A", weighted(2, 1, 4)), "99"),
        ]
    )
    assert [(r.rank, r.item_id, r.score, r.mandatory) for r in ranked] == [
        (1, "A", Decimal("40.00"), True),
        (2, "B", Decimal("60.00"), False),
        (3, "C", Decimal("60.00"), False),  # same cost as B, submitted later
        (4, "D", Decimal("60.00"), False),  # higher cost
        (5, "E", None, False),
    ]
    assert ranked[2].reason == "score 60.00; same score as B, after it by later submission"


def test_wsjf_scored_items_rank_by_their_wsjf_like_weighted_ones_by_their_score() -> None:
    ranked = rank(
        [
            candidate("P-1", consolidated(WSJF, "P-1", wsjf(3, 1, 1, 5)), "80"),
            candidate("P-2", consolidated(WSJF, "P-2", wsjf(8, 5, 3, 2), wsjf(13, 8, 5, 3))),
            candidate("P-3", None, "20"),
        ]
    )
    assert [(r.item_id, r.score) for r in ranked] == [
        ("P-2", Decimal("8.34")),
        ("P-1", Decimal("1.00")),
        ("P-3", None),
    ]


def test_items_scored_with_different_model_versions_are_not_ranked_together() -> None:
    with pytest.raises(DomainError) as refused:
        rank(
            [
                candidate("P-1", consolidated(WEIGHTED, "P-1", weighted(4, 0, 2))),
                candidate("P-2", consolidated(WSJF, "P-2", wsjf(8, 5, 3, 2))),
            ]
        )
    assert refused.value.extensions["rule"] == "one_model_version"


def test_costs_in_different_currencies_are_neither_ranked_nor_charted_together() -> None:
    euros, dollars = Money.of("10"), Money.of("20", "USD")
    scored = consolidated(WEIGHTED, "P-1", weighted(4, 0, 2))
    other = consolidated(WEIGHTED, "P-2", weighted(4, 0, 2))
    with pytest.raises(DomainError) as ranked:
        rank(
            [
                RankInput(
                    item_id="P-1", title="A", consolidated=scored, estimated_cost=euros,
                    submitted_at=NOW,
                ),
                RankInput(
                    item_id="P-2", title="B", consolidated=other, estimated_cost=dollars,
                    submitted_at=NOW,
                ),
            ]
        )  # fmt: skip
    assert ranked.value.extensions["rule"] == "one_currency"
    with pytest.raises(DomainError) as charted:
        portfolio_max_cost([euros, None, dollars])
    assert charted.value.extensions == {"rule": "one_currency", "currencies": ["EUR", "USD"]}


def test_the_highest_known_cost_is_the_charts_maximum() -> None:
    assert portfolio_max_cost([Money.of("100"), None, Money.of("300")]) == Money.of("300")
    assert portfolio_max_cost([None]) is None
    assert portfolio_max_cost([]) is None


def test_a_weighted_items_tradeoff_point_places_value_risk_and_cost_on_0_to_10() -> None:
    found = consolidated(WEIGHTED, "P-1", weighted(5, 0, 3), weighted(3, 0, 2))  # 4, 0, 2.5
    point = tradeoff_point(WEIGHTED, found, Money.of("50000"), Money.of("150000"))

    # value: 10 × (50 × 3/4 + 20 × 0) / 70; risk: 10 × (1 − (5 − 2.5) / 4)
    assert (point.item_id, point.value, point.risk, point.cost) == (
        "P-1",
        Decimal("5.36"),
        Decimal("3.75"),
        Decimal("3.33"),
    )


def test_a_wsjf_items_cost_of_delay_is_its_value_and_its_job_size_on_neither_axis() -> None:
    found = consolidated(WSJF, "P-2", wsjf(8, 5, 3, 2), wsjf(13, 8, 5, 3))  # 10.5, 6.5, 4
    point = tradeoff_point(WSJF, found, None, None)

    # 10 × mean((10.5 − 1) / 19, (6.5 − 1) / 19, (4 − 1) / 19): no risk criterion, no cost
    assert (point.value, point.risk, point.cost) == (Decimal("3.16"), None, None)
    assert tradeoff_point(WSJF, consolidated(WSJF, "P-3", wsjf(8, 5, 3, 20)), None, None) == (
        tradeoff_point(WSJF, consolidated(WSJF, "P-3", wsjf(8, 5, 3, 1)), None, None)
    )


def test_a_tradeoff_point_needs_the_model_version_the_item_was_consolidated_with() -> None:
    with pytest.raises(ValueError, match="consolidated with SM-1 v1"):
        tradeoff_point(WSJF, consolidated(WEIGHTED, "P-1", weighted(4, 0, 2)), None, None)
