"""The demand REST API against a real PostgreSQL event store."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.demand.integration.conftest import DemandApi

REQUESTER = ("alice", "requester")
ANALYST = ("paul", "pmo_analyst")


def submission(cost: str = "120000", **content: Any) -> dict[str, Any]:
    return {
        "content": {
            "title": "Replace the payroll system",
            "description": "The current payroll system is out of support in 2027.",
            "sponsor": "CFO",
            "department": "Finance",
            "category": "project",
            "urgency": "high",
            "strategic_objectives": ["Reduce operating risk"],
            "desired_start_quarter": "2027-Q1",
            "desired_end_quarter": "2027-Q4",
            **content,
        },
        "business_case": {
            "problem": "Unsupported software",
            "objectives": ["Supported payroll"],
            "estimated_cost": {"amount": cost, "currency": "EUR"},
            "effort_person_days": 400,
            "expected_benefits": "Avoided outage risk",
            "benefits_estimate": {"amount": "300000", "currency": "EUR"},
        },
    }


async def submit(api: DemandApi, body: dict[str, Any] | None = None) -> str:
    response = await api.client.post(
        "/demands", json=body or submission(), headers=api.as_(*REQUESTER)
    )
    assert response.status_code == 201, response.text
    demand_id: str = response.json()["id"]
    return demand_id


async def test_a_demand_goes_from_submission_to_acceptance(demand_api: DemandApi) -> None:
    api = demand_api
    demand_id = await submit(api)

    steps = [
        ("information-requests", ANALYST, {"questions": ["Which payroll vendors?"]}),
        ("information", REQUESTER, {"answers": "Three vendors shortlisted."}),
        ("qualification", ANALYST, {"note": "Complete"}),
        ("acceptance", ANALYST, {}),
    ]
    for path, who, body in steps:
        response = await api.client.post(
            f"/demands/{demand_id}/{path}", json=body, headers=api.as_(*who)
        )
        assert response.status_code == 200, response.text

    demand = await api.client.get(f"/demands/{demand_id}", headers=api.as_(*ANALYST))
    assert demand.json()["state"] == "accepted"
    assert demand.headers["ETag"] == '"5"'
    events = await api.client.get(f"/demands/{demand_id}/events", headers=api.as_(*ANALYST))
    assert [e["event_type"] for e in events.json()] == [
        "DemandSubmitted",
        "InformationRequested",
        "InformationProvided",
        "DemandQualified",
        "DemandAccepted",
    ]
    assert {e["actor"]["id"] for e in events.json()} == {"alice", "paul"}


async def test_an_invalid_transition_is_a_409_problem_that_says_why(demand_api: DemandApi) -> None:
    api = demand_api
    demand_id = await submit(api)

    response = await api.client.post(
        f"/demands/{demand_id}/acceptance", json={}, headers=api.as_(*ANALYST)
    )

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid_transition"
    assert "submitted" in problem["detail"]
    assert await api.events_stored() == 1


async def test_a_failed_governance_rule_is_named(demand_api: DemandApi) -> None:
    api = demand_api
    body = submission(cost="300000")
    body["content"]["sponsor"] = None
    demand_id = await submit(api, body)

    response = await api.client.post(
        f"/demands/{demand_id}/qualification", json={}, headers=api.as_(*ANALYST)
    )

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "governance_rule_failed"
    assert [r["rule"] for r in problem["failed_rules"]] == ["investment-committee-threshold"]


async def test_fifty_concurrent_commands_with_the_same_expected_version_let_one_through(
    demand_api: DemandApi,
) -> None:
    api = demand_api
    demand_id = await submit(api)

    async def revise(i: int) -> int:
        body = {"business_case": {**submission()["business_case"], "problem": f"Variant {i}"}}
        headers = {**api.as_(*REQUESTER), "If-Match": '"1"'}
        response = await api.client.post(
            f"/demands/{demand_id}/business-case", json=body, headers=headers
        )
        if response.status_code == 409:
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] == "concurrency_conflict"
        return response.status_code

    statuses = await asyncio.gather(*(revise(i) for i in range(50)))

    assert sorted(statuses) == [200] + [409] * 49
    versions = [
        e.stream_version for e in await api.container.store.read_stream("demand", demand_id)
    ]
    assert versions == [1, 2]


async def test_the_same_idempotency_key_three_times_writes_one_set_of_events(
    demand_api: DemandApi,
) -> None:
    api = demand_api
    headers = {**api.as_(*REQUESTER), "Idempotency-Key": "submit-payroll-1"}

    responses = [
        await api.client.post("/demands", json=submission(), headers=headers) for _ in range(3)
    ]

    assert [r.status_code for r in responses] == [201, 201, 201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert [r.json()["replayed"] for r in responses] == [False, True, True]
    assert await api.events_stored() == 1


async def test_concurrent_retries_with_one_idempotency_key_write_once(
    demand_api: DemandApi,
) -> None:
    api = demand_api
    demand_id = await submit(api)
    headers = {**api.as_(*ANALYST), "Idempotency-Key": "ask-1"}
    body = {"questions": ["Budget owner?"]}

    responses = await asyncio.gather(
        *(
            api.client.post(
                f"/demands/{demand_id}/information-requests", json=body, headers=headers
            )
            for _ in range(3)
        )
    )

    assert [r.status_code for r in responses] == [200, 200, 200]  # the twins wait, then replay
    assert len({r.json()["version"] for r in responses}) == 1
    assert sorted(r.json()["replayed"] for r in responses) == [False, True, True]
    assert await api.events_stored() == 2


async def test_an_idempotency_key_reused_for_another_request_is_refused(
    demand_api: DemandApi,
) -> None:
    api = demand_api
    headers = {**api.as_(*REQUESTER), "Idempotency-Key": "k-1"}
    await api.client.post("/demands", json=submission(), headers=headers)

    other = await api.client.post("/demands", json=submission(cost="5"), headers=headers)

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert await api.events_stored() == 1


def _without_title(body: dict[str, Any]) -> dict[str, Any]:
    del body["content"]["title"]
    return body


def _cost(amount: Any, currency: str = "EUR") -> dict[str, Any]:
    body = submission()
    body["business_case"]["estimated_cost"] = {"amount": amount, "currency": currency}
    return body


BAD_BODIES = {
    "missing title": _without_title(submission()),
    "wrong type": submission(strategic_objectives="not a list"),
    "negative cost": _cost("-1"),
    "unknown currency": _cost("10", "XYZ"),
    "unknown field": {**submission(), "owner": "mallory"},
    "requester in body": submission(requester="mallory"),
    "end before start": submission(desired_start_quarter="2028-Q1"),
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_bad_input_is_a_422_problem_and_nothing_is_appended(
    demand_api: DemandApi, body: dict[str, Any]
) -> None:
    response = await demand_api.client.post(
        "/demands", json=body, headers=demand_api.as_(*REQUESTER)
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "validation_failed"
    assert await demand_api.events_stored() == 0


async def test_an_oversized_body_is_a_413_problem(demand_api: DemandApi) -> None:
    body = submission(description="x" * 100_000)

    response = await demand_api.client.post(
        "/demands", json=body, headers=demand_api.as_(*REQUESTER)
    )

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert await demand_api.events_stored() == 0


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "unauthenticated"),
        ({"Authorization": "Bearer not.a.jwt"}, 401, "unauthenticated"),
        ({"Authorization": "Basic YWxpY2U6cHc="}, 401, "unauthenticated"),
    ],
    ids=["no token", "bad token", "not bearer"],
)
async def test_bad_credentials_are_refused(
    demand_api: DemandApi, headers: dict[str, str], status: int, code: str
) -> None:
    response = await demand_api.client.post("/demands", json=submission(), headers=headers)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert await demand_api.events_stored() == 0


async def test_a_token_signed_with_another_key_is_refused(demand_api: DemandApi) -> None:
    from pmo_kernel.identity import issue_token

    forged_settings = demand_api.settings.model_copy(update={"jwt_signing_key": "k" * 40})
    token = issue_token(forged_settings, "mallory", ["admin"])

    response = await demand_api.client.post(
        "/demands", json=submission(), headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 401
    assert await demand_api.events_stored() == 0


@pytest.mark.parametrize(
    ("who", "path", "body"),
    [
        (("paul", "pmo_analyst"), None, None),
        (("alice", "requester"), "qualification", {}),
        (("ada", "auditor"), "rejection", {"reason": "no"}),
    ],
    ids=["analyst submits", "requester qualifies", "auditor rejects"],
)
async def test_a_wrong_role_is_a_403_and_writes_nothing(
    demand_api: DemandApi, who: tuple[str, str], path: str | None, body: dict[str, Any] | None
) -> None:
    api = demand_api
    if path is None:
        response = await api.client.post("/demands", json=submission(), headers=api.as_(*who))
        expected_events = 0
    else:
        demand_id = await submit(api)
        response = await api.client.post(
            f"/demands/{demand_id}/{path}", json=body, headers=api.as_(*who)
        )
        expected_events = 1

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await api.events_stored() == expected_events


def revision(problem: str) -> dict[str, Any]:
    return {"business_case": {**submission()["business_case"], "problem": problem}}


async def test_another_requester_cannot_revise_a_business_case_they_cannot_see(
    demand_api: DemandApi,
) -> None:
    api = demand_api
    demand_id = await submit(api)

    response = await api.client.post(
        f"/demands/{demand_id}/business-case",
        json=revision("Someone else's idea"),
        headers=api.as_("bob", "requester"),
    )

    assert response.status_code == 404  # for bob the demand does not exist
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
    assert await api.events_stored() == 1


@pytest.mark.parametrize(
    "who",
    [("alice", "requester"), ("paul", "pmo_analyst"), ("root", "admin")],
    ids=["its requester", "a pmo analyst", "an admin"],
)
async def test_the_requester_an_analyst_or_an_admin_may_revise_a_business_case(
    demand_api: DemandApi, who: tuple[str, str]
) -> None:
    api = demand_api
    demand_id = await submit(api)

    response = await api.client.post(
        f"/demands/{demand_id}/business-case",
        json=revision(f"Restated by {who[0]}"),
        headers=api.as_(*who),
    )

    assert response.status_code == 200, response.text
    events = await api.client.get(f"/demands/{demand_id}/events", headers=api.as_(*ANALYST))
    revised = events.json()[-1]
    assert revised["event_type"] == "BusinessCaseRevised"
    assert revised["actor"]["id"] == who[0]


async def test_an_unknown_demand_is_a_404_problem(demand_api: DemandApi) -> None:
    response = await demand_api.client.post(
        "/demands/nope/qualification", json={}, headers=demand_api.as_(*ANALYST)
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_the_event_feed_pages_the_whole_log_for_auditors(demand_api: DemandApi) -> None:
    api = demand_api
    for _ in range(3):
        await submit(api)

    first = (await api.client.get("/events?limit=2", headers=api.as_("ada", "auditor"))).json()
    rest = await api.client.get(
        f"/events?after={first['next_after']}&limit=2", headers=api.as_("ada", "auditor")
    )

    assert [len(first["events"]), len(rest.json()["events"])] == [2, 1]
    assert first["has_more"]
    assert not rest.json()["has_more"]
    assert first["events"][0]["payload"]["content"]["title"] == "Replace the payroll system"
    forbidden = await api.client.get("/events", headers=api.as_(*REQUESTER))
    assert forbidden.status_code == 403
