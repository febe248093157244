"""Portfolio planning events → read-model rows: budget envelopes (and their arbitration
requests), scenarios, programmes, and an item's programme.

Pure functions on the JSON payloads of services/portfolio/pmo_portfolio/domain/planning/events.py
(and the programme events), in the shape portfolio.py's `evolve` runs: a creator starts a
stream's main row, an update changes a copy of it. The roadmap has no rows of its own: the
gateway derives it from the planned items and the open envelopes.
"""

from __future__ import annotations

from typing import Any

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_reporting.projections.payloads import amount, money_columns, touched
from pmo_reporting.projections.portfolio_statements import Creator, Row, Step, Update

# -- budget envelopes --------------------------------------------------------------------------


def _version_line(version: int, money: dict[str, Any], reason: str | None, by: str, at: str) -> Row:
    cost, currency = money_columns(money)
    return {
        "version": version,
        "amount": cost,
        "currency": currency,
        "reason": reason,
        "set_by": by,
        "set_at": at,
    }


def _envelope_opened(event: ReceivedEvent) -> Step:
    data = event.data
    version = int(data.get("envelope_version") or 1)
    first = _version_line(version, data["amount"], None, data["opened_by"], data["opened_at"])
    row: Row = {
        "id": event.subject,
        "year": int(data["year"]),
        "description": data["description"],
        "envelope_version": version,
        "amount": first["amount"],
        "currency": first["currency"],
        "versions": [first],
        "closed": False,
        "close_reason": None,
        "closed_by": None,
        "closed_at": None,
        "opened_by": data["opened_by"],
        "opened_at": data["opened_at"],
        "updated_at": event.time.isoformat(),
    }
    return Step(row=row)


def _envelope_revised(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    version = int(data["envelope_version"])
    line = _version_line(
        version, data["amount"], data["reason"], data["revised_by"], data["revised_at"]
    )
    others = [v for v in row["versions"] if int(v["version"]) != version]
    row["versions"] = sorted([*others, line], key=lambda v: int(v["version"]))
    latest = row["versions"][-1]
    row["envelope_version"] = int(latest["version"])
    row["amount"], row["currency"] = latest["amount"], latest["currency"]
    return Step(row=touched(row, event))


def _envelope_closed(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    row["closed"] = True
    row["close_reason"] = data.get("reason")
    row["closed_by"] = data["closed_by"]
    row["closed_at"] = data["closed_at"]
    return Step(row=touched(row, event))


def _arbitration_requested(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    request: Row = {
        "envelope_id": event.subject,
        "version": event.sequence,
        "year": int(data["year"]),
        "envelope_version": int(data["envelope_version"]),
        "envelope_amount": str(amount(data["envelope"])),
        "committed": str(amount(data["committed"])),
        "over_by": str(amount(data["over_by"])),
        "currency": str(data["envelope"]["currency"]),
        "item_ids": list(data["item_ids"]),
        "requested_by": data["requested_by"],
        "requested_at": data["requested_at"],
    }
    return Step(row=touched(row, event), arbitrations=[request])


# -- scenarios ---------------------------------------------------------------------------------


def _scenario_saved(event: ReceivedEvent) -> Step:
    data = event.data
    row: Row = {
        "id": event.subject,
        "name": data["name"],
        "description": data["description"],
        "state": "saved",
        "inputs": dict(data["inputs"]),
        "result": dict(data["result"]),
        "saved_by": data["saved_by"],
        "saved_at": data["saved_at"],
        "adoption": None,
        "archive_reason": None,
        "archived_by": None,
        "archived_at": None,
        "updated_at": event.time.isoformat(),
    }
    return Step(row=row)


def _scenario_adopted(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    row["state"] = "adopted"
    row["adoption"] = {
        "decision_id": data["decision_id"],
        "meeting_id": data["meeting_id"],
        "body_id": data["body_id"],
        "selected": list(data["selected"]),
        "adopted_by": data["adopted_by"],
        "adopted_at": data["adopted_at"],
    }
    return Step(row=touched(row, event))


def _scenario_archived(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    row["state"] = "archived"
    row["archive_reason"] = data.get("reason")
    row["archived_by"] = data["archived_by"]
    row["archived_at"] = data["archived_at"]
    return Step(row=touched(row, event))


# -- programmes --------------------------------------------------------------------------------


def _programme_established(event: ReceivedEvent) -> Step:
    data = event.data
    row: Row = {
        "id": event.subject,
        "name": data["name"],
        "description": data.get("description") or "",
        "sponsor": data.get("sponsor"),
        "established_by": data["established_by"],
        "established_at": data["established_at"],
    }
    return Step(row=row)


def assigned_to_programme(row: Row, event: ReceivedEvent) -> Step:
    """ItemAssignedToProgramme, on the item's stream: the item now belongs to the programme."""
    row["programme_id"] = event.data.get("programme_id")
    return Step(row=touched(row, event))


PLANNING_RULES: dict[str, tuple[dict[str, Creator], dict[str, Update]]] = {
    "budget-envelope": (
        {"BudgetEnvelopeOpened": _envelope_opened},
        {
            "BudgetEnvelopeRevised": _envelope_revised,
            "BudgetEnvelopeClosed": _envelope_closed,
            "ArbitrationRequested": _arbitration_requested,
        },
    ),
    "scenario": (
        {"ScenarioSaved": _scenario_saved},
        {"ScenarioAdopted": _scenario_adopted, "ScenarioArchived": _scenario_archived},
    ),
    "programme": ({"ProgrammeEstablished": _programme_established}, {}),
}
