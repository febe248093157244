"""An item's register events as the projector receives them, with the JSON payloads of
services/portfolio/pmo_portfolio/domain/delivery/registers/events.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.reporting.portfolio_factory import PMO, T0, Stream


class RiskRegister(Stream):
    def __init__(self, item_id: str, at: datetime = T0) -> None:
        super().__init__("risk-register", item_id, at=at)

    def risk(
        self, risk_id: str, probability: int, impact: int, owner: str = "olga"
    ) -> RiskRegister:
        self.add(
            "RiskIdentified",
            {
                "item_id": self.subject,
                "risk_id": risk_id,
                "title": f"Risk {risk_id}",
                "description": None,
                "category": "technical",
                "probability": probability,
                "impact": impact,
                "owner": owner,
                "review_by": "2026-04-01",
                "identified_by": PMO,
                "identified_at": self.now,
            },
        )
        return self

    def on(self, event_type: str, risk_id: str, **data: Any) -> RiskRegister:
        verb = {
            "RiskReassessed": "reassessed",
            "RiskResponsePlanned": "planned",
            "RiskActionPlanned": "planned",
            "RiskActionCompleted": "completed",
            "RiskReviewed": "reviewed",
            "RiskClosed": "closed",
        }[event_type]
        self.add(
            event_type, {"risk_id": risk_id, **data, f"{verb}_by": PMO, f"{verb}_at": self.now}
        )
        return self

    def answered(self, risk_id: str, probability: int, impact: int) -> RiskRegister:
        return self.on(
            "RiskResponsePlanned",
            risk_id,
            response="mitigate",
            residual_probability=probability,
            residual_impact=impact,
        )

    def closed(self, risk_id: str) -> RiskRegister:
        return self.on("RiskClosed", risk_id, reason="passed")

    def issue(self, issue_id: str, from_risk_id: str | None = None) -> RiskRegister:
        self.add(
            "IssueRaised",
            {
                "item_id": self.subject,
                "issue_id": issue_id,
                "title": f"Issue {issue_id}",
                "description": None,
                "severity": "high",
                "owner": "olga",
                "due_on": "2026-04-15",
                "from_risk_id": from_risk_id,
                "raised_by": PMO,
                "raised_at": self.now,
            },
        )
        return self

    def resolved(self, issue_id: str) -> RiskRegister:
        self.add(
            "IssueResolved",
            {
                "issue_id": issue_id,
                "resolution": "fixed",
                "resolved_by": PMO,
                "resolved_at": self.now,
            },
        )
        return self


class BenefitRegister(Stream):
    def __init__(self, item_id: str, at: datetime = T0) -> None:
        super().__init__("benefit-register", item_id, at=at)

    def benefit(
        self,
        benefit_id: str,
        *,
        unit: str = "EUR",
        baseline: str = "0",
        target: str = "1200",
        starts: str = "2026-01",
        target_date: str = "2026-12-31",
    ) -> BenefitRegister:
        self.add(
            "BenefitPlanned",
            {
                "item_id": self.subject,
                "benefit_id": benefit_id,
                "measure": f"Measure {benefit_id}",
                "unit": unit,
                "baseline": baseline,
                "target": target,
                "starts": starts,
                "target_date": target_date,
                "owner": "olga",
                "source": "manual",
                "business_case_version": None,
                "planned_by": PMO,
                "planned_at": self.now,
            },
        )
        return self

    def realised(self, benefit_id: str, period: str, value: str) -> BenefitRegister:
        self.add(
            "BenefitRealisationReported",
            {
                "benefit_id": benefit_id,
                "period": period,
                "value": value,
                "note": None,
                "reported_by": PMO,
                "reported_at": self.now,
            },
        )
        return self
