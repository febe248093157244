"""Scenarios: a what-if saved with all its inputs, compared side by side, adopted once."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_portfolio.domain.planning import (
    Scenario,
    ScenarioAdopted,
    ScenarioArchived,
    ScenarioInputs,
    ScenarioResult,
    ScenarioSaved,
    ScenarioState,
    compare,
)
from tests.portfolio.unit.planning_helpers import (
    LATER,
    NOW,
    PLANNER,
    inputs,
    reloaded,
    result,
    scenario,
    through_json,
)


def test_saving_a_scenario_records_all_its_inputs_and_its_result() -> None:
    # When a scenario is saved from the optimiser's inputs and answer
    saved = Scenario.save(
        "S-1",
        name="Max value",
        description="Everything that fits",
        inputs=inputs(),
        result=result(),
        actor_id=PLANNER,
        now=NOW,
    )

    # Then the saved event carries the whole problem and answer
    (event,) = saved.pending
    assert isinstance(event, ScenarioSaved)
    assert event.inputs == ScenarioInputs.model_validate(inputs())
    assert event.inputs.candidates[0].cost_by_year == {2027: Decimal("400000"), 2028: 100000}
    assert event.inputs.dependencies == (("C", "A"),)
    assert event.result.selected == ("A", "B")
    assert (event.saved_by, event.saved_at) == (PLANNER, NOW)
    assert (saved.state, saved.name, saved.stream_type) == (
        ScenarioState.SAVED,
        "Max value",
        "scenario",
    )


def test_a_saved_scenario_round_trips_through_json_unchanged() -> None:
    # Given a saved scenario's event as JSON, whose year keys become strings
    (event,) = Scenario.save(
        "S-1", name="n", description="d", inputs=inputs(), result=result(), actor_id=PLANNER
    ).pending
    assert isinstance(event, ScenarioSaved)
    payload = json.loads(event.model_dump_json())
    assert payload["inputs"]["budgets"] == {"2027": "800000", "2028": "500000"}

    # When the store gives it back, then it equals the event recorded
    assert through_json(event) == event
    assert ScenarioInputs.model_validate(payload["inputs"]) == event.inputs
    assert ScenarioResult.model_validate(payload["result"]).budget_used == {
        2027: Decimal("700000"),
        2028: Decimal("100000"),
    }


def test_a_scenario_folds_back_from_its_events_through_json() -> None:
    saved = Scenario.save(
        "S-1", name="n", description="d", inputs=inputs(), result=result(), actor_id=PLANNER
    )
    saved.adopt("DEC-9", "M-3", "B-SC", actor_id=PLANNER, now=LATER)

    again = reloaded(saved, saved.pending)

    assert (again.state, again.inputs, again.result) == (
        ScenarioState.ADOPTED,
        saved.inputs,
        saved.result,
    )
    assert again.adoption == saved.adoption


@pytest.mark.parametrize(
    ("problem", "answer", "refusal"),
    [
        (inputs(candidates=[]), result(), "candidates"),
        (inputs(currency="XYZ"), result(), "unknown currency code 'XYZ'"),
        (
            inputs(dependencies=[("C", "Z")]),
            result(),
            "dependency (C, Z) names unknown candidates: Z",
        ),
        (
            inputs(exclusions=[("B", "B")]),
            result(),
            "exclusion (B, B) pairs a candidate with itself",
        ),
        (inputs(budgets={2027: Decimal("-1")}), result(), "budgets.2027"),
        (inputs(budgets={"next year": Decimal("1")}), result(), "budgets.next year"),
        (inputs(), result(selected=("A", "A")), "selected more than once: A"),
        (
            inputs(),
            result(selected=("A", "Z")),
            "the result selects items that are not candidates: Z",
        ),
        (inputs(), result(budget_used={2031: Decimal("1")}), "uses budget in 2031"),
        (inputs(), result(solved_at="2026-09-01T09:00:00"), "solved_at"),
    ],
)
def test_a_scenario_with_malformed_inputs_or_result_is_refused_as_a_domain_error(
    problem: dict[str, object], answer: dict[str, object], refusal: str
) -> None:
    with pytest.raises(DomainError) as refused:
        Scenario.save(
            "S-1", name="n", description="d", inputs=problem, result=answer, actor_id=PLANNER
        )
    assert "scenario S-1 cannot be saved" in refused.value.detail
    assert refusal in refused.value.detail


def test_a_float_in_the_inputs_becomes_its_exact_decimal() -> None:
    problem = inputs(budgets={2027: 0.1})
    saved = Scenario.save(
        "S-1",
        name="n",
        description="d",
        inputs=problem,
        result=result(budget_used={}),
        actor_id=PLANNER,
    )
    assert saved.inputs.budgets == {2027: Decimal("0.1")}


def test_adopting_a_scenario_records_the_decision_and_the_scenario_it_came_from() -> None:
    # Given a saved scenario
    what_if = scenario("S-1")

    # When a steering committee decision adopts it
    what_if.adopt("DEC-9", "M-3", "B-SC", actor_id=PLANNER, now=LATER)

    # Then the adoption names the decision, the meeting, the body, and the selection
    assert what_if.pending == (
        ScenarioAdopted(
            scenario_id="S-1",
            decision_id="DEC-9",
            meeting_id="M-3",
            body_id="B-SC",
            selected=("A", "B"),
            adopted_by=PLANNER,
            adopted_at=LATER,
        ),
    )
    assert what_if.state is ScenarioState.ADOPTED
    assert what_if.adoption is not None
    assert what_if.adoption.decision_id == "DEC-9"


def test_a_scenario_is_adopted_only_once() -> None:
    what_if = scenario()
    what_if.adopt("DEC-9", "M-3", "B-SC", actor_id=PLANNER, now=LATER)
    with pytest.raises(InvalidTransition, match="it was already adopted by decision DEC-9"):
        what_if.adopt("DEC-10", "M-4", "B-SC", actor_id=PLANNER, now=LATER)
    assert len(what_if.pending) == 1


def test_an_archived_scenario_cannot_be_adopted() -> None:
    # Given an archived scenario
    what_if = scenario()
    what_if.archive(actor_id=PLANNER, reason="Superseded by S-2", now=LATER)
    assert what_if.pending == (
        ScenarioArchived(
            scenario_id="S-1", reason="Superseded by S-2", archived_by=PLANNER, archived_at=LATER
        ),
    )

    # When it is adopted, then it is refused
    with pytest.raises(InvalidTransition, match="scenario S-1 cannot be adopted: it is archived"):
        what_if.adopt("DEC-9", "M-3", "B-SC", actor_id=PLANNER)


def test_an_archived_or_adopted_scenario_cannot_be_archived() -> None:
    archived = scenario()
    archived.archive(actor_id=PLANNER)
    with pytest.raises(InvalidTransition, match="cannot be archived: it is archived"):
        archived.archive(actor_id=PLANNER)
    adopted = scenario()
    adopted.adopt("DEC-9", "M-3", "B-SC", actor_id=PLANNER)
    with pytest.raises(InvalidTransition, match="cannot be archived: it is adopted"):
        adopted.archive(actor_id=PLANNER)


def test_an_adoption_with_a_malformed_decision_id_is_refused_as_a_domain_error() -> None:
    with pytest.raises(DomainError, match="decision_id"):
        scenario().adopt(" ", "M-3", "B-SC", actor_id=PLANNER)


def test_a_scenario_never_saved_refuses_every_command() -> None:
    never = Scenario("S-0")
    with pytest.raises(InvalidTransition, match="scenario S-0 has not been saved"):
        never.adopt("DEC-1", "M-1", "B-1", actor_id=PLANNER)
    with pytest.raises(InvalidTransition, match="has not been saved"):
        never.archive(actor_id=PLANNER)
    with pytest.raises(InvalidTransition, match="has not been saved"):
        compare([never])


def test_scenarios_compare_side_by_side() -> None:
    # Given a value-maximising scenario (A, B) and a cheaper one (A, C)
    greedy = scenario("S-1", name="Max value")
    lean = scenario(
        "S-2",
        name="Lean",
        answer=result(
            selected=("A", "C"),
            total_value=Decimal("13.75"),
            budget_used={2028: Decimal("350000")},
            optimal=False,
        ),
    )

    # When they are compared
    comparison = compare([greedy, lean])

    # Then each has its row, with what only it selects, and A is common to both
    assert comparison.common == ("A",)
    assert comparison.years == (2027, 2028)
    assert comparison.currency == "EUR"
    first, second = comparison.rows
    assert (first.scenario_id, first.name, first.total_value, first.selected_count) == (
        "S-1",
        "Max value",
        Decimal("14.5"),
        2,
    )
    assert first.budget_used == {2027: Decimal("700000"), 2028: Decimal("100000")}
    assert second.budget_used == {2027: Decimal("0"), 2028: Decimal("350000")}
    assert (first.only_here, second.only_here) == (("B",), ("C",))
    assert (first.optimal, second.optimal) == (True, False)


def test_comparing_nothing_the_same_scenario_twice_or_two_currencies_is_refused() -> None:
    with pytest.raises(DomainError, match="there are no scenarios to compare"):
        compare([])
    with pytest.raises(DomainError, match="compared more than once: S-1"):
        compare([scenario("S-1"), scenario("S-1")])
    dollars = scenario("S-2", problem=inputs(currency="USD"))
    with pytest.raises(DomainError, match=r"different currencies cannot be compared \(EUR, USD\)"):
        compare([scenario("S-1"), dollars])
