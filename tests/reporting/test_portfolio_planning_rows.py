"""The planning part of the portfolio projection, pure: envelopes, arbitration requests,
scenarios, programmes, an item's programme, scenario adoptions in meetings; no database."""

from __future__ import annotations

import pytest

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.consumer import Unprocessable
from pmo_reporting.projections.portfolio import evolve
from pmo_reporting.projections.portfolio_statements import Row, Step
from tests.reporting.portfolio_factory import Item, meeting
from tests.reporting.portfolio_planning_factory import (
    Envelope,
    Scenario,
    adoption_recorded,
    assigned,
    programme,
)


def fold(events: list[ReceivedEvent]) -> tuple[Row | None, list[Step]]:
    version, row, steps = 0, None, []
    for one in events:
        step = evolve(version, row, one)
        assert step is not None
        version, row = one.sequence, step.row
        steps.append(step)
    return row, steps


def test_an_envelope_keeps_every_version_and_counts_the_latest() -> None:
    envelope = Envelope("BE-2026").opened(2026, "500000").revised("450000.5", "500000.00")

    row, _ = fold(envelope.closed().events)

    assert row is not None
    assert (row["year"], row["envelope_version"], row["amount"], row["currency"]) == (
        2026,
        2,
        "450000.50",
        "EUR",
    )
    assert [(v["version"], v["amount"], v["reason"]) for v in row["versions"]] == [
        (1, "500000.00", None),
        (2, "450000.50", "Budget review"),
    ]
    assert (row["closed"], row["close_reason"]) == (True, "Year over")


def test_an_arbitration_request_is_a_row_of_its_own() -> None:
    envelope = Envelope("BE-2026").opened(2026, "100000.00")
    envelope.arbitration(2026, "100000.00", "130000.00", "30000.00", ["P-3", "P-1"])

    row, steps = fold(envelope.events)

    [request] = steps[-1].arbitrations
    assert request["version"] == 2
    assert (request["envelope_amount"], request["committed"], request["over_by"]) == (
        "100000.00",
        "130000.00",
        "30000.00",
    )
    assert request["item_ids"] == ["P-3", "P-1"]
    assert row is not None
    assert row["envelope_version"] == 1


def test_a_scenario_is_saved_with_its_inputs_then_adopted() -> None:
    scenario = Scenario("SC-1").saved(["P-1", "P-2"]).adopted("DEC-9", "M-2", ["P-1", "P-2"])

    row, _ = fold(scenario.events)

    assert row is not None
    assert row["state"] == "adopted"
    assert row["inputs"]["budgets"] == {"2026": "150000", "2027": "100000"}
    assert row["result"]["selected"] == ["P-1", "P-2"]
    assert row["adoption"]["decision_id"] == "DEC-9"


def test_an_archived_scenario_keeps_its_reason() -> None:
    row, _ = fold(Scenario("SC-1").saved(["P-1"]).archived("Too risky").events)
    assert row is not None
    assert (row["state"], row["archive_reason"]) == ("archived", "Too risky")


def test_a_programme_and_its_items() -> None:
    established, _ = fold(programme("PG-1").events)
    item, _ = fold(assigned(Item("P-1").registered(), "PG-1").events)

    assert established is not None
    assert established["sponsor"] == "cfo"
    assert item is not None
    assert (item["programme_id"], item["version"]) == ("PG-1", 2)


def test_a_scenario_adoption_is_a_line_of_the_meetings_register() -> None:
    minutes = adoption_recorded(meeting("M-2", []), "DEC-9", "SC-1", ["P-1"])

    _, steps = fold(minutes.events)

    [adoption] = steps[-1].adoptions
    assert adoption == {
        "decision_id": "DEC-9",
        "meeting_id": "M-2",
        "scenario_id": "SC-1",
        "body_id": "IC",
        "participants": ["carol", "dave"],
        "rationale": "Best value within the envelope",
        "selected": ["P-1"],
        "decided_at": minutes.events[-1].data["decided_at"],
    }


def test_a_revision_of_an_envelope_never_opened_is_unprocessable() -> None:
    envelope = Envelope("BE-1").opened()
    revision = envelope.revised("1.00", "500000.00").events[-1]
    with pytest.raises(Unprocessable, match="never created"):
        evolve(1, None, revision)
