"""The Scenario aggregate: a what-if selection saved with ALL its inputs and its result.

    saved ──adopt (once)──> adopted
    saved ──archive──> archived (no longer adoptable)

A scenario is never edited: a different what-if is another scenario. `compare` lays scenarios
side by side: value, selection, budget used per year, what only one has and what all share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_kernel.events import DomainEvent, utcnow
from pmo_portfolio.domain.governance.validation import validated
from pmo_portfolio.domain.planning.events import (
    ScenarioAdopted,
    ScenarioArchived,
    ScenarioInputs,
    ScenarioResult,
    ScenarioSaved,
)


class ScenarioState(StrEnum):
    SAVED = "saved"
    ADOPTED = "adopted"
    ARCHIVED = "archived"


@dataclass(frozen=True)
class Adoption:
    decision_id: str
    meeting_id: str
    body_id: str
    adopted_by: str
    adopted_at: datetime


class Scenario(Aggregate):
    stream_type = "scenario"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.state: ScenarioState | None = None  # None until saved
        self.name: str | None = None
        self.description: str | None = None
        self._inputs: ScenarioInputs | None = None
        self._result: ScenarioResult | None = None
        self.saved_by: str | None = None
        self.saved_at: datetime | None = None
        self.adoption: Adoption | None = None

    # -- queries --------------------------------------------------------------------------------

    @property
    def inputs(self) -> ScenarioInputs:
        self._require_saved()
        assert self._inputs is not None
        return self._inputs

    @property
    def result(self) -> ScenarioResult:
        self._require_saved()
        assert self._result is not None
        return self._result

    # -- decide ---------------------------------------------------------------------------------

    @classmethod
    def save(
        cls,
        scenario_id: str,
        *,
        name: str,
        description: str,
        inputs: ScenarioInputs | Mapping[str, Any],
        result: ScenarioResult | Mapping[str, Any],
        actor_id: str,
        now: datetime | None = None,
    ) -> Self:
        """Save a what-if: the selection problem as given to the optimiser, and its answer."""
        context = f"scenario {scenario_id} cannot be saved"
        event = validated(
            ScenarioSaved,
            context,
            scenario_id=scenario_id,
            name=name,
            description=description,
            inputs=inputs,
            result=result,
            saved_by=actor_id,
            saved_at=now or utcnow(),
        )
        unknown = sorted(set(event.result.selected) - set(event.inputs.candidate_ids))
        if unknown:
            raise DomainError(
                f"{context}: the result selects items that are not candidates: "
                f"{', '.join(unknown)}",
                scenario_id=scenario_id,
            )
        outside = sorted(set(event.result.budget_used) - set(event.inputs.budgets))
        if outside:
            raise DomainError(
                f"{context}: the result uses budget in {', '.join(map(str, outside))}, "
                "which has no budget in the inputs",
                scenario_id=scenario_id,
            )
        scenario = cls(scenario_id)
        scenario._record(event)
        return scenario

    def adopt(
        self,
        decision_id: str,
        meeting_id: str,
        body_id: str,
        *,
        actor_id: str,
        now: datetime | None = None,
    ) -> None:
        """A governance decision adopted this scenario's selection; a scenario is adopted once."""
        context = f"scenario {self.id} cannot be adopted"
        self._require_saved()
        if self.adoption is not None:
            raise InvalidTransition(
                f"{context}: it was already adopted by decision {self.adoption.decision_id}",
                scenario_id=self.id,
                state=ScenarioState.ADOPTED.value,
            )
        if self.state is ScenarioState.ARCHIVED:
            raise InvalidTransition(
                f"{context}: it is archived", scenario_id=self.id, state=self.state.value
            )
        self._record(
            validated(
                ScenarioAdopted,
                context,
                scenario_id=self.id,
                decision_id=decision_id,
                meeting_id=meeting_id,
                body_id=body_id,
                selected=self.result.selected,
                adopted_by=actor_id,
                adopted_at=now or utcnow(),
            )
        )

    def archive(
        self, *, actor_id: str, reason: str | None = None, now: datetime | None = None
    ) -> None:
        """Put the scenario away; an adopted scenario is the record of a decision and stays."""
        context = f"scenario {self.id} cannot be archived"
        self._require_saved()
        if self.state is not ScenarioState.SAVED:
            assert self.state is not None
            raise InvalidTransition(
                f"{context}: it is {self.state.value}", scenario_id=self.id, state=self.state.value
            )
        self._record(
            validated(
                ScenarioArchived,
                context,
                scenario_id=self.id,
                reason=reason,
                archived_by=actor_id,
                archived_at=now or utcnow(),
            )
        )

    # -- evolve ---------------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        match event:
            case ScenarioSaved():
                self.state = ScenarioState.SAVED
                self.name = event.name
                self.description = event.description
                self._inputs = event.inputs
                self._result = event.result
                self.saved_by = event.saved_by
                self.saved_at = event.saved_at
            case ScenarioAdopted():
                self.state = ScenarioState.ADOPTED
                self.adoption = Adoption(
                    event.decision_id,
                    event.meeting_id,
                    event.body_id,
                    event.adopted_by,
                    event.adopted_at,
                )
            case ScenarioArchived():
                self.state = ScenarioState.ARCHIVED
            case _:
                raise TypeError(f"{type(event).__name__} is not a scenario event")

    def _require_saved(self) -> None:
        if self.state is None:
            raise InvalidTransition(
                f"scenario {self.id} has not been saved", scenario_id=self.id, state=None
            )


# -- comparing scenarios -------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonRow:
    scenario_id: str
    name: str
    total_value: Decimal
    selected_count: int
    budget_used: dict[int, Decimal]  # every year of the comparison, 0 where unused
    only_here: tuple[str, ...]  # selected by this scenario and no other compared
    optimal: bool
    state: ScenarioState


@dataclass(frozen=True)
class Comparison:
    """Scenarios side by side, in the order given."""

    rows: tuple[ComparisonRow, ...]
    common: tuple[str, ...]  # selected by every scenario compared
    years: tuple[int, ...]
    currency: str


def compare(scenarios: Sequence[Scenario]) -> Comparison:
    """Lay saved scenarios side by side; they must be distinct and in one currency."""
    if not scenarios:
        raise DomainError("there are no scenarios to compare")
    for scenario in scenarios:
        scenario._require_saved()
    ids = [scenario.id for scenario in scenarios]
    twice = sorted({one for one in ids if ids.count(one) > 1})
    if twice:
        raise DomainError(f"scenarios compared more than once: {', '.join(twice)}")
    currencies = sorted({scenario.inputs.currency for scenario in scenarios})
    if len(currencies) > 1:
        raise DomainError(
            f"scenarios in different currencies cannot be compared ({', '.join(currencies)})"
        )
    selections = [set(scenario.result.selected) for scenario in scenarios]
    common = set.intersection(*selections)
    years = sorted({year for s in scenarios for year in (*s.inputs.budgets, *s.result.budget_used)})
    rows = []
    for index, scenario in enumerate(scenarios):
        others = set().union(*(sel for i, sel in enumerate(selections) if i != index))
        result = scenario.result
        assert scenario.name is not None
        assert scenario.state is not None
        rows.append(
            ComparisonRow(
                scenario_id=scenario.id,
                name=scenario.name,
                total_value=result.total_value,
                selected_count=len(result.selected),
                budget_used={year: result.budget_used.get(year, Decimal(0)) for year in years},
                only_here=tuple(sorted(selections[index] - others)) if len(scenarios) > 1 else (),
                optimal=result.optimal,
                state=scenario.state,
            )
        )
    return Comparison(tuple(rows), tuple(sorted(common)), tuple(years), currencies[0])


__all__ = [
    "Adoption",
    "Comparison",
    "ComparisonRow",
    "Scenario",
    "ScenarioInputs",
    "ScenarioResult",
    "ScenarioState",
    "compare",
]
