"""Adopting a scenario: a committee funds a whole selection of items in one decision.

Funding is what the planning gate decides (G2, business case approved, by default; the planning
gate of the scheme in force when a PMO published its own), so only a
body holding the right to approve there may adopt a scenario, with participants checked as for
any decision. Refusals name the built-in rules like `check_decision` does.
"""

from __future__ import annotations

from collections.abc import Collection

from pmo_kernel.errors import GovernanceRuleFailed
from pmo_portfolio.domain.governance.bodies import GovernanceBody
from pmo_portfolio.domain.governance.gates import DEFAULT_GATE_SCHEME
from pmo_portfolio.domain.governance.vocabulary import DECISION_RIGHTS, PARTICIPANTS, Outcome

FUNDING_GATE = DEFAULT_GATE_SCHEME.planning_gate


def check_scenario_adoption(
    body: GovernanceBody,
    scenario_id: str,
    *,
    participants: Collection[str],
    funding_gate: str = FUNDING_GATE,
) -> None:
    """Refuse, naming every failed rule, unless `body` may fund and the participants may sit."""
    body.require_established()
    failures: list[tuple[str, str]] = []
    if not body.may_decide(funding_gate, Outcome.APPROVE):
        failures.append(
            (
                DECISION_RIGHTS,
                f"{body.label} has no right to approve at {funding_gate}, the funding gate",
            )
        )
    failures.extend((PARTICIPANTS, problem) for problem in body.participant_problems(participants))
    if failures:
        raise GovernanceRuleFailed(
            f"{body.label} cannot adopt scenario {scenario_id}: "
            + "; ".join(reason for _, reason in failures),
            rule=failures[0][0],
            failed_rules=[{"rule": rule, "reason": reason} for rule, reason in failures],
            body_id=body.id,
            scenario_id=scenario_id,
            gate=funding_gate,
        )


__all__ = ["FUNDING_GATE", "check_scenario_adoption"]
