"""Issue 10's scenario through the running platform, GraphQL only: a line manager reports an
absence, the heatmap shows the person over-allocated, a staffing proposal moves the work to
someone else with the skill, the portfolio's next scenario plans with the new capacity picture
(capacity events → Kafka → the portfolio's capacity feed), and a decision shows the capacity
version it was taken on. Every read is a read model fed over Kafka."""

from __future__ import annotations

from decimal import Decimal
from itertools import count
from typing import Any

import pytest

from tests.e2e.platform import Platform
from tests.e2e.test_portfolio_flow import DEMAND_RESULT, Gateway, business_case, until

pytestmark = pytest.mark.e2e

RESOURCE_MANAGER = ("rita", "resource_manager")
LINE_MANAGER = ("marc", "resource_manager")
REQUESTER = ("alice", "requester")
ANALYST = ("paul", "pmo_analyst")
RESULT = "id version details readModelCaughtUp"

# Mutations whose input type is shared with another one.
SHARED_INPUTS = {
    "confirmAllocation": "AllocationInput",
    "releaseAllocation": "AllocationInput",
    "acceptProposedAssignment": "ProposedAssignmentInput",
    "declineProposedAssignment": "ProposedAssignmentInput",
}
HEATMAP = """query { capacityHeatmap(fromWeek: "2027-W10", toWeek: "2027-W12") {
  weeks rows { person { id name } cells { week available allocated overAllocated } } } }"""


async def capacity(gw: Gateway, who: tuple[str, ...], name: str, **variables: Any) -> Any:
    """The capacity mutation `name` (its `id` and `input` as variables); its result."""
    input_type = SHARED_INPUTS.get(name, f"{name[0].upper()}{name[1:]}Input")
    types = {"id": "ID!", "input": f"{input_type}!"}
    signature = ", ".join(f"${k}: {types[k]}" for k in variables)
    call = ", ".join([*(f"{k}: ${k}" for k in variables), "waitForReadModel: true"])
    text = f"mutation({signature}) {{ {name}({call}) {{ {RESULT} }} }}"
    body = await gw.platform.graphql(text, who, **variables)
    assert "errors" not in body, body
    result = body["data"][name]
    assert result["readModelCaughtUp"], "the front end reads its own write"
    return result


async def test_an_absence_shows_an_overbooking_a_proposal_moves_the_work_and_the_portfolio_sees_it(
    platform: Platform,
) -> None:
    gw = Gateway(platform)
    # People, through GraphQL: two developers who know Python, one line manager.
    await capacity(
        gw,
        RESOURCE_MANAGER,
        "defineCalendar",
        input={"calendarId": "BE", "name": "Belgium", "hoursPerWeek": "40"},
    )
    await capacity(gw, RESOURCE_MANAGER, "addSkill", input={"name": "Python"})
    people = {}
    for name, level in (("Ann", 4), ("Bob", 3)):
        registered = await capacity(
            gw,
            RESOURCE_MANAGER,
            "registerPerson",
            input={
                "name": name,
                "lineManager": LINE_MANAGER[0],
                "team": "Delivery",
                "roles": ["DEVELOPER"],
                "skills": [{"name": "Python", "level": level}],
                "costRatePerDay": {"amount": "600", "currency": "EUR"},
                "calendarId": "BE",
            },
        )
        people[name] = registered["id"]

    # A demand accepted becomes a portfolio item; Ann works on it 32 h a week in W10-W12.
    submitted = await gw.ok(
        REQUESTER,
        f"mutation($input: SubmitDemandInput!) {{ submitDemand(input: $input) {{ {DEMAND_RESULT} }} }}",  # noqa: E501
        input={
            "title": "New CRM",
            "description": "Sales need one",
            "sponsor": "CSO",
            "department": "Sales",
            "category": "PROJECT",
            "urgency": "HIGH",
            "strategicObjectives": ["Grow sales"],
            "desiredStartQuarter": "2027-Q1",
            "desiredEndQuarter": "2027-Q2",
            "businessCase": business_case("100000"),
        },
    )
    item_id = submitted["demandId"]
    for step in (
        f'qualifyDemand(id: $id, note: "ok") {{ {DEMAND_RESULT} }}',
        f"acceptDemand(id: $id) {{ {DEMAND_RESULT} }}",
    ):
        await gw.ok(ANALYST, f"mutation($id: ID!) {{ {step} }}", id=item_id)
    work = {"projectId": item_id, "startWeek": "2027-W10", "endWeek": "2027-W12"}
    allocated = await capacity(
        gw,
        ("paula", "project_manager"),
        "proposeAllocation",
        id=people["Ann"],
        input={**work, "hoursPerWeek": "32"},
    )

    # Her line manager reports 16 h of absence in W11: the heatmap shows her overbooked then.
    await capacity(
        gw,
        LINE_MANAGER,
        "reportAvailability",
        id=people["Ann"],
        input={"week": "2027-W11", "absenceHours": "16", "note": "training"},
    )

    async def overbooked() -> list[str] | None:
        rows = (await platform.graphql(HEATMAP, RESOURCE_MANAGER))["data"]["capacityHeatmap"]
        ann = next((r for r in rows["rows"] if r["person"]["id"] == people["Ann"]), None)
        weeks = [c["week"] for c in ann["cells"] if c["overAllocated"]] if ann else []
        return weeks or None

    assert await until(overbooked, within=60) == ["2027-W11"]

    # The work is released and asked for again; the proposal gives it to Bob, who has room.
    await capacity(
        gw,
        ("paula", "project_manager"),
        "releaseAllocation",
        id=people["Ann"],
        input={"allocationId": allocated["details"]["allocation_id"], "reason": "Ann is away"},
    )
    raised = await capacity(
        gw,
        ("paula", "project_manager"),
        "raiseResourceRequest",
        input={
            **work,
            "role": "DEVELOPER",
            "hoursPerWeek": "32",
            "skills": [{"name": "Python", "minLevel": 3}],
        },
    )
    proposal = await capacity(
        gw, RESOURCE_MANAGER, "proposeStaffing", input={"requestIds": [raised["id"]]}
    )
    accepted = await capacity(
        gw,
        RESOURCE_MANAGER,
        "acceptProposedAssignment",
        id=proposal["id"],
        input={"requestId": raised["id"]},
    )
    assert accepted["details"]["allocation_id"]

    async def moved() -> dict[str, list[Decimal]] | None:
        rows = (await platform.graphql(HEATMAP, RESOURCE_MANAGER))["data"]["capacityHeatmap"]
        load = {
            r["person"]["name"]: [Decimal(c["allocated"]) for c in r["cells"]] for r in rows["rows"]
        }
        return (
            load
            if load.get("Bob") == [Decimal(32)] * 3 and load.get("Ann") == [Decimal(0)] * 3
            else None
        )

    assert await until(moved, within=60)

    # The portfolio's next scenario plans with that picture: Q1 2027 has 13 weeks of 40 h for
    # each, less Ann's 16 h of absence and Bob's 3 x 32 h, at 8 h a person-day.
    expected = (2 * 13 * 40 - 16 - 3 * 32) / Decimal(8)  # 116 person-days
    tries = count(1)

    async def planned() -> dict[str, Any] | None:
        body = await platform.graphql(
            SAVE_SCENARIO, ANALYST, input=scenario_input(f"q1-{next(tries)}")
        )
        if "errors" in body:  # the only refusal allowed: the feed has nothing yet
            assert "no capacity event yet" in body["errors"][0]["message"], body
            return None
        found: dict[str, Any] = body["data"]["saveScenario"]["scenario"]
        free = found["inputs"]["capacity"].get("developer", {}).get("2027-Q1")
        return found if free is not None and Decimal(free) == expected else None

    scenario = await until(planned, within=60)  # the portfolio's feed may lag a moment
    assert scenario["result"]["selected"] == ["X"]
    assert scenario["inputs"]["capacityVersion"] is not None

    # A decision on the item freezes the capacity version the portfolio had then.
    await governance(gw, item_id)
    await gw.portfolio(
        ("pia", "portfolio_board"),
        "recordDecision",
        id="pc-jan",
        input={
            "itemId": item_id,
            "gate": "G2",
            "outcome": "APPROVE",
            "rationale": "Staffed",
            "participants": ["pia", "pete"],
        },
    )
    item = (await platform.graphql(DECISIONS, ANALYST, id=item_id))["data"]["portfolioItem"]
    (decision,) = item["decisions"]
    assert decision["frozenInputs"]["capacityVersion"] >= scenario["inputs"]["capacityVersion"]


SAVE_SCENARIO = """mutation($input: SaveScenarioInput!) {
  saveScenario(input: $input, waitForReadModel: true) { readModelCaughtUp
    scenario { inputs { capacity capacityVersion } result { selected } } } }"""
DECISIONS = """query($id: ID!) { portfolioItem(id: $id) {
  decisions { frozenInputs { capacityVersion } } } }"""


def scenario_input(scenario_id: str) -> dict[str, Any]:
    return {
        "scenarioId": scenario_id,
        "name": "Q1",
        "description": "Staffed from capacity",
        "inputs": {
            "candidates": [
                {
                    "id": "X",
                    "title": "X",
                    "score": "10",
                    "costByYear": [{"year": 2027, "amount": "1000"}],
                    "demandByRolePeriod": {"developer": {"2027-Q1": "10"}},
                }
            ],
            "budgets": [{"year": 2027, "amount": "5000"}],
            "currency": "EUR",
            "capacityFrom": "CAPACITY_SERVICE",
        },
    }


async def governance(gw: Gateway, item_id: str) -> None:
    """A project committee that may approve at G2, meeting with the item on its agenda."""
    await gw.portfolio(
        ANALYST,
        "establishGovernanceBody",
        input={"bodyId": "pc", "kind": "PROJECT_COMMITTEE", "name": "PC"},
    )
    for person in ("pia", "pete"):
        await gw.portfolio(ANALYST, "addBodyMember", id="pc", input={"personId": person})
    await gw.portfolio(
        ANALYST,
        "grantDecisionRight",
        id="pc",
        input={"gate": "G2", "outcomes": ["APPROVE", "REJECT"]},
    )
    await gw.portfolio(
        ANALYST,
        "scheduleMeeting",
        input={"meetingId": "pc-jan", "bodyId": "pc", "date": "2027-01-15", "title": "January"},
    )
    await gw.portfolio(
        ANALYST,
        "addAgendaItem",
        id="pc-jan",
        input={"itemId": item_id, "gate": "G2", "purpose": "Approve"},
    )
