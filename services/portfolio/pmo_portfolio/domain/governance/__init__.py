"""Portfolio governance: bodies, stage gates, routing rules, meetings, decisions, items.

Pure decisions and state, no I/O, in four layers, each importing only the layers below it
(tests/portfolio/unit/test_governance_layers.py keeps it so):

- values: `values` (ids, texts, amounts, snapshots), `vocabulary` (enumerations, built-in rule
  names), `gates` (stage-gate schemes), `validation`, `risk` (an item's risk level), `quarters`
  and `effort` (an item's planned quarters and effort), `routing_rule` (a rule and the facts it
  tests), `routing_rules` (a published version and its evaluation), `decision_record`;
- events: `events`, the facts stored, built from values only;
- aggregates: `bodies`, `item`, `meeting`, `routing` (the versions of the routing rules);
- policy: `decisions` (check and take a decision), `adoption` (adopt a scenario).

The application layer imports from this package: the names below stay where they are when a
module moves. To record a decision it loads the aggregates, calls `decide` (which checks, then
freezes the decision's inputs and, for an approval, the joint sign-off it joins), then records
the decision on the meeting (`Meeting.record_decision`) and on the item
(`PortfolioItem.record_decision`).
"""

from pmo_portfolio.domain.governance.adoption import FUNDING_GATE, check_scenario_adoption
from pmo_portfolio.domain.governance.bodies import GovernanceBody
from pmo_portfolio.domain.governance.decision_record import Decision, DecisionOnRecord
from pmo_portfolio.domain.governance.decisions import (
    GateApprovals,
    Requirement,
    check_decision,
    decide,
    decision_is_outdated,
    gate_approvals,
    requirements_of,
)
from pmo_portfolio.domain.governance.events import (
    AgendaItemAdded,
    BodyEvent,
    BodyMemberAdded,
    BodyMemberRemoved,
    BusinessCaseRevisionNoted,
    CandidateRegistered,
    DecisionRecorded,
    DecisionRightGranted,
    DecisionRightRevoked,
    GovernanceBodyEstablished,
    ItemAssignedToProgramme,
    ItemDecided,
    ItemEvent,
    ItemPlanned,
    MeetingClosed,
    MeetingEvent,
    MeetingScheduled,
    RoutingRulesPublished,
    ScenarioAdoptionRecorded,
)
from pmo_portfolio.domain.governance.gates import DEFAULT_GATE_SCHEME, Gate, GateCode, GateScheme
from pmo_portfolio.domain.governance.item import ITEM_SCORED, PortfolioItem
from pmo_portfolio.domain.governance.meeting import Meeting
from pmo_portfolio.domain.governance.quarters import quarter_key
from pmo_portfolio.domain.governance.risk import business_case_risk_level
from pmo_portfolio.domain.governance.routing import DEFAULT_RULE_SET_ID, RoutingRuleSet
from pmo_portfolio.domain.governance.routing_rule import (
    AppliedRule,
    Condition,
    ItemFacts,
    RoutingRule,
)
from pmo_portfolio.domain.governance.routing_rules import (
    COST_OVER_250K,
    DEFAULT_EXCHANGE_RATES,
    DEFAULT_ROUTING_RULES,
    REGULATORY_TO_STEERING,
    ExchangeRatesInAnotherCurrency,
    RoutingRules,
    RuleEvaluation,
    default_routing_rules,
)
from pmo_portfolio.domain.governance.validation import validated
from pmo_portfolio.domain.governance.values import (
    ActorId,
    Id,
    NonNegativeMoney,
    PersonId,
    ShortText,
    VersionNumber,
)
from pmo_portfolio.domain.governance.vocabulary import (
    APPROVALS,
    AT_CURRENT_GATE,
    BUILT_IN_RULES,
    DECISION_RIGHTS,
    FINAL_STATES,
    GATE_SEQUENCE,
    MIN_PARTICIPANTS,
    PARTICIPANTS,
    BodyKind,
    ItemState,
    MemberRole,
    Outcome,
    RiskLevel,
)
from pmo_portfolio.domain.registry import registry

__all__ = [
    "APPROVALS",
    "AT_CURRENT_GATE",
    "BUILT_IN_RULES",
    "COST_OVER_250K",
    "DECISION_RIGHTS",
    "DEFAULT_EXCHANGE_RATES",
    "DEFAULT_GATE_SCHEME",
    "DEFAULT_ROUTING_RULES",
    "DEFAULT_RULE_SET_ID",
    "FINAL_STATES",
    "FUNDING_GATE",
    "GATE_SEQUENCE",
    "ITEM_SCORED",
    "MIN_PARTICIPANTS",
    "PARTICIPANTS",
    "REGULATORY_TO_STEERING",
    "ActorId",
    "AgendaItemAdded",
    "AppliedRule",
    "BodyEvent",
    "BodyKind",
    "BodyMemberAdded",
    "BodyMemberRemoved",
    "BusinessCaseRevisionNoted",
    "CandidateRegistered",
    "Condition",
    "Decision",
    "DecisionOnRecord",
    "DecisionRecorded",
    "DecisionRightGranted",
    "DecisionRightRevoked",
    "ExchangeRatesInAnotherCurrency",
    "Gate",
    "GateApprovals",
    "GateCode",
    "GateScheme",
    "GovernanceBody",
    "GovernanceBodyEstablished",
    "Id",
    "ItemAssignedToProgramme",
    "ItemDecided",
    "ItemEvent",
    "ItemFacts",
    "ItemPlanned",
    "ItemState",
    "Meeting",
    "MeetingClosed",
    "MeetingEvent",
    "MeetingScheduled",
    "MemberRole",
    "NonNegativeMoney",
    "Outcome",
    "PersonId",
    "PortfolioItem",
    "Requirement",
    "RiskLevel",
    "RoutingRule",
    "RoutingRuleSet",
    "RoutingRules",
    "RoutingRulesPublished",
    "RuleEvaluation",
    "ScenarioAdoptionRecorded",
    "ShortText",
    "VersionNumber",
    "business_case_risk_level",
    "check_decision",
    "check_scenario_adoption",
    "decide",
    "decision_is_outdated",
    "default_routing_rules",
    "gate_approvals",
    "quarter_key",
    "registry",
    "requirements_of",
    "validated",
]
