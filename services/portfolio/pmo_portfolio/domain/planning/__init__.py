"""Portfolio planning: budget envelopes, the roadmap against them, and what-if scenarios.

Pure decisions and state, no I/O. The application layer builds the roadmap from the approved,
planned items (`PlannedItem.from_item`) and the open envelopes (`envelopes_by_year`); for a year
over-committed it takes `arbitration_case` and records `BudgetEnvelope.request_arbitration`.
Scenarios are saved with every input of the selection problem, compared, and adopted once.
"""

from pmo_portfolio.domain.planning.envelope import BudgetEnvelope, EnvelopeVersion
from pmo_portfolio.domain.planning.events import (
    ArbitrationRequested,
    BudgetEnvelopeClosed,
    BudgetEnvelopeOpened,
    BudgetEnvelopeRevised,
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
    "build_roadmap",
    "compare",
    "envelopes_by_year",
]
