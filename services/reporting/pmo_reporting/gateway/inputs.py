"""GraphQL input types, and their translation to the demand service's JSON bodies.

The REST API takes snake_case JSON (services/demand/pmo_demand/domain/commands.py) and refuses
unknown fields; fields the client left out are left out of the body, so the service's defaults
apply. Validation (lengths, quarters, currencies) is the demand service's: its 422 comes back
as VALIDATION_FAILED with the field errors.
"""

from __future__ import annotations

from typing import Any

import strawberry

from pmo_reporting.gateway.errors import bad_input
from pmo_reporting.gateway.readmodel import DemandFilterValues
from pmo_reporting.gateway.types import DemandCategory, DemandState, Urgency

MAX_SEARCH = 200


@strawberry.input(description="Every field is optional; the demands match all that are set")
class DemandFilter:
    states: list[DemandState] | None = None
    department: str | None = None
    category: DemandCategory | None = None
    requester: str | None = None
    requires_investment_committee: bool | None = strawberry.field(
        default=None, description="true/false match qualified demands only"
    )
    search: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the title"
    )

    def values(self) -> DemandFilterValues:
        if self.search is not None and len(self.search) > MAX_SEARCH:
            raise bad_input(f"search is limited to {MAX_SEARCH} characters", argument="search")
        return DemandFilterValues(
            states=tuple(s.value for s in self.states) if self.states is not None else None,
            department=self.department,
            category=self.category.value if self.category is not None else None,
            requester=self.requester,
            requires_investment_committee=self.requires_investment_committee,
            search=self.search or None,
        )


def filter_values(filter: DemandFilter | None) -> DemandFilterValues:
    return filter.values() if filter is not None else DemandFilterValues()


@strawberry.input
class MoneyInput:
    amount: str = strawberry.field(description='Decimal string, e.g. "250000.00"')
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR")

    def body(self) -> dict[str, str]:
        return {"amount": self.amount, "currency": self.currency}


@strawberry.input(description="A business case; every field is optional while it is a draft")
class BusinessCaseInput:
    problem: str | None = None
    objectives: list[str] = strawberry.field(default_factory=list)
    estimated_cost: MoneyInput | None = None
    effort_person_days: str | None = strawberry.field(default=None, description="Decimal string")
    expected_benefits: str | None = None
    benefits_estimate: MoneyInput | None = None
    risks: list[str] = strawberry.field(default_factory=list)
    options_considered: list[str] = strawberry.field(default_factory=list)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "problem": self.problem,
            "objectives": self.objectives,
            "estimated_cost": self.estimated_cost.body() if self.estimated_cost else None,
            "effort_person_days": self.effort_person_days,
            "expected_benefits": self.expected_benefits,
            "benefits_estimate": self.benefits_estimate.body() if self.benefits_estimate else None,
            "risks": self.risks,
            "options_considered": self.options_considered,
        }
        return {k: v for k, v in body.items() if v is not None}


@strawberry.input
class SubmitDemandInput:
    title: str
    description: str = ""
    sponsor: str | None = None
    department: str
    category: DemandCategory
    urgency: Urgency
    strategic_objectives: list[str] = strawberry.field(default_factory=list)
    desired_start_quarter: str | None = strawberry.field(default=None, description="e.g. 2027-Q1")
    desired_end_quarter: str | None = None
    business_case: BusinessCaseInput | None = None

    def body(self) -> dict[str, Any]:
        content: dict[str, Any] = {
            "title": self.title,
            "description": self.description,
            "sponsor": self.sponsor,
            "department": self.department,
            "category": self.category.value,
            "urgency": self.urgency.value,
            "strategic_objectives": self.strategic_objectives,
            "desired_start_quarter": self.desired_start_quarter,
            "desired_end_quarter": self.desired_end_quarter,
        }
        body: dict[str, Any] = {"content": {k: v for k, v in content.items() if v is not None}}
        if self.business_case is not None:
            body["business_case"] = self.business_case.body()
        return body
