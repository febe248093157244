"""The skills catalogue through the REST API: a person or a request with a skill the catalogue
does not hold is a 422 naming it, and writes nothing."""

from __future__ import annotations

from tests.capacity.integration.conftest import (
    CATALOGUE,
    LINE_MANAGER,
    PROJECT_MANAGER,
    RESOURCE_MANAGER,
    CapacityApi,
)

PROBLEM = "application/problem+json"


async def test_a_resource_manager_adds_skills_and_anyone_signed_in_lists_them(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    added = await api.client.post(
        "/skills", json={"name": "Kubernetes", "description": "Containers in production"},
        headers=api.as_(*RESOURCE_MANAGER),
    )  # fmt: skip
    assert added.status_code == 201, added.text

    listed = await api.client.get("/skills", headers=api.as_(*PROJECT_MANAGER))

    assert listed.status_code == 200
    skills = listed.json()["skills"]
    assert [s["name"] for s in skills] == sorted([*CATALOGUE, "Kubernetes"], key=str.casefold)
    (kubernetes,) = [s for s in skills if s["name"] == "Kubernetes"]
    assert (kubernetes["description"], kubernetes["added_by"]) == (
        "Containers in production", RESOURCE_MANAGER[0],
    )  # fmt: skip


async def test_a_skill_already_in_the_catalogue_whatever_its_case_is_a_409(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    before = await api.events_stored()

    again = await api.client.post(
        "/skills", json={"name": "PYTHON"}, headers=api.as_(*RESOURCE_MANAGER)
    )

    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert await api.events_stored() == before


async def test_only_a_resource_manager_adds_a_skill(capacity_api: CapacityApi) -> None:
    api = capacity_api

    refused = await api.client.post(
        "/skills", json={"name": "Go"}, headers=api.as_(*PROJECT_MANAGER)
    )

    assert refused.status_code == 403


async def test_registering_a_person_with_an_unknown_skill_is_a_422_naming_it(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar("BE")
    before = await api.events_stored()
    person = {
        "name": "Ann Peeters", "line_manager": LINE_MANAGER[0], "team": "Delivery",
        "roles": ["developer"],
        "skills": [{"name": "python", "level": 4}, {"name": "Cobol", "level": 2}],
        "cost_rate_per_day": {"amount": "650", "currency": "EUR"}, "calendar_id": "BE",
    }  # fmt: skip

    refused = await api.client.post("/people", json=person, headers=api.as_(*RESOURCE_MANAGER))

    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["code"] == "unknown_skills"
    assert refused.json()["unknown_skills"] == ["Cobol"]
    assert await api.events_stored() == before


async def test_raising_or_revising_a_request_with_an_unknown_skill_is_a_422_naming_it(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    pm = api.as_(*PROJECT_MANAGER)
    request = {
        "project_id": "erp", "role": "developer", "start_week": "2027-W10",
        "end_week": "2027-W12", "hours_per_week": "16",
    }  # fmt: skip
    raised = await api.client.post(
        "/resource-requests", json={**request, "skills": [{"name": "SQL", "min_level": 2}]},
        headers=pm,
    )  # fmt: skip
    assert raised.status_code == 201, raised.text
    before = await api.events_stored()

    unknown = [{"name": "Rust", "min_level": 3}]
    refused_raise = await api.client.post(
        "/resource-requests", json={**request, "skills": unknown}, headers=pm
    )
    refused_revision = await api.client.post(
        f"/resource-requests/{raised.json()['id']}/revision", json={"skills": unknown}, headers=pm
    )

    for refused in (refused_raise, refused_revision):
        assert refused.status_code == 422, refused.text
        assert refused.json()["unknown_skills"] == ["Rust"]
    assert await api.events_stored() == before
