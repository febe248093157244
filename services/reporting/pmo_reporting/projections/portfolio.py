"""The portfolio projection: portfolio events (their JSON payloads) → the portfolio read models.

`evolve(version, row, event)` is pure: given the version its stream is at in the read model and
the stream's main row (an item, a scoring model, a body, a meeting, a budget envelope, a
scenario, a programme; routing rules have none), it returns a `Step`: the main row after the
event, and the rows the event adds elsewhere (an item's evaluation, a decision, a routing rule
set, an arbitration request, a scenario adoption in a meeting). The planning streams' rules are
in portfolio_planning.py. `PortfolioProjection` is the consumer handler that
runs it against PostgreSQL (portfolio_statements.py), a batch at a time.

Reporting never imports the portfolio service: the published payloads are the contract (see
services/portfolio/pmo_portfolio/domain/governance/events.py, decisions.py,
domain/scoring/events.py and domain/planning/events.py for their shape). Rows hold JSON-ready
values (times as ISO-8601, money as decimal strings); PostgreSQL casts them to the column types
when it writes them.

Ordering: `portfolio_stream_versions` keeps the version each stream has applied (keyed
"<stream type>/<stream id>": an item and a meeting may share an id). An event at or below it was
applied and is skipped; one further ahead than the next version is a gap, which retrying cannot
fix: `Unprocessable`, and the consumer dead-letters it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import asyncpg

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.consumer import Unprocessable
from pmo_reporting.projections.payloads import amount, money_columns, touched
from pmo_reporting.projections.portfolio_planning import PLANNING_RULES, assigned_to_programme
from pmo_reporting.projections.portfolio_registers import REGISTER_RULES, empty_register
from pmo_reporting.projections.portfolio_statements import (
    STREAM_TABLES,
    Creator,
    PortfolioStatements,
    Row,
    Step,
    Update,
    stream_key,
)

log = logging.getLogger(__name__)

PROJECTION_NAME = "reporting.portfolio"


def evolve(version: int, row: Mapping[str, Any] | None, event: ReceivedEvent) -> Step | None:
    """The read-model changes of `event`; None when the stream has applied it already.

    `version` is the stream's applied version (0: none yet), `row` its main row (None: not
    projected yet). Raises Unprocessable for a gap, an unknown stream type, or a payload it
    cannot read.
    """
    if event.sequence <= version:
        return None
    if event.sequence != version + 1:
        raise Unprocessable(
            f"gap: {event.stream_type} {event.subject} is at version {version} in the read "
            f"model; {event.event_type} v{event.sequence} cannot apply before v{version + 1}"
        )
    rules = _RULES.get(event.stream_type)
    if rules is None:
        raise Unprocessable(f"stream type {event.stream_type!r} is not a portfolio stream")
    creators, updates = rules
    try:
        creator = creators.get(event.event_type)
        if creator is not None:
            return creator(event)
        if row is None:  # a register starts with any of its events
            row = empty_register(event.stream_type, event.subject)
        if row is None and STREAM_TABLES[event.stream_type] is not None:
            raise ValueError(f"the {event.stream_type} was never created")
        update = updates.get(event.event_type)
        if update is None:  # newer than this code: the version still advances
            log.info("portfolio projection: %s not projected", event.event_type)
            return Step(row=touched(dict(row), event) if row is not None else None)
        return update(dict(row or {}), event)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise Unprocessable(
            f"unreadable {event.event_type} payload for {event.stream_type} {event.subject} "
            f"v{event.sequence}: {exc!r}"
        ) from exc


# -- portfolio items ------------------------------------------------------------------------


def _candidate_registered(event: ReceivedEvent) -> Step:
    data = event.data
    cost, currency = money_columns(data.get("estimated_cost"))
    scheme = data["gate_scheme"]
    row: Row = {
        "id": event.subject,
        "version": event.sequence,
        "title": data["title"],
        "department": data["department"],
        "category": data["category"],
        "requester": data.get("requester"),
        "sponsor": data.get("sponsor"),
        "risk_level": data.get("risk_level"),
        "state": "candidate",
        "gate_scheme": scheme,
        "current_gate": data["current_gate"],
        "passed_gates": passed_gates(scheme, data["current_gate"]),
        "estimated_cost": cost,
        "estimated_cost_currency": currency,
        "business_case_version": data.get("business_case_version"),
        "business_case": data.get("business_case") or {},
        "requires_investment_committee": bool(data.get("requires_investment_committee")),
        "desired_start_quarter": data.get("desired_start_quarter"),
        "desired_end_quarter": data.get("desired_end_quarter"),
        "planned_start_quarter": None,
        "planned_end_quarter": None,
        "cost_per_year": {},
        "programme_id": None,
        "registered_at": data["registered_at"],
        "updated_at": event.time.isoformat(),
    }
    return Step(row=row)


def _business_case_revision_noted(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    version = int(data["version"])
    if version >= (row.get("business_case_version") or 0):  # a late, older note changes nothing
        row["business_case_version"] = version
        row["business_case"] = data["business_case"]
        if data.get("estimated_cost") is not None:
            cost = money_columns(data["estimated_cost"])
            row["estimated_cost"], row["estimated_cost_currency"] = cost
    return Step(row=touched(row, event))


def _item_scored(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    score = {
        "item_id": event.subject,
        "version": event.sequence,
        "evaluator_id": data["evaluator_id"],
        "model_id": data["model_id"],
        "model_version": int(data["model_version"]),
        "scores": {str(k): int(v) for k, v in data["scores"].items()},
        "justifications": dict(data["justifications"]),
        "scored_at": data["scored_at"],
        "superseded": False,
    }
    return Step(row=touched(row, event), scores=[score])


def _item_decided(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    row["state"] = data["state"]
    row["current_gate"] = data["current_gate"]
    row["passed_gates"] = passed_gates(row["gate_scheme"], data["current_gate"])
    return Step(row=touched(row, event), decisions=[decision_row(data["decision"])])


def _item_planned(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    row["planned_start_quarter"] = data["start_quarter"]
    row["planned_end_quarter"] = data["end_quarter"]
    row["cost_per_year"] = {
        str(year): {"amount": str(amount(cost)), "currency": str(cost["currency"])}
        for year, cost in sorted(data["cost_per_year"].items())
    }
    return Step(row=touched(row, event))


def passed_gates(scheme: Mapping[str, Any], current_gate: str) -> list[str]:
    """Every gate of the scheme up to `current_gate`, in order (the gates the item passed)."""
    codes = [str(gate["code"]) for gate in scheme.get("gates", [])]
    if current_gate not in codes:
        return [current_gate]
    return codes[: codes.index(current_gate) + 1]


def decision_row(decision: Mapping[str, Any], **extra: Any) -> Row:
    """A `decisions` row from the Decision record both ItemDecided and DecisionRecorded carry."""
    score = decision.get("consolidated_score")
    return {
        "decision_id": decision["decision_id"],
        "item_id": decision["item_id"],
        "meeting_id": decision["meeting_id"],
        "body_id": decision["body_id"],
        "body_kind": decision["body_kind"],
        "gate": decision["gate"],
        "outcome": decision["outcome"],
        "rationale": decision["rationale"],
        "conditions": list(decision.get("conditions") or []),
        "participants": list(decision["participants"]),
        "business_case_version": decision.get("business_case_version"),
        "business_case": decision.get("business_case") or {},
        "facts": decision.get("facts") or {},
        "scoring_model_id": decision.get("scoring_model_id"),
        "scoring_model_version": decision.get("scoring_model_version"),
        "consolidated_score": str(Decimal(str(score))) if score is not None else None,
        "evaluator_count": int(decision.get("evaluator_count") or 0),
        "rule_set_version": int(decision["rule_set_version"]),
        "applied_rules": list(decision.get("applied_rules") or []),
        "budget_envelope_id": decision.get("budget_envelope_id"),
        "budget_envelope_version": decision.get("budget_envelope_version"),
        # Additive: decisions from before the portfolio's capacity feed have none.
        "capacity_version": decision.get("capacity_version"),
        "decided_at": decision["decided_at"],
        # Joint sign-off (additive: payloads from before it have neither, meaning none).
        "awaiting_approval_from": [
            str(kind) for kind in decision.get("awaiting_approval_from") or []
        ],
        "earlier_approvals": [str(did) for did in decision.get("earlier_approvals") or []],
        "recorded_by": None,
        "recorded_at": None,
        **extra,
    }


# -- scoring models -------------------------------------------------------------------------


def _scoring_model_created(event: ReceivedEvent) -> Step:
    data = event.data
    row: Row = {
        "id": event.subject,
        "name": data["name"],
        "kind": data["kind"],
        "status": "draft",
        "latest_version": None,
        "versions": [],
        "draft": {"version": 1, "criteria": list(data["criteria"])},
        "created_at": data["created_at"],
        "updated_at": event.time.isoformat(),
    }
    return Step(row=row)


def _scoring_model_draft_revised(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    row["draft"] = {"version": int(data["draft_version"]), "criteria": list(data["criteria"])}
    return Step(row=touched(row, event))


def _scoring_model_version_published(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    version = int(data["version"])
    published = {
        "version": version,
        "name": data["name"],
        "kind": data["kind"],
        "criteria": list(data["criteria"]),
        "published_by": data["published_by"],
        "published_at": data["published_at"],
    }
    others = [v for v in row.get("versions") or [] if v["version"] != version]
    row["versions"] = sorted([*others, published], key=lambda v: int(v["version"]))
    row["latest_version"] = max(version, row.get("latest_version") or 0)
    row["name"], row["kind"] = data["name"], data["kind"]
    row["draft"] = None
    if row["status"] != "retired":
        row["status"] = "published"
    return Step(row=touched(row, event))


def _scoring_model_retired(row: Row, event: ReceivedEvent) -> Step:
    row["status"] = "retired"
    row["draft"] = None
    return Step(row=touched(row, event))


# -- governance bodies ----------------------------------------------------------------------


def _body_established(event: ReceivedEvent) -> Step:
    data = event.data
    row: Row = {
        "id": event.subject,
        "kind": data["kind"],
        "name": data["name"],
        "members": [],
        "rights": {},
        "established_at": data["established_at"],
    }
    return Step(row=row)


def _member_added(row: Row, event: ReceivedEvent) -> Step:
    person = event.data["person_id"]
    members = [m for m in row["members"] if m["person_id"] != person]
    row["members"] = [*members, {"person_id": person, "role": event.data["role"]}]
    return Step(row=row)


def _member_removed(row: Row, event: ReceivedEvent) -> Step:
    person = event.data["person_id"]
    row["members"] = [m for m in row["members"] if m["person_id"] != person]
    return Step(row=row)


def _rights_changed(row: Row, event: ReceivedEvent) -> Step:
    # Granted and revoked both carry `allowed`: everything the body may now decide at the gate.
    rights = dict(row["rights"])
    allowed = [str(outcome) for outcome in event.data["allowed"]]
    if allowed:
        rights[event.data["gate"]] = allowed
    else:
        rights.pop(event.data["gate"], None)
    row["rights"] = rights
    return Step(row=row)


# -- meetings -------------------------------------------------------------------------------


def _meeting_scheduled(event: ReceivedEvent) -> Step:
    data = event.data
    row: Row = {
        "id": event.subject,
        "body_id": data["body_id"],
        "title": data["title"],
        "date": data["date"],
        "closed": False,
        "agenda": [],
        "decision_ids": [],
        "undecided_item_ids": [],
        "scheduled_at": data["scheduled_at"],
        "closed_at": None,
    }
    return Step(row=row)


def _agenda_item_added(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    line = {
        "item_id": data["item_id"],
        "gate": data["gate"],
        "purpose": data["purpose"],
        "added_by": data["added_by"],
        "added_at": data["added_at"],
    }
    row["agenda"] = [*row["agenda"], line]
    return Step(row=row)


def _decision_recorded(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    decision = decision_row(
        data["decision"], recorded_by=data["recorded_by"], recorded_at=data["recorded_at"]
    )
    return Step(row=row, decisions=[decision])


def _scenario_adoption_recorded(row: Row, event: ReceivedEvent) -> Step:
    # A line of the meeting's decision register that is about a scenario, not an item: it has
    # its own table (decisions rows are item decisions at a gate, with frozen inputs).
    data = event.data
    adoption = {
        "decision_id": data["decision_id"],
        "meeting_id": data.get("meeting_id") or event.subject,
        "scenario_id": data["scenario_id"],
        "body_id": data["body_id"],
        "participants": list(data["participants"]),
        "rationale": data["rationale"],
        "selected": list(data.get("selected") or []),
        "decided_at": data["decided_at"],
    }
    return Step(row=row, adoptions=[adoption])


def _meeting_closed(row: Row, event: ReceivedEvent) -> Step:
    data = event.data
    row["closed"] = True
    row["closed_at"] = data["closed_at"]
    row["decision_ids"] = list(data["decision_ids"])
    row["undecided_item_ids"] = list(data["undecided_item_ids"])
    return Step(row=row)


# -- routing rules --------------------------------------------------------------------------


def _routing_rules_published(event: ReceivedEvent) -> Step:
    data = event.data
    rule_set = {
        "rule_set_id": data.get("rule_set_id") or event.subject,
        "version": int(data["version"]),
        "rules": list(data["rules"]),
        "base_currency": data["base_currency"],
        "exchange_rates": {k: str(v) for k, v in (data.get("exchange_rates") or {}).items()},
        "published_by": data["published_by"],
        "published_at": data["published_at"],
        "gates": data.get("gates"),  # absent before schemes were published with the rules
    }
    return Step(row=None, rule_sets=[rule_set])


_RULES: dict[str, tuple[dict[str, Creator], dict[str, Update]]] = {
    "portfolio-item": (
        {"CandidateRegistered": _candidate_registered},
        {
            "BusinessCaseRevisionNoted": _business_case_revision_noted,
            "ItemScored": _item_scored,
            "ItemDecided": _item_decided,
            "ItemPlanned": _item_planned,
            "ItemAssignedToProgramme": assigned_to_programme,
        },
    ),
    "scoring-model": (
        {"ScoringModelCreated": _scoring_model_created},
        {
            "ScoringModelDraftRevised": _scoring_model_draft_revised,
            "ScoringModelVersionPublished": _scoring_model_version_published,
            "ScoringModelRetired": _scoring_model_retired,
        },
    ),
    "governance-body": (
        {"GovernanceBodyEstablished": _body_established},
        {
            "BodyMemberAdded": _member_added,
            "BodyMemberRemoved": _member_removed,
            "DecisionRightGranted": _rights_changed,
            "DecisionRightRevoked": _rights_changed,
        },
    ),
    "meeting": (
        {"MeetingScheduled": _meeting_scheduled},
        {
            "AgendaItemAdded": _agenda_item_added,
            "DecisionRecorded": _decision_recorded,
            "MeetingClosed": _meeting_closed,
            "ScenarioAdoptionRecorded": _scenario_adoption_recorded,
        },
    ),
    "routing-rules": ({"RoutingRulesPublished": _routing_rules_published}, {}),
    **PLANNING_RULES,  # budget envelopes, scenarios, programmes: portfolio_planning.py
    **REGISTER_RULES,  # an item's risk and benefit registers: portfolio_registers.py
}


# -- the handler ----------------------------------------------------------------------------


class PortfolioProjection:
    """Consumer handler (pmo_kernel.consumer.BatchHandler) keeping the portfolio read models.

    A batch: lock the streams' versions and read their main rows, fold the events in memory
    (`evolve`), write everything back (portfolio_statements.py). `handle` is a batch of one.
    """

    name = PROJECTION_NAME

    def __init__(self, schema: str = "reporting") -> None:
        self.schema = schema
        self.statements = PortfolioStatements(schema, PROJECTION_NAME)
        self.skipped = 0  # events found already applied by version (observability, tests)

    async def handle(self, conn: asyncpg.Connection, event: ReceivedEvent) -> None:
        await self.apply(conn, [event])

    async def handle_batch(self, conn: asyncpg.Connection, events: Sequence[ReceivedEvent]) -> None:
        await self.apply(conn, events)

    async def apply(self, conn: asyncpg.Connection, events: Sequence[ReceivedEvent]) -> list[Step]:
        """Apply `events` (in stream order per stream) inside the caller's transaction."""
        ours = [e for e in events if e.stream_type in STREAM_TABLES]
        if not ours:
            return []
        versions = await self.statements.lock_versions(conn, {stream_key(e) for e in ours})
        rows = await self.statements.read_rows(conn, ours)
        steps: list[Step] = []
        applied: list[ReceivedEvent] = []
        for event in ours:
            key = stream_key(event)
            step = evolve(versions.get(key, 0), rows.get(key), event)
            if step is None:
                self.skipped += 1
                log.debug("%s v%s already applied", key, event.sequence)
                continue
            versions[key] = event.sequence
            if step.row is not None:
                rows[key] = step.row
            steps.append(step)
            applied.append(event)
        if applied:
            await self.statements.write(conn, applied, steps, versions)
        return steps

    async def after_commit(self, events: Sequence[ReceivedEvent]) -> None:
        """Nothing to do: the NOTIFY of the stream versions reached (PORTFOLIO_CHANNEL) was part
        of the transaction (`PortfolioStatements.write`, see changes.py), so it is delivered at
        commit, to waiting mutations and the portfolio subscriptions, and never lost to a crash
        between a commit and this call."""
