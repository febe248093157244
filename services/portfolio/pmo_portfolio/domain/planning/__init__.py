"""Portfolio planning: budget envelopes, the roadmap against them, and what-if scenarios.

Pure decisions and state, no I/O. The application layer builds the roadmap from the approved,
planned items (`PlannedItem.from_item`) and the open envelopes (`envelopes_by_year`); for a year
over-committed it takes `arbitration_case` and records `BudgetEnvelope.request_arbitration`.
An envelope claims its year (`BudgetYear`) when opened and releases it when closed, so a year
has one open envelope even when two are opened at the same moment.
Scenarios are saved with every input of the selection problem, compared, and adopted once.
"""

from pmo_portfolio.domain.planning.budget_year import BudgetYear, budget_year_id
from pmo_portfolio.domain.planning.envelope import BudgetEnvelope, EnvelopeVersion
from pmo_portfolio.domain.planning.events import (
    ArbitrationRequested,
    BudgetEnvelopeClosed,
    BudgetEnvelopeOpened,
    BudgetEnvelopeRevised,
    BudgetYearClaimed,
    BudgetYearEvent,
    BudgetYearReleased,
    EnvelopeEvent,
    ScenarioAdopted,
    ScenarioArchived,
    ScenarioCandidate,
    ScenarioEvent,
    ScenarioInputs,
    ScenarioResult,
    ScenarioSaved,
)
from pmo_portfolio.domain.planning.roadmap import (
    ArbitrationCase,
    ArbitrationItem,
    PlannedItem,
    QuarterColumn,
    Roadmap,
    YearBudget,
    arbitration_case,
    build_roadmap,
    envelopes_by_year,
)
from pmo_portfolio.domain.planning.scenario import (
    Adoption,
    Comparison,
    ComparisonRow,
    Scenario,
    ScenarioState,
    compare,
)

__all__ = [
    "Adoption",
    "ArbitrationCase",
    "ArbitrationItem",
    "ArbitrationRequested",
    "BudgetEnvelope",
    "BudgetEnvelopeClosed",
    "BudgetEnvelopeOpened",
    "BudgetEnvelopeRevised",
    "BudgetYear",
    "BudgetYearClaimed",
    "BudgetYearEvent",
    "BudgetYearReleased",
    "Comparison",
    "ComparisonRow",
    "EnvelopeEvent",
    "EnvelopeVersion",
    "PlannedItem",
    "QuarterColumn",
    "Roadmap",
    "Scenario",
    "ScenarioAdopted",
    "ScenarioArchived",
    "ScenarioCandidate",
    "ScenarioEvent",
    "ScenarioInputs",
    "ScenarioResult",
    "ScenarioSaved",
    "ScenarioState",
    "YearBudget",
    "arbitration_case",
    "budget_year_id",
    "build_roadmap",
    "compare",
    "envelopes_by_year",
]
