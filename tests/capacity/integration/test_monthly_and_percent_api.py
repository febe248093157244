"""Monthly availability reports and allocations in percent of availability, through the REST
API against a real PostgreSQL event store."""

from __future__ import annotations

from tests.capacity.integration.conftest import LINE_MANAGER, PROJECT_MANAGER, CapacityApi

PROBLEM = "application/problem+json"
MARCH = {"from_week": "2027-W08", "to_week": "2027-W13"}


def share(percent: str, start: str = "2027-W09", end: str = "2027-W12") -> dict[str, str]:
    return {"project_id": "erp", "start_week": start, "end_week": end,
            "percent_of_availability": percent}  # fmt: skip


async def test_a_monthly_report_holds_for_each_iso_week_of_the_month_until_a_weeks_report(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar("BE")
    ann = await api.person()
    manager = api.as_(*LINE_MANAGER)

    monthly = await api.client.post(
        f"/people/{ann}/availability-reports",
        json={"month": "2027-03", "other_duty_hours": "8", "note": "support rota"},
        headers=manager,
    )
    weekly = await api.client.post(
        f"/people/{ann}/availability-reports", json={"week": "2027-W11", "absence_hours": "40"},
        headers=manager,
    )  # fmt: skip

    assert monthly.status_code == 200, monthly.text
    assert len(monthly.json()["event_ids"]) == 4  # one report per week of March
    assert weekly.status_code == 200
    view = (await api.client.get(f"/people/{ann}", params=MARCH, headers=manager)).json()
    assert [(w["week"], w["available_hours"]) for w in view["weeks"]] == [
        ("2027-W08", "40.00"), ("2027-W09", "32.00"), ("2027-W10", "32.00"),
        ("2027-W11", "0.00"), ("2027-W12", "32.00"), ("2027-W13", "40.00"),
    ]  # fmt: skip


async def test_a_report_for_both_a_week_and_a_month_is_a_422(capacity_api: CapacityApi) -> None:
    api = capacity_api
    await api.calendar("BE")
    ann = await api.person()
    before = await api.events_stored()

    refused = await api.client.post(
        f"/people/{ann}/availability-reports",
        json={"week": "2027-W10", "month": "2027-03", "available_percent": "50"},
        headers=api.as_(*LINE_MANAGER),
    )

    assert refused.status_code == 422
    assert await api.events_stored() == before


async def test_a_percent_allocation_shows_its_percent_and_its_hours_each_week(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar("BE")
    ann = await api.person()
    await api.client.post(
        f"/people/{ann}/availability-reports", json={"week": "2027-W10", "absence_hours": "16"},
        headers=api.as_(*LINE_MANAGER),
    )  # fmt: skip
    pm = api.as_(*PROJECT_MANAGER)

    proposed = await api.client.post(f"/people/{ann}/allocations", json=share("50"), headers=pm)

    assert proposed.status_code == 200, proposed.text
    view = (await api.client.get(f"/people/{ann}", params=MARCH, headers=pm)).json()
    (allocation,) = view["allocations"]
    assert (allocation["percent_of_availability"], allocation["hours_per_week"]) == ("50", None)
    assert [(w["week"], w["hours"]) for w in allocation["weeks"]] == [
        ("2027-W09", "20.00"), ("2027-W10", "12.00"), ("2027-W11", "20.00"),
        ("2027-W12", "20.00"),
    ]  # fmt: skip
    assert [w["allocated_hours"] for w in view["weeks"]] == [
        "0.00", "20.00", "12.00", "20.00", "20.00", "0.00",
    ]  # fmt: skip


async def test_a_percent_allocation_that_overbooks_is_a_422_naming_the_weeks(
    capacity_api: CapacityApi,
) -> None:
    api = capacity_api
    await api.calendar("BE")
    ann = await api.person()
    pm = api.as_(*PROJECT_MANAGER)
    hours = {"project_id": "crm", "start_week": "2027-W12", "end_week": "2027-W12",
             "hours_per_week": "30"}  # fmt: skip
    assert (await api.client.post(f"/people/{ann}/allocations", json=hours,
                                  headers=pm)).status_code == 200  # fmt: skip
    before = await api.events_stored()

    refused = await api.client.post(f"/people/{ann}/allocations", json=share("40"), headers=pm)

    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["overbooked_weeks"] == [
        {"week": "2027-W12", "available_hours": "40.00", "allocated_hours": "46.00"}
    ]
    assert await api.events_stored() == before


async def test_an_allocation_in_both_hours_and_percent_is_a_422(capacity_api: CapacityApi) -> None:
    api = capacity_api
    await api.calendar("BE")
    ann = await api.person()
    before = await api.events_stored()

    refused = await api.client.post(
        f"/people/{ann}/allocations", json={**share("50"), "hours_per_week": "8"},
        headers=api.as_(*PROJECT_MANAGER),
    )  # fmt: skip

    assert refused.status_code == 422
    assert await api.events_stored() == before
