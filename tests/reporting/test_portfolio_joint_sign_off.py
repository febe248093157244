"""Joint sign-off in the portfolio read models: a regulatory item above EUR 250K needs the
steering committee and the investment committee at G2. Each approves in its own meeting; the
first approval awaits the other body, the second joins it and passes the gate.

The projected rows (no database), the decisions table, the gateway's Decision and PortfolioItem,
and the rule that says what an item still awaits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from pmo_kernel.db import asyncpg_dsn
from pmo_reporting.gateway.portfolio_types import awaiting_at_next_gate
from pmo_reporting.projections.portfolio import evolve
from pmo_reporting.projections.portfolio_statements import Row, Step
from tests.reporting.portfolio_factory import (
    T0,
    Item,
    decision,
    meeting,
    project_portfolio,
)
from tests.reporting.support import graphql

SC, IC = "steering_committee", "investment_committee"


def partial_approval(item: Item) -> dict[str, Any]:
    """The steering committee approves P-J at G2; the investment committee is still awaited."""
    return decision(
        "DEC-SC",
        item.subject,
        meeting_id="M-SC",
        body_id="SC",
        body_kind=SC,
        at=item.at,
        awaiting=[IC],
        earlier=[],
    )


def completing_approval(item: Item) -> dict[str, Any]:
    """The investment committee approves P-J at G2, joining the steering committee's approval."""
    return decision(
        "DEC-IC", item.subject, meeting_id="M-IC", at=item.at, awaiting=[], earlier=["DEC-SC"]
    )


def partially_approved() -> tuple[Item, dict[str, Any]]:
    item = Item("P-J").registered("Regulatory reporting", cost="400000.00")
    first = partial_approval(item)
    item.decided("DEC-SC", state="candidate", gate="G1", made=first)  # stays at G1
    return item, first


def fold(item: Item) -> tuple[Row | None, list[Step]]:
    version, row, steps = 0, None, []
    for one in item.events:
        step = evolve(version, row, one)
        assert step is not None
        version, row = one.sequence, step.row
        steps.append(step)
    return row, steps


# -- projected rows, no database ------------------------------------------------------------


def test_a_partial_approval_row_awaits_the_other_body_and_the_item_stays_a_candidate() -> None:
    item, _ = partially_approved()

    row, steps = fold(item)

    assert row is not None
    assert (row["state"], row["current_gate"], row["passed_gates"]) == (
        "candidate",
        "G1",
        ["G0", "G1"],
    )
    [made] = steps[-1].decisions
    assert (made["decision_id"], made["body_kind"], made["outcome"]) == ("DEC-SC", SC, "approve")
    assert made["awaiting_approval_from"] == [IC]
    assert made["earlier_approvals"] == []


def test_the_completing_approval_row_counts_the_earlier_one_and_awaits_nobody() -> None:
    item, _ = partially_approved()
    item.decided("DEC-IC", state="approved", gate="G2", made=completing_approval(item))

    row, steps = fold(item)

    assert row is not None
    assert (row["state"], row["current_gate"]) == ("approved", "G2")
    [made] = steps[-1].decisions
    assert made["awaiting_approval_from"] == []
    assert made["earlier_approvals"] == ["DEC-SC"]


def test_a_decision_published_before_joint_sign_off_has_empty_columns() -> None:
    made = decision("DEC-1", "P-1")
    assert "awaiting_approval_from" not in made
    _, steps = fold(Item("P-1").registered().decided("DEC-1", made=made))
    [projected] = steps[-1].decisions
    assert (projected["awaiting_approval_from"], projected["earlier_approvals"]) == ([], [])


def test_the_meetings_record_carries_the_same_joint_sign_off() -> None:
    _, first = partially_approved()
    minutes = meeting("M-SC", [first], body_id="SC")
    version, row = 0, None
    recorded: list[Row] = []
    for one in minutes.events:
        step = evolve(version, row, one)
        assert step is not None
        version, row = one.sequence, step.row
        recorded += step.decisions
    [made] = recorded
    assert (made["awaiting_approval_from"], made["recorded_by"]) == ([IC], "carol")


# -- what an item awaits ----------------------------------------------------------------------


def _item(state: str = "candidate", passed: tuple[str, ...] = ("G0", "G1"), bc: int = 1) -> Row:
    return {"state": state, "passed_gates": list(passed), "business_case_version": bc}


def _decision(
    decision_id: str,
    outcome: str = "approve",
    *,
    kind: str = SC,
    gate: str = "G2",
    awaiting: tuple[str, ...] = (),
    earlier: tuple[str, ...] = (),
    bc: int = 1,
) -> Row:
    return {
        "decision_id": decision_id,
        "outcome": outcome,
        "body_kind": kind,
        "gate": gate,
        "awaiting_approval_from": list(awaiting),
        "earlier_approvals": list(earlier),
        "business_case_version": bc,
    }


def test_an_item_awaits_what_its_latest_approval_left_awaited_through_deferrals() -> None:
    partial = _decision("D1", awaiting=(IC,))
    assert awaiting_at_next_gate(_item(), [partial]) == [IC]
    deferred = _decision("D2", "defer", kind="project_committee", gate="G1")
    assert awaiting_at_next_gate(_item(), [partial, deferred]) == [IC]


def test_a_reject_hold_or_cancel_after_the_approval_ends_the_wait() -> None:
    partial = _decision("D1", awaiting=(IC,))
    for outcome, state in (
        ("put_on_hold", "on_hold"),
        ("reject", "rejected"),
        ("cancel", "cancelled"),
    ):
        ended = _decision("D2", outcome, kind=IC)
        assert awaiting_at_next_gate(_item(state), [partial, ended]) == [], outcome


def test_an_item_past_the_gate_or_never_jointly_approved_awaits_nobody() -> None:
    partial = _decision("D1", awaiting=(IC,))
    done = _decision("D2", kind=IC, earlier=("D1",))
    assert awaiting_at_next_gate(_item("approved", ("G0", "G1", "G2")), [partial, done]) == []
    assert awaiting_at_next_gate(_item(), []) == []
    plain = _decision("D0", gate="G1")
    assert awaiting_at_next_gate(_item(), [plain]) == []


def test_a_revised_business_case_makes_every_body_of_the_sign_off_awaited_again() -> None:
    first = _decision("D1", kind="project_committee", awaiting=(SC, IC))
    second = _decision("D2", kind=IC, awaiting=(SC,), earlier=("D1",))
    assert awaiting_at_next_gate(_item(), [first, second]) == [SC]
    assert awaiting_at_next_gate(_item(bc=2), [first, second]) == [
        SC,
        "project_committee",
        IC,
    ]


# -- PostgreSQL and the gateway ---------------------------------------------------------------


async def fetch(url: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


@pytest.mark.integration
async def test_the_decisions_table_stores_the_joint_sign_off(reporting_db: str) -> None:
    item, first = partially_approved()
    second = completing_approval(item)
    item.decided("DEC-IC", state="approved", gate="G2", made=second)
    old = Item("P-1", at=T0 + timedelta(days=1)).registered().decided("DEC-1")
    events = [
        *item.events,
        *old.events,
        *meeting("M-SC", [first], body_id="SC").events,
        *meeting("M-IC", [second]).events,
    ]

    await project_portfolio(reporting_db, events)

    rows = await fetch(
        reporting_db,
        "SELECT decision_id, awaiting_approval_from::text AS awaiting, "
        "earlier_approvals::text AS earlier, recorded_by "
        "FROM reporting.decisions ORDER BY decision_id",
    )
    assert [tuple(r) for r in rows] == [
        ("DEC-1", "[]", "[]", None),
        ("DEC-IC", "[]", '["DEC-SC"]', "carol"),
        ("DEC-SC", '["investment_committee"]', "[]", "carol"),
    ]


JOINT = """
query ($item: ID!, $decision: ID!) {
  portfolioItem(id: $item) {
    state currentGate awaitingApprovalFrom
    decisions { id bodyKind awaitingApprovalFrom completesJointSignOff earlierApprovals { id } }
  }
  decision(id: $decision) {
    id awaitingApprovalFrom completesJointSignOff
    earlierApprovals { id bodyKind awaitingApprovalFrom }
  }
}"""


async def ask(
    client: httpx.AsyncClient, headers: dict[str, str], **variables: Any
) -> dict[str, Any]:
    body = await graphql(client, JOINT, variables, headers)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


@pytest.mark.integration
async def test_the_gateway_shows_who_is_awaited_until_the_second_body_approves(
    reporting_db: str, gateway: httpx.AsyncClient, requester_headers: dict[str, str]
) -> None:
    item, first = partially_approved()
    await project_portfolio(
        reporting_db, [*item.events, *meeting("M-SC", [first], body_id="SC").events]
    )

    data = await ask(gateway, requester_headers, item="P-J", decision="DEC-SC")

    assert data["portfolioItem"] == {
        "state": "CANDIDATE",
        "currentGate": "G1",
        "awaitingApprovalFrom": ["INVESTMENT_COMMITTEE"],
        "decisions": [
            {
                "id": "DEC-SC",
                "bodyKind": "STEERING_COMMITTEE",
                "awaitingApprovalFrom": ["INVESTMENT_COMMITTEE"],
                "completesJointSignOff": False,
                "earlierApprovals": [],
            }
        ],
    }
    assert data["decision"] == {
        "id": "DEC-SC",
        "awaitingApprovalFrom": ["INVESTMENT_COMMITTEE"],
        "completesJointSignOff": False,
        "earlierApprovals": [],
    }

    second = completing_approval(item)
    item.decided("DEC-IC", state="approved", gate="G2", made=second)
    await project_portfolio(reporting_db, [item.events[-1], *meeting("M-IC", [second]).events])

    data = await ask(gateway, requester_headers, item="P-J", decision="DEC-IC")

    approved = data["portfolioItem"]
    assert (approved["state"], approved["currentGate"]) == ("APPROVED", "G2")
    assert approved["awaitingApprovalFrom"] == []
    assert [
        (d["id"], d["awaitingApprovalFrom"], d["completesJointSignOff"])
        for d in approved["decisions"]
    ] == [
        ("DEC-SC", ["INVESTMENT_COMMITTEE"], False),
        ("DEC-IC", [], True),
    ]
    assert data["decision"] == {
        "id": "DEC-IC",
        "awaitingApprovalFrom": [],
        "completesJointSignOff": True,
        "earlierApprovals": [
            {
                "id": "DEC-SC",
                "bodyKind": "STEERING_COMMITTEE",
                "awaitingApprovalFrom": ["INVESTMENT_COMMITTEE"],
            }
        ],
    }


@pytest.mark.integration
async def test_a_plain_approval_awaits_nobody_and_completes_no_joint_sign_off(
    reporting_db: str, gateway: httpx.AsyncClient, requester_headers: dict[str, str]
) -> None:
    item = Item("P-1").registered().decided("DEC-1")  # published before joint sign-off
    await project_portfolio(reporting_db, item.events)

    data = await ask(gateway, requester_headers, item="P-1", decision="DEC-1")

    assert data["portfolioItem"]["awaitingApprovalFrom"] == []
    assert data["decision"] == {
        "id": "DEC-1",
        "awaitingApprovalFrom": [],
        "completesJointSignOff": False,
        "earlierApprovals": [],
    }
