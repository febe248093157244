"""The portfolio projection's rules for an item's registers: the "risk-register" stream (its
risks and issues) and the "benefit-register" stream (its benefit plans and the values
realised), each keyed by the item's id (see services/portfolio/pmo_portfolio/domain/delivery/
registers/events.py for the payloads).

A register's main row holds the register whole (`risk_registers`: risks and issues,
`benefit_registers`: benefits), lists in the order their entries arrived, so a later event on
one risk (reassessed, answered, reviewed, closed) folds into it from the row the batch read.
A register's stream starts with any of its events: the first finds `empty_register`. Bands are
the kernel's rule (pmo_kernel.risk), as the portfolio rates them. Lessons learned are not
projected yet.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.risk import band_name
from pmo_reporting.projections.payloads import touched
from pmo_reporting.projections.portfolio_statements import Creator, Row, Step, Update


def empty_register(stream_type: str, item_id: str) -> Row | None:
    """The main row of a register stream before its first event (None: not a register)."""
    if stream_type == "risk-register":
        return {"id": item_id, "version": 0, "risks": [], "issues": [], "updated_at": None}
    if stream_type == "benefit-register":
        return {"id": item_id, "version": 0, "benefits": [], "updated_at": None}
    return None


def rating(probability: Any, impact: Any) -> Row:
    p, i = int(probability), int(impact)
    return {"probability": p, "impact": i, "score": p * i, "band": band_name(p * i)}


def _entry(row: Row, listing: str, key: str, entry_id: str) -> Row:
    for entry in row[listing]:
        if entry[key] == entry_id:
            return entry  # type: ignore[no-any-return]
    raise ValueError(f"no {key} {entry_id!r} in the register of {row['id']}")


def _replaced(row: Row, listing: str, key: str, entry: Row) -> None:
    row[listing] = [entry if e[key] == entry[key] else e for e in row[listing]]


def _on_risk(change: Callable[[Row, dict[str, Any]], None]) -> Update:
    """An update of one risk of the register: `change` edits a copy of it in place."""

    def update(row: Row, event: ReceivedEvent) -> Step:
        risk_id = event.data["risk_id"]
        risk = dict(_entry(row, "risks", "risk_id", risk_id))
        change(risk, event.data)
        _replaced(row, "risks", "risk_id", risk)
        return Step(row=touched(row, event))

    return update


def _risk_identified(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    risk = {
        "risk_id": data["risk_id"],
        "item_id": event.subject,
        "title": data["title"],
        "description": data.get("description"),
        "category": data["category"],
        "owner": data["owner"],
        "inherent": rating(data["probability"], data["impact"]),
        "residual": None,  # none planned: the residual rating is the inherent one
        "response": None,
        "state": "open",
        "review_by": data["review_by"],
        "actions": [],
        "identified_at": data["identified_at"],
        "closed_at": None,
        "close_reason": None,
    }
    row["risks"] = [r for r in row["risks"] if r["risk_id"] != risk["risk_id"]] + [risk]
    return Step(row=touched(row, event))


def _reassessed(risk: Row, data: dict[str, Any]) -> None:
    risk["inherent"] = rating(data["probability"], data["impact"])


def _response_planned(risk: Row, data: dict[str, Any]) -> None:
    risk["response"] = data["response"]
    risk["residual"] = rating(data["residual_probability"], data["residual_impact"])


def _action_planned(risk: Row, data: dict[str, Any]) -> None:
    action = {
        "action_id": data["action_id"],
        "description": data["description"],
        "owner": data["owner"],
        "due_on": data["due_on"],
        "done": False,
        "completed_at": None,
    }
    others = [a for a in risk["actions"] if a["action_id"] != action["action_id"]]
    risk["actions"] = [*others, action]


def _action_completed(risk: Row, data: dict[str, Any]) -> None:
    risk["actions"] = [
        {**a, "done": True, "completed_at": data["completed_at"]}
        if a["action_id"] == data["action_id"]
        else a
        for a in risk["actions"]
    ]


def _reviewed(risk: Row, data: dict[str, Any]) -> None:
    risk["review_by"] = data["next_review_by"]


def _closed(risk: Row, data: dict[str, Any]) -> None:
    risk["state"] = "closed"
    risk["closed_at"] = data["closed_at"]
    risk["close_reason"] = data["reason"]


def _issue_raised(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    issue = {
        "issue_id": data["issue_id"],
        "item_id": event.subject,
        "title": data["title"],
        "description": data.get("description"),
        "severity": data["severity"],
        "owner": data["owner"],
        "due_on": data["due_on"],
        "from_risk_id": data.get("from_risk_id"),
        "state": "open",
        "raised_at": data["raised_at"],
        "resolved_at": None,
        "resolution": None,
    }
    row["issues"] = [i for i in row["issues"] if i["issue_id"] != issue["issue_id"]] + [issue]
    return Step(row=touched(row, event))


def _issue_resolved(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    issue = dict(_entry(row, "issues", "issue_id", data["issue_id"]))
    issue.update(state="resolved", resolved_at=data["resolved_at"], resolution=data["resolution"])
    _replaced(row, "issues", "issue_id", issue)
    return Step(row=touched(row, event))


def _benefit_planned(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    benefit = {
        "benefit_id": data["benefit_id"],
        "item_id": event.subject,
        "measure": data["measure"],
        "unit": data["unit"],
        "baseline": str(Decimal(str(data["baseline"]))),
        "target": str(Decimal(str(data["target"]))),
        "starts": data["starts"],
        "target_date": data["target_date"],
        "owner": data["owner"],
        "source": data["source"],
        "planned_at": data["planned_at"],
        "realised": {},  # period → the value last reported for it
    }
    others = [b for b in row["benefits"] if b["benefit_id"] != benefit["benefit_id"]]
    row["benefits"] = [*others, benefit]
    return Step(row=touched(row, event))


def _realisation_reported(row: Row, event: ReceivedEvent) -> Step:
    # A later report for the same period corrects the earlier one.
    data = event.data
    benefit = dict(_entry(row, "benefits", "benefit_id", data["benefit_id"]))
    benefit["realised"] = {**benefit["realised"], data["period"]: str(Decimal(str(data["value"])))}
    _replaced(row, "benefits", "benefit_id", benefit)
    return Step(row=touched(row, event))


_NO_CREATORS: dict[str, Creator] = {}

REGISTER_RULES: dict[str, tuple[dict[str, Creator], dict[str, Update]]] = {
    "risk-register": (
        _NO_CREATORS,
        {
            "RiskIdentified": _risk_identified,
            "RiskReassessed": _on_risk(_reassessed),
            "RiskResponsePlanned": _on_risk(_response_planned),
            "RiskActionPlanned": _on_risk(_action_planned),
            "RiskActionCompleted": _on_risk(_action_completed),
            "RiskReviewed": _on_risk(_reviewed),
            "RiskClosed": _on_risk(_closed),
            "IssueRaised": _issue_raised,
            "IssueResolved": _issue_resolved,
        },
    ),
    "benefit-register": (
        _NO_CREATORS,
        {
            "BenefitPlanned": _benefit_planned,
            "BenefitRealisationReported": _realisation_reported,
        },
    ),
}

__all__ = ["REGISTER_RULES", "empty_register", "rating"]
