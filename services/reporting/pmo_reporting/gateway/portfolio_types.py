"""The GraphQL object types of the portfolio read models, built from their rows: items, the
programmes grouping them (an item shows its programme, a programme its items: one module), scores,
decisions, bodies, routing rules and scoring models.

Envelopes (envelope_types) sit below; planning_types and meeting_types build on these, and these
never refer to them, so the types import one way only (tests/test_import_graph.py).

Enums mirror the portfolio service's published vocabulary (values as in the event payloads:
services/portfolio/pmo_portfolio/domain/governance/vocabulary.py, scoring/model.py); gates stay
strings, since the gate scheme is data. Money is a decimal string with its currency; scores and
chart axes are decimal strings too (two decimals, exact).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from pmo_kernel.access import Sight, without_figures
from pmo_reporting.gateway import fields
from pmo_reporting.gateway.access import item_sight
from pmo_reporting.gateway.amounts import money
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.envelope_types import BudgetEnvelope
from pmo_reporting.gateway.portfolio_loaders import portfolio
from pmo_reporting.gateway.portfolio_readmodel import FINAL_STATES, ItemFilterValues
from pmo_reporting.gateway.portfolio_scoring import consolidate, evaluation_total, model_version
from pmo_reporting.gateway.readmodel import Row
from pmo_reporting.gateway.register_types import Benefit, Issue, Risk
from pmo_reporting.gateway.types import Money, PageInfo


@strawberry.enum(description="Where a portfolio item is in its life")
class PortfolioItemState(Enum):
    CANDIDATE = "candidate"
    APPROVED = "approved"
    ON_HOLD = "on_hold"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    CLOSED = "closed"


@strawberry.enum(description="What a governance body decided about an item at a gate")
class DecisionOutcome(Enum):
    APPROVE = "approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    REJECT = "reject"
    DEFER = "defer"
    PUT_ON_HOLD = "put_on_hold"
    CANCEL = "cancel"


@strawberry.enum
class GovernanceBodyKind(Enum):
    STEERING_COMMITTEE = "steering_committee"
    PROJECT_COMMITTEE = "project_committee"
    INVESTMENT_COMMITTEE = "investment_committee"
    ARBITRATION_BOARD = "arbitration_board"


@strawberry.enum
class MemberRole(Enum):
    CHAIR = "chair"
    MEMBER = "member"


@strawberry.enum
class ScoringModelStatus(Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


def _decimal(value: Any) -> str | None:
    return str(value) if value is not None else None


# -- scores ---------------------------------------------------------------------------------


@strawberry.type
class CriterionScore:
    key: str
    score: int
    justification: str | None


@strawberry.type(description="One evaluation of an item by one evaluator with one model version")
class ItemScore:
    evaluator: strawberry.ID
    model: strawberry.ID
    model_version: int
    scored_at: datetime
    superseded: bool = strawberry.field(
        description="A later evaluation by the same evaluator with the same version replaced it"
    )
    criteria: list[CriterionScore]
    justification: JSON = strawberry.field(description="{criterion key: justification}")
    row: strawberry.Private[Row]

    @fields.field(
        "The evaluation's score, decimal: 0–100 with a weighted model, cost of delay / job size "
        "with a WSJF one; null when its model version is unknown here or refuses these scores"
    )
    async def total(self, info: GatewayInfo) -> str | None:
        model = await portfolio(info).model.load(self.row["model_id"])
        version = model_version(model, self.row["model_version"])
        if version is None:
            return None
        return _decimal(evaluation_total(version, self.row["scores"]))

    @staticmethod
    def of(row: Row) -> ItemScore:
        texts = row["justifications"]
        return ItemScore(
            evaluator=strawberry.ID(row["evaluator_id"]),
            model=strawberry.ID(row["model_id"]),
            model_version=row["model_version"],
            scored_at=row["scored_at"],
            superseded=row["superseded"],
            criteria=[
                CriterionScore(key=key, score=int(score), justification=texts.get(key))
                for key, score in row["scores"].items()
            ],
            justification=texts,
            row=row,
        )


@strawberry.type(description="All evaluators' latest scores with one model version, together")
class ConsolidatedScore:
    model: strawberry.ID
    model_version: int
    score: str = strawberry.field(description="Mean of the evaluators' scores, decimal string")
    spread: str = strawberry.field(description="Highest minus lowest evaluator score")
    evaluators: int
    mandatory: bool = strawberry.field(description="A mandatory criterion's threshold is reached")


async def consolidated_score(
    info: GatewayInfo, item_id: str, model_id: str, version_number: int
) -> ConsolidatedScore | None:
    loaders = portfolio(info)
    scores = await loaders.scores.load(item_id)
    model = await loaders.model.load(model_id)
    version = model_version(model, version_number)
    latest = [
        s["scores"]
        for s in scores
        if not s["superseded"]
        and s["model_id"] == model_id
        and s["model_version"] == version_number
    ]
    found = consolidate(version, latest, item_id) if version is not None else None
    if found is None:
        return None
    return ConsolidatedScore(
        model=strawberry.ID(model_id),
        model_version=version_number,
        score=str(found.score),
        spread=str(found.spread),
        evaluators=found.evaluators,
        mandatory=found.mandatory,
    )


# -- items ----------------------------------------------------------------------------------


@strawberry.type
class YearCost:
    year: int
    cost: Money


@strawberry.type(description="An item of the portfolio (the item id is its demand's id)")
class PortfolioItem:
    id: strawberry.ID
    version: int
    title: str
    department: str
    category: str
    state: PortfolioItemState
    current_gate: str = strawberry.field(description="The last gate passed")
    passed_gates: list[str]
    estimated_cost: Money | None
    business_case_version: int | None = strawberry.field(
        description="The latest business case version known"
    )
    business_case: JSON = strawberry.field(description="Its amounts null when figuresHidden")
    requires_investment_committee: bool
    risk_level: str | None
    planned_start_quarter: str | None
    planned_end_quarter: str | None
    cost_per_year: list[YearCost] | None = strawberry.field(description="Null when figuresHidden")
    programme_id: strawberry.ID | None
    registered_at: datetime
    updated_at: datetime
    figures_hidden: bool = strawberry.field(
        description="Whether costs, budgets and the decisions' frozen inputs are withheld "
        "(null) from this caller: they see the item as a colleague of its department or as "
        "one who delivers it, not as its requester, sponsor or a portfolio reader"
    )
    sight: strawberry.Private[Sight]

    @fields.field("The programme the item belongs to, if any")
    async def programme(self, info: GatewayInfo) -> Programme | None:
        if self.programme_id is None:
            return None
        row = await portfolio(info).programme.load(str(self.programme_id))
        return Programme.of(row) if row is not None else None

    @fields.field("The risks of the item's register, in the order they were identified")
    async def risks(self, info: GatewayInfo, open_only: bool = False) -> list[Risk]:
        register = await portfolio(info).risk_register.load(str(self.id))
        rows = register["risks"] if register is not None else []
        return [Risk.of(row) for row in rows if not open_only or row["state"] == "open"]

    @fields.field("The issues of the item's register, in the order they were raised")
    async def issues(self, info: GatewayInfo, open_only: bool = False) -> list[Issue]:
        register = await portfolio(info).risk_register.load(str(self.id))
        rows = register["issues"] if register is not None else []
        return [Issue.of(row) for row in rows if not open_only or row["state"] == "open"]

    @fields.field("The item's benefit plans and values realised; amounts null when figuresHidden")
    async def benefits(self, info: GatewayInfo) -> list[Benefit]:
        register = await portfolio(info).benefit_register.load(str(self.id))
        rows = register["benefits"] if register is not None else []
        return [Benefit.of(row, self.sight) for row in rows]

    @fields.field("Each evaluator's latest evaluations (every one with includeSuperseded)")
    async def scores(self, info: GatewayInfo, include_superseded: bool = False) -> list[ItemScore]:
        rows = await portfolio(info).scores.load(str(self.id))
        return [ItemScore.of(row) for row in rows if include_superseded or not row["superseded"]]

    @fields.field("The item's consolidated score with one model version; null if unscored")
    async def consolidated_score(
        self, info: GatewayInfo, model_id: strawberry.ID, model_version: int
    ) -> ConsolidatedScore | None:
        return await consolidated_score(info, str(self.id), str(model_id), model_version)

    @fields.field("The governance decisions on the item, oldest first")
    async def decisions(self, info: GatewayInfo) -> list[Decision]:
        rows = await portfolio(info).item_decisions.load(str(self.id))
        return [Decision.of(row, self.sight) for row in rows]

    @fields.field(
        "Joint sign-off: the governance bodies whose approval the item still awaits at its next "
        "gate (empty when it awaits none). Read from the item's latest decision, deferrals "
        "skipped (they keep the approvals given): when that is an approval at a gate the item "
        "has not passed yet, the bodies it left awaited; a reject, hold or cancel, or an "
        "approval that passed its gate, leaves nothing awaited. When the business case was "
        "revised after that approval, the approvals given lapse and every body of the sign-off "
        "(as the routing rules required them at that approval) is awaited again"
    )
    async def awaiting_approval_from(self, info: GatewayInfo) -> list[GovernanceBodyKind]:
        item: Row = {
            "state": self.state.value,
            "passed_gates": self.passed_gates,
            "business_case_version": self.business_case_version,
        }
        decisions = await portfolio(info).item_decisions.load(str(self.id))
        return [GovernanceBodyKind(kind) for kind in awaiting_at_next_gate(item, decisions)]

    @staticmethod
    def visible(row: Row | None, info: GatewayInfo) -> PortfolioItem | None:
        """The row as the caller may see it; None if they may not (as for an unknown id)."""
        if row is None:
            return None
        sight = item_sight(info.context.audience(delivered=True), row)
        return PortfolioItem.of(row, sight) if sight is not Sight.NONE else None

    @staticmethod
    def visible_ones(rows: Sequence[Row | None], info: GatewayInfo) -> list[PortfolioItem]:
        return [item for row in rows if (item := PortfolioItem.visible(row, info)) is not None]

    @staticmethod
    def of(row: Row, sight: Sight = Sight.FULL) -> PortfolioItem:
        figures = sight is Sight.FULL
        return PortfolioItem(
            id=strawberry.ID(row["id"]),
            version=row["version"],
            title=row["title"],
            department=row["department"],
            category=row["category"],
            state=PortfolioItemState(row["state"]),
            current_gate=row["current_gate"],
            passed_gates=list(row["passed_gates"]),
            estimated_cost=money(row["estimated_cost"], row["estimated_cost_currency"])
            if figures
            else None,
            business_case_version=row["business_case_version"],
            business_case=row["business_case"]
            if figures
            else without_figures(row["business_case"]),
            requires_investment_committee=row["requires_investment_committee"],
            risk_level=row["risk_level"],
            planned_start_quarter=row["planned_start_quarter"],
            planned_end_quarter=row["planned_end_quarter"],
            cost_per_year=[
                YearCost(year=int(year), cost=Money(amount=c["amount"], currency=c["currency"]))
                for year, c in sorted(row["cost_per_year"].items())
            ]
            if figures
            else None,
            programme_id=strawberry.ID(row["programme_id"]) if row.get("programme_id") else None,
            registered_at=row["registered_at"],
            updated_at=row["updated_at"],
            figures_hidden=not figures,
            sight=sight,
        )


@strawberry.type
class PortfolioItemEdge:
    cursor: str
    node: PortfolioItem


@strawberry.type
class PortfolioItemConnection:
    edges: list[PortfolioItemEdge]
    page_info: PageInfo
    filters: strawberry.Private[ItemFilterValues]

    @fields.field("Items matching the filter, all pages (counted on demand)")
    async def total_count(self, info: GatewayInfo) -> int:
        return await portfolio(info).read_model.count_items(self.filters)


@strawberry.input(description="Every field is optional; the items match all that are set")
class PortfolioItemFilter:
    states: list[PortfolioItemState] | None = None
    gate: str | None = strawberry.field(default=None, description="The current gate")
    department: str | None = None
    programme: strawberry.ID | None = strawberry.field(
        default=None, description="The items of one programme"
    )

    def values(self) -> ItemFilterValues:
        return ItemFilterValues(
            states=tuple(s.value for s in self.states) if self.states is not None else None,
            gate=self.gate,
            department=self.department,
            programme=str(self.programme) if self.programme is not None else None,
        )


# -- programmes -----------------------------------------------------------------------------


@strawberry.type(description="A programme: portfolio items run together toward one goal")
class Programme:
    id: strawberry.ID
    name: str
    description: str
    sponsor: str | None
    established_by: str
    established_at: datetime

    @fields.field("The programme's items, oldest registered first")
    async def items(self, info: GatewayInfo) -> list[PortfolioItem]:
        rows = await portfolio(info).programme_items.load(str(self.id))
        return PortfolioItem.visible_ones(rows, info)

    @staticmethod
    def of(row: Row) -> Programme:
        return Programme(
            id=strawberry.ID(row["id"]),
            name=row["name"],
            description=row["description"],
            sponsor=row["sponsor"],
            established_by=row["established_by"],
            established_at=row["established_at"],
        )


# -- decisions ------------------------------------------------------------------------------


@strawberry.type(description="A routing rule that applied to a decision, and why")
class AppliedRule:
    rule_id: str
    description: str
    gate: str
    body_kind: GovernanceBodyKind
    mode: str
    reason: str


@strawberry.type(description="The budget envelope version a decision was based on")
class DecidedEnvelope:
    id: strawberry.ID
    version: int = strawberry.field(description="The envelope version (not the stream's)")

    @fields.field("The envelope's amount at that version")
    async def amount(self, info: GatewayInfo) -> Money | None:
        row = await portfolio(info).envelope.load(str(self.id))
        for line in row["versions"] if row is not None else []:
            if int(line["version"]) == self.version:
                return money(line["amount"], line["currency"])
        return None

    @fields.field("The envelope as it is now (its later versions too)")
    async def envelope(self, info: GatewayInfo) -> BudgetEnvelope | None:
        row = await portfolio(info).envelope.load(str(self.id))
        return BudgetEnvelope.of(row) if row is not None else None


@strawberry.type(description="What the body decided on, frozen as it was at decision time")
class FrozenInputs:
    business_case_version: int | None
    business_case: JSON
    facts: JSON = strawberry.field(description="What the routing rules looked at")
    scoring_model: strawberry.ID | None
    scoring_model_version: int | None
    consolidated_score: str | None
    evaluator_count: int
    rule_set_version: int
    applied_rules: list[AppliedRule]
    budget_envelope: DecidedEnvelope | None
    capacity_version: int | None = strawberry.field(
        description="The capacity service's log position the portfolio had applied when the "
        "decision was taken (null: no capacity event yet, or a decision from before)"
    )


@strawberry.type(description="A governance decision on one item at one gate")
class Decision:
    id: strawberry.ID
    item_id: strawberry.ID
    meeting_id: strawberry.ID
    body_id: strawberry.ID
    body_kind: GovernanceBodyKind
    gate: str
    outcome: DecisionOutcome
    rationale: str
    conditions: list[str]
    participants: list[str]
    decided_at: datetime
    recorded_by: str | None
    frozen_inputs: FrozenInputs | None = strawberry.field(
        description="Null when the caller may not see the item's figures (figuresHidden)"
    )
    awaiting_approval_from: list[GovernanceBodyKind] = strawberry.field(
        description="Joint sign-off: the bodies the routing rules required at the gate that "
        "had still not approved after this approval (empty when it passed the gate, when no "
        "joint sign-off was needed, and on every other outcome)"
    )
    completes_joint_sign_off: bool = strawberry.field(
        description="An approval that joined earlier approvals and left no body awaited: the "
        "item passed the gate jointly with it"
    )
    earlier_approval_ids: strawberry.Private[list[str]]
    sight: strawberry.Private[Sight]
    decided_on_version: strawberry.Private[int | None]  # the business case version decided on

    @staticmethod
    async def visible(row: Row | None, info: GatewayInfo) -> Decision | None:
        """The decision as the caller may see its item; None if they may not see the item."""
        if row is None:
            return None
        item = PortfolioItem.visible(await portfolio(info).item.load(str(row["item_id"])), info)
        return Decision.of(row, item.sight) if item is not None else None

    @fields.field(
        "Joint sign-off: the approvals at the gate this approval counts with, oldest first "
        "(empty when none)"
    )
    async def earlier_approvals(self, info: GatewayInfo) -> list[Decision]:
        rows = await portfolio(info).decision.load_many(self.earlier_approval_ids)
        return [Decision.of(row, self.sight) for row in rows if row is not None]

    @fields.field("The item decided on, as it is now")
    async def item(self, info: GatewayInfo) -> PortfolioItem | None:
        return PortfolioItem.visible(await portfolio(info).item.load(str(self.item_id)), info)

    @fields.field("The item's latest business case version")
    async def latest_business_case_version(self, info: GatewayInfo) -> int | None:
        row = await portfolio(info).item.load(str(self.item_id))
        return row["business_case_version"] if row is not None else None

    @fields.field("True when the item's business case moved on since the decision")
    async def outdated(self, info: GatewayInfo) -> bool:
        latest = await self.latest_business_case_version(info)
        if latest is None:
            return False
        decided_on = self.decided_on_version
        return decided_on is None or decided_on < latest

    @staticmethod
    def of(row: Row, sight: Sight = Sight.FULL) -> Decision:
        envelope = row["budget_envelope_id"]
        return Decision(
            id=strawberry.ID(row["decision_id"]),
            item_id=strawberry.ID(row["item_id"]),
            meeting_id=strawberry.ID(row["meeting_id"]),
            body_id=strawberry.ID(row["body_id"]),
            body_kind=GovernanceBodyKind(row["body_kind"]),
            gate=row["gate"],
            outcome=DecisionOutcome(row["outcome"]),
            rationale=row["rationale"],
            conditions=list(row["conditions"]),
            participants=list(row["participants"]),
            decided_at=row["decided_at"],
            recorded_by=row["recorded_by"],
            awaiting_approval_from=[GovernanceBodyKind(k) for k in row["awaiting_approval_from"]],
            completes_joint_sign_off=row["outcome"] in APPROVALS
            and bool(row["earlier_approvals"])
            and not row["awaiting_approval_from"],
            earlier_approval_ids=[str(earlier) for earlier in row["earlier_approvals"]],
            sight=sight,
            decided_on_version=row["business_case_version"],
            frozen_inputs=None
            if sight is not Sight.FULL
            else FrozenInputs(
                business_case_version=row["business_case_version"],
                business_case=row["business_case"],
                facts=row["facts"],
                scoring_model=_id(row["scoring_model_id"]),
                scoring_model_version=row["scoring_model_version"],
                consolidated_score=_decimal(row["consolidated_score"]),
                evaluator_count=row["evaluator_count"],
                rule_set_version=row["rule_set_version"],
                applied_rules=[
                    AppliedRule(
                        rule_id=rule["rule_id"],
                        description=rule["description"],
                        gate=rule["gate"],
                        body_kind=GovernanceBodyKind(rule["body_kind"]),
                        mode=rule.get("mode", "must_approve"),
                        reason=rule["reason"],
                    )
                    for rule in row["applied_rules"]
                ],
                budget_envelope=DecidedEnvelope(
                    id=strawberry.ID(envelope), version=row["budget_envelope_version"]
                )
                if envelope is not None
                else None,
                capacity_version=row["capacity_version"],
            ),
        )


def _id(value: str | None) -> strawberry.ID | None:
    return strawberry.ID(value) if value is not None else None


APPROVALS = frozenset({"approve", "approve_with_conditions"})
_ENDS_APPROVALS = frozenset({"reject", "put_on_hold", "cancel"})
_BODY_KINDS = [kind.value for kind in GovernanceBodyKind]  # canonical order, as published


def awaiting_at_next_gate(item: Row, decisions: Sequence[Row]) -> list[str]:
    """The body kinds an item still awaits at its next gate, from its decisions (oldest first).

    The latest decision that is not a deferral (deferring keeps the approvals given) decides:
    a reject, hold or cancel ends the approvals; an approval at a gate the item has passed
    completed its sign-off; an approval at a gate it has not passed leaves its
    `awaiting_approval_from`. If the business case was revised since that approval, the
    approvals given lapse: every body of that sign-off (the approver, the earlier approvers and
    those awaited) is awaited again.
    """
    if item["state"] in FINAL_STATES:
        return []
    for decision in reversed(decisions):
        outcome = decision["outcome"]
        if outcome in _ENDS_APPROVALS:
            return []
        if outcome not in APPROVALS:
            continue  # a deferral: the approvals given still count
        if decision["gate"] in item["passed_gates"]:
            return []
        awaited = set(decision["awaiting_approval_from"])
        latest, decided_on = item["business_case_version"], decision["business_case_version"]
        if awaited and latest is not None and (decided_on is None or decided_on < latest):
            by_id = {earlier["decision_id"]: earlier for earlier in decisions}
            awaited.add(decision["body_kind"])
            awaited.update(
                by_id[earlier]["body_kind"]
                for earlier in decision["earlier_approvals"]
                if earlier in by_id
            )
        return [kind for kind in _BODY_KINDS if kind in awaited]
    return []


# -- bodies and routing ---------------------------------------------------------------------


@strawberry.type
class BodyMember:
    person_id: strawberry.ID
    role: MemberRole


@strawberry.type(description="The outcomes a body may decide at a gate")
class DecisionRight:
    gate: str
    outcomes: list[DecisionOutcome]


@strawberry.type
class GovernanceBody:
    id: strawberry.ID
    kind: GovernanceBodyKind
    name: str
    members: list[BodyMember]
    rights: list[DecisionRight]

    @staticmethod
    def of(row: Row) -> GovernanceBody:
        return GovernanceBody(
            id=strawberry.ID(row["id"]),
            kind=GovernanceBodyKind(row["kind"]),
            name=row["name"],
            members=[
                BodyMember(person_id=strawberry.ID(m["person_id"]), role=MemberRole(m["role"]))
                for m in row["members"]
            ],
            rights=[
                DecisionRight(gate=gate, outcomes=[DecisionOutcome(o) for o in outcomes])
                for gate, outcomes in sorted(row["rights"].items())
            ],
        )


@strawberry.type(description="One version of the routing rules, the whole rule set")
class RoutingRuleSet:
    rule_set_id: strawberry.ID
    version: int
    rules: JSON
    base_currency: str
    exchange_rates: JSON = strawberry.field(description="{currency: decimal string}")
    published_by: str
    published_at: datetime
    gates: GateScheme | None = strawberry.field(
        description="The stage gates new items are registered under from this version on; null "
        "for versions published before schemes were (the default G0–G4 applied)"
    )

    @staticmethod
    def of(row: Row) -> RoutingRuleSet:
        return RoutingRuleSet(
            rule_set_id=strawberry.ID(row["rule_set_id"]),
            version=row["version"],
            rules=row["rules"],
            base_currency=row["base_currency"],
            exchange_rates=row["exchange_rates"],
            published_by=row["published_by"],
            published_at=row["published_at"],
            gates=GateScheme.of(row["gates"]) if row.get("gates") else None,
        )


@strawberry.type(description="A stage gate: its code (G2) and what passing it means")
class StageGate:
    code: str
    name: str


@strawberry.type(description="Ordered stage gates, with the gate every item enters past and the "
                 "one after which an approved item may be planned")  # fmt: skip
class GateScheme:
    gates: list[StageGate]
    entry_gate: str
    planning_gate: str

    @staticmethod
    def of(value: dict[str, Any]) -> GateScheme:
        return GateScheme(
            gates=[StageGate(code=g["code"], name=g["name"]) for g in value["gates"]],
            entry_gate=value["entry_gate"],
            planning_gate=value["planning_gate"],
        )


# -- scoring models -------------------------------------------------------------------------


@strawberry.type
class Scale:
    min: int
    max: int
    values: list[int] | None


@strawberry.type
class Criterion:
    key: str
    label: str
    weight: str = strawberry.field(description="Percentage of the model, decimal string")
    scale: Scale
    direction: str
    dimension: str | None
    mandatory_when_at_least: int | None

    @staticmethod
    def of(c: Row) -> Criterion:
        scale = c["scale"]
        return Criterion(
            key=c["key"],
            label=str(c.get("label") or c["key"]),
            weight=str(c["weight"]),
            scale=Scale(min=scale["min"], max=scale["max"], values=scale.get("values")),
            direction=c.get("direction", "higher_is_better"),
            dimension=c.get("dimension"),
            mandatory_when_at_least=c.get("mandatory_when_at_least"),
        )


@strawberry.type(description="A published, immutable version of a scoring model")
class ScoringModelVersion:
    version: int
    name: str
    kind: str
    criteria: list[Criterion]
    published_at: datetime


@strawberry.type
class ScoringModel:
    id: strawberry.ID
    name: str
    kind: str
    status: ScoringModelStatus
    latest_version: int | None
    versions: list[ScoringModelVersion]

    @staticmethod
    def of(row: Row) -> ScoringModel:
        return ScoringModel(
            id=strawberry.ID(row["id"]),
            name=row["name"],
            kind=row["kind"],
            status=ScoringModelStatus(row["status"]),
            latest_version=row["latest_version"],
            versions=[
                ScoringModelVersion(
                    version=v["version"],
                    name=v["name"],
                    kind=v["kind"],
                    criteria=[Criterion.of(c) for c in v["criteria"]],
                    published_at=datetime.fromisoformat(v["published_at"]),
                )
                for v in row["versions"]
            ],
        )


# -- ranking and the trade-off chart ---------------------------------------------------------


@strawberry.type
class RankedItem:
    rank: int = strawberry.field(description="1 is first; no shared ranks")
    item: PortfolioItem
    score: str | None = strawberry.field(description="Consolidated score; null when unscored")
    mandatory: bool


@strawberry.type(description="An item on the value / risk / cost bubble chart, each axis 0–10")
class TradeoffPoint:
    item: PortfolioItem
    value: str | None
    risk: str | None
    cost: str | None
