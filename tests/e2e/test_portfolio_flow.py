"""Issue 3's scenario through the running platform, GraphQL only: a EUR 300K demand accepted →
a portfolio candidate (demand → Kafka → portfolio intake) → scored by two evaluators → the
project committee alone cannot approve it at G2 (refused, rule named) → the investment
committee approves → on the roadmap; then its business case is revised and the decision shows
the old version, flagged outdated. Every read is the reporting read model, fed over Kafka."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from tests.e2e.platform import Platform
from tests.support import eventually

pytestmark = pytest.mark.e2e

REQUESTER = ("alice", "requester")
ANALYST = ("paul", "pmo_analyst")
AUDITOR = ("ada", "auditor")

DEMAND_RESULT = "demandId version state readModelCaughtUp"
RESULT = "id version details readModelCaughtUp"


def business_case(cost: str) -> dict[str, Any]:
    return {
        "problem": "Payroll runs on unsupported software",
        "objectives": ["Supported payroll"],
        "estimatedCost": {"amount": cost, "currency": "EUR"},
        "effortPersonDays": "400",
        "expectedBenefits": "No outage risk",
        "benefitsEstimate": {"amount": "900000", "currency": "EUR"},
    }


def criterion(key: str, weight: str, direction: str, dimension: str) -> dict[str, Any]:
    return {
        "key": key,
        "label": key.replace("_", " ").title(),
        "weight": weight,
        "scale": {"min": 0, "max": 10},
        "direction": direction,
        "dimension": dimension,
    }


ITEM = """query($id: ID!) { portfolioItem(id: $id) {
  id state currentGate businessCaseVersion estimatedCost { amount currency }
  plannedStartQuarter costPerYear { year cost { amount } }
  consolidatedScore(modelId: "value", modelVersion: 1) { score evaluators }
  decisions { id bodyKind outcome outdated latestBusinessCaseVersion
    frozenInputs { businessCaseVersion businessCase scoringModel scoringModelVersion
      evaluatorCount ruleSetVersion appliedRules { ruleId bodyKind }
      budgetEnvelope { id version amount { amount } } } } } }"""


class Gateway:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    async def ok(self, who: tuple[str, ...], mutation: str, **variables: Any) -> dict[str, Any]:
        body = await self.platform.graphql(mutation, who, **variables)
        assert "errors" not in body, body
        (result,) = body["data"].values()
        assert result["readModelCaughtUp"], "the front end reads its own write"
        return dict(result)

    async def portfolio(self, who: tuple[str, ...], name: str, **variables: Any) -> dict[str, Any]:
        """The portfolio mutation `name` with its `id` and `input` as variables."""
        signature = ", ".join(f"${k}: {t}" for k, t in _types(name, variables).items())
        call = ", ".join(f"{k}: ${k}" for k in variables)
        return await self.ok(
            who, f"mutation({signature}) {{ {name}({call}) {{ {RESULT} }} }}", **variables
        )


T = TypeVar("T")


async def until(fetch: Callable[[], Awaitable[T | None]], within: float) -> T:
    """What `fetch` returns once it returns something (the read model caught up)."""
    found: list[T] = []

    async def check() -> bool:
        value = await fetch()
        if value is not None:
            found.append(value)
        return value is not None

    await eventually(check, within=within, interval=0.2)
    return found[-1]


_INPUTS = {
    "createScoringModel": "CreateScoringModelInput!",
    "scoreItem": "ScoreItemInput!",
    "establishGovernanceBody": "EstablishGovernanceBodyInput!",
    "addBodyMember": "AddBodyMemberInput!",
    "grantDecisionRight": "GrantDecisionRightInput!",
    "scheduleMeeting": "ScheduleMeetingInput!",
    "addAgendaItem": "AddAgendaItemInput!",
    "recordDecision": "RecordDecisionInput!",
    "openBudgetEnvelope": "OpenBudgetEnvelopeInput!",
    "planItem": "PlanItemInput!",
}


def _types(name: str, variables: dict[str, Any]) -> dict[str, str]:
    return {key: "ID!" if key == "id" else _INPUTS[name] for key in variables}


async def test_a_300k_demand_goes_to_the_investment_committee_and_its_decision_keeps_its_inputs(
    platform: Platform,
) -> None:
    gw = Gateway(platform)
    # A EUR 300K demand, submitted, qualified and accepted through GraphQL.
    submitted = await gw.ok(
        REQUESTER,
        "mutation($input: SubmitDemandInput!) { submitDemand(input: $input) { "
        + DEMAND_RESULT
        + " } }",
        input={
            "title": "Replace the payroll system",
            "description": "Out of support in 2027",
            "sponsor": "CFO",
            "department": "Finance",
            "category": "PROJECT",
            "urgency": "HIGH",
            "strategicObjectives": ["Reduce operating risk"],
            "desiredStartQuarter": "2027-Q2",
            "desiredEndQuarter": "2028-Q1",
            "businessCase": business_case("300000"),
        },
    )
    item_id = submitted["demandId"]
    for step in (
        f'qualifyDemand(id: $id, note: "complete") {{ {DEMAND_RESULT} }}',
        f"acceptDemand(id: $id) {{ {DEMAND_RESULT} }}",
    ):
        await gw.ok(ANALYST, f"mutation($id: ID!) {{ {step} }}", id=item_id)

    # The portfolio intake made it a candidate, and reporting shows it.
    async def candidate() -> dict[str, Any] | None:
        body = await platform.graphql(ITEM, ANALYST, id=item_id)
        found: dict[str, Any] | None = body["data"]["portfolioItem"]
        return found

    item = await until(candidate, within=60)
    assert (item["state"], item["currentGate"], item["businessCaseVersion"]) == (
        "CANDIDATE",
        "G1",
        1,
    )

    # A published scoring model, two evaluators.
    await gw.portfolio(
        ANALYST,
        "createScoringModel",
        input={
            "modelId": "value",
            "name": "Portfolio value",
            "criteria": [
                criterion("strategic_alignment", "40", "HIGHER_IS_BETTER", "VALUE"),
                criterion("business_value", "40", "HIGHER_IS_BETTER", "VALUE"),
                criterion("risk", "20", "INVERSE", "RISK"),
            ],
        },
    )
    await gw.ok(ANALYST, f'mutation {{ publishScoringModel(id: "value") {{ {RESULT} }} }}')
    for evaluator, marks in (("bea", (8, 7, 3)), ("carl", (6, 9, 5))):
        scores = [
            {"key": key, "score": mark, "justification": f"{evaluator}: from the case"}
            for key, mark in zip(
                ("strategic_alignment", "business_value", "risk"), marks, strict=True
            )
        ]
        await gw.portfolio(
            (evaluator, "portfolio_board"),
            "scoreItem",
            id=item_id,
            input={"modelId": "value", "scores": scores},
        )

    # Two committees with the right to approve at G2, each meeting with the item on its agenda.
    for body_id, kind, members in (
        ("pc", "PROJECT_COMMITTEE", ("pia", "pete")),
        ("ic", "INVESTMENT_COMMITTEE", ("ivy", "ian")),
    ):
        await gw.portfolio(
            ANALYST,
            "establishGovernanceBody",
            input={"bodyId": body_id, "kind": kind, "name": kind.title()},
        )
        for person in members:
            await gw.portfolio(ANALYST, "addBodyMember", id=body_id, input={"personId": person})
        await gw.portfolio(
            ANALYST,
            "grantDecisionRight",
            id=body_id,
            input={"gate": "G2", "outcomes": ["APPROVE", "REJECT", "DEFER"]},
        )
        await gw.portfolio(
            ANALYST,
            "scheduleMeeting",
            input={
                "meetingId": f"{body_id}-jan",
                "bodyId": body_id,
                "date": "2027-01-15",
                "title": "January",
            },
        )
        await gw.portfolio(
            ANALYST,
            "addAgendaItem",
            id=f"{body_id}-jan",
            input={"itemId": item_id, "gate": "G2", "purpose": "Approve the case"},
        )
    await gw.portfolio(
        ANALYST,
        "openBudgetEnvelope",
        input={
            "envelopeId": "budget-2027",
            "year": 2027,
            "amount": {"amount": "5000000", "currency": "EUR"},
            "description": "2027 portfolio",
        },
    )

    # The project committee alone cannot approve it: refused, the rule named, nothing recorded.
    decision = {
        "itemId": item_id,
        "gate": "G2",
        "outcome": "APPROVE",
        "rationale": "Strong case",
        "scoringModelId": "value",
        "budgetEnvelopeId": "budget-2027",
    }
    record = f"mutation($id: ID!, $input: RecordDecisionInput!) {{ recordDecision(id: $id, input: $input) {{ {RESULT} }} }}"  # noqa: E501
    refused = await platform.graphql(
        record,
        ("pia", "portfolio_board"),
        id="pc-jan",
        input={**decision, "participants": ["pia", "pete"]},
    )
    (error,) = refused["errors"]
    assert error["extensions"]["code"] == "GOVERNANCE_RULE_FAILED"
    assert "cost-over-250k" in error["message"]
    assert refused["data"] is None

    # The investment committee approves it.
    await gw.portfolio(
        ("ivy", "portfolio_board"),
        "recordDecision",
        id="ic-jan",
        input={**decision, "participants": ["ivy", "ian"]},
    )
    # It goes on the roadmap.
    await gw.portfolio(
        ANALYST,
        "planItem",
        id=item_id,
        input={
            "startQuarter": "2027-Q2",
            "endQuarter": "2028-Q1",
            "costPerYear": [
                {"year": 2027, "cost": {"amount": "200000", "currency": "EUR"}},
                {"year": 2028, "cost": {"amount": "100000", "currency": "EUR"}},
            ],
        },
    )
    roadmap = (
        await platform.graphql(
            "{ roadmap { items { id startQuarter } years { year overCommitted } } }",
            ANALYST,
        )
    )["data"]["roadmap"]
    assert {"id": item_id, "startQuarter": "2027-Q2"} in roadmap["items"]
    year_2027 = next(y for y in roadmap["years"] if y["year"] == 2027)
    assert year_2027["overCommitted"] is False

    # Then its business case is revised on the demand side.
    await gw.ok(
        REQUESTER,
        f"mutation($id: ID!, $input: BusinessCaseInput!) {{ reviseBusinessCase(id: $id, input: $input) {{ {DEMAND_RESULT} }} }}",  # noqa: E501
        id=item_id,
        input=business_case("340000"),
    )

    async def revised() -> dict[str, Any] | None:
        found = (await platform.graphql(ITEM, ANALYST, id=item_id))["data"]["portfolioItem"]
        return found if found["businessCaseVersion"] == 2 else None

    item = await until(revised, within=60)
    (taken,) = item["decisions"]
    assert (item["state"], item["currentGate"]) == ("APPROVED", "G2")
    assert item["plannedStartQuarter"] == "2027-Q2"
    assert taken["bodyKind"] == "INVESTMENT_COMMITTEE"
    assert (taken["outdated"], taken["latestBusinessCaseVersion"]) == (True, 2)
    frozen = taken["frozenInputs"]
    assert frozen["businessCaseVersion"] == 1
    assert frozen["businessCase"]["estimated_cost"] == {"amount": "300000", "currency": "EUR"}
    assert (frozen["scoringModel"], frozen["scoringModelVersion"]) == ("value", 1)
    assert frozen["evaluatorCount"] == 2
    assert frozen["ruleSetVersion"] == 1
    assert {"ruleId": "cost-over-250k", "bodyKind": "INVESTMENT_COMMITTEE"} in frozen[
        "appliedRules"
    ]
    assert frozen["budgetEnvelope"]["id"] == "budget-2027"
    assert frozen["budgetEnvelope"]["version"] == 1

    # An auditor reads the same decision, with the inputs as they were.
    audited = await platform.graphql(
        "query($id: ID!) { decision(id: $id) { outdated frozenInputs { businessCaseVersion } } }",
        AUDITOR,
        id=taken["id"],
    )
    assert audited["data"]["decision"] == {
        "outdated": True,
        "frozenInputs": {"businessCaseVersion": 1},
    }
