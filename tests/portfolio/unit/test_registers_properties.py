"""Properties of the 5×5 matrix and the portfolio roll-up, against oracles written from DOMAIN.md
and the issue, not from the code: every rating falls in the band its score names, the matrix's
cells add up to the open risks, and the top risks come in one order whatever order they are
read in."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_portfolio.domain.delivery.registers import (
    Band,
    Response,
    RiskCategory,
    RiskRegister,
    Severity,
    band,
)
from pmo_portfolio.domain.delivery.registers.rollup import (
    band_counts,
    matrix_counts,
    open_issues_by_severity,
    top_risks,
)
from tests.portfolio.unit.registers_helpers import NOW, PM, days

ratings = st.integers(min_value=1, max_value=5)


def oracle(score: int) -> Band:
    """DOMAIN.md: 20–25 critical, 12–19 high, 6–11 medium, 2–5 low, 1 minimal."""
    if score >= 20:
        return Band.CRITICAL
    if score >= 12:
        return Band.HIGH
    if score >= 6:
        return Band.MEDIUM
    return Band.LOW if score >= 2 else Band.MINIMAL


@given(ratings, ratings)
def test_every_rating_falls_in_the_band_of_its_score(probability: int, impact: int) -> None:
    assert band(probability, impact) is oracle(probability * impact)


@given(ratings, ratings, ratings)
def test_a_higher_probability_never_lowers_the_band(p: int, q: int, impact: int) -> None:
    order = list(Band)[::-1]  # minimal … critical
    low, high = sorted((p, q))
    assert order.index(band(low, impact)) <= order.index(band(high, impact))


risk_specs = st.lists(
    st.tuples(
        st.integers(0, 4),  # item
        ratings,
        ratings,  # inherent
        st.one_of(st.none(), st.tuples(ratings, ratings)),  # residual (clamped below inherent)
        st.booleans(),  # closed
        st.integers(0, 400),  # age in hours
        st.sampled_from(list(Severity)),  # an issue's severity, for some
        st.booleans(),  # issue raised and still open
    ),
    max_size=40,
)


Spec = tuple[int, int, int, tuple[int, int] | None, bool, int, Severity, bool]


def build(
    specs: list[Spec],
) -> list[RiskRegister]:
    registers = {n: RiskRegister(f"item-{n}") for n in range(5)}
    for item, p, i, residual, closed, age, severity, issue in specs:
        register = registers[item]
        when = NOW + timedelta(hours=age)
        risk_id = register.identify_risk(
            title="r",
            category=RiskCategory.TECHNICAL,
            probability=p,
            impact=i,
            owner="o",
            review_by=days(30),
            actor_id=PM,
            now=when,
        )
        if residual is not None:
            rp, ri = residual
            if rp * ri <= p * i:
                register.plan_response(
                    risk_id,
                    response=Response.REDUCE,
                    residual_probability=rp,
                    residual_impact=ri,
                    actor_id=PM,
                    now=when,
                )
        if issue:
            register.raise_issue(
                title="i",
                severity=severity,
                owner="o",
                due_on=days(40),
                from_risk_id=risk_id,
                actor_id=PM,
                now=when,
            )
        if closed:
            register.close_risk(risk_id, reason="gone", actor_id=PM, now=when)
    return list(registers.values())


@settings(max_examples=60, deadline=None)
@given(risk_specs)
def test_the_matrix_cells_add_up_to_the_open_risks_inherent_and_residual(specs: list[Spec]) -> None:
    risks = [r for register in build(specs) for r in register.risks.values()]
    open_risks = sum(1 for r in risks if r.open)

    for residual in (False, True):
        cells = matrix_counts(risks, residual=residual)
        assert len(cells) == 25
        assert sum(cell.count for cell in cells) == open_risks
        assert sum(band_counts(cells).values()) == open_risks


@settings(max_examples=60, deadline=None)
@given(risk_specs, st.randoms(use_true_random=False))
def test_top_risks_come_in_one_order_whatever_order_they_are_read_in(
    specs: list[Spec],
    shuffle: random.Random,
) -> None:
    risks = [r for register in build(specs) for r in register.risks.values()]
    ranked = top_risks(risks)
    mixed = list(risks)
    shuffle.shuffle(mixed)

    assert [(r.item_id, r.risk_id) for r in top_risks(mixed)] == [
        (r.item_id, r.risk_id) for r in ranked
    ]
    assert len(ranked) == sum(1 for r in risks if r.open)
    for before, after in itertools.pairwise(ranked):
        assert (before.residual.score, before.inherent.score) >= (
            after.residual.score,
            after.inherent.score,
        )
        if (before.residual.score, before.inherent.score) == (
            after.residual.score,
            after.inherent.score,
        ):
            assert before.identified_at <= after.identified_at  # the older first


@settings(max_examples=60, deadline=None)
@given(risk_specs)
def test_open_issues_by_severity_list_every_open_issue_once(specs: list[Spec]) -> None:
    issues = [i for register in build(specs) for i in register.issues.values()]

    grouped = open_issues_by_severity(issues)

    assert list(grouped) == [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]
    assert sum(len(listed) for listed in grouped.values()) == sum(1 for i in issues if i.open)
    assert all(i.severity is s for s, listed in grouped.items() for i in listed)


def test_top_risks_rank_by_residual_then_inherent_then_age() -> None:
    register = RiskRegister("item")
    for hours, (p, i), residual in (
        (0, (5, 5), (1, 2)),  # R1: inherent 25, residual 2
        (1, (3, 4), None),  # R2: 12 / 12
        (2, (4, 4), (3, 4)),  # R3: 16 / 12
        (3, (3, 4), None),  # R4: 12 / 12, younger than R2
    ):
        risk_id = register.identify_risk(
            title="r",
            category=RiskCategory.COST,
            probability=p,
            impact=i,
            owner="o",
            review_by=days(9),
            actor_id=PM,
            now=NOW + timedelta(hours=hours),
        )
        if residual:
            register.plan_response(
                risk_id,
                response=Response.REDUCE,
                residual_probability=residual[0],
                residual_impact=residual[1],
                actor_id=PM,
                now=NOW,
            )

    ranked = top_risks(register.risks.values(), limit=3)

    assert [r.risk_id for r in ranked] == ["R3", "R2", "R4"]
