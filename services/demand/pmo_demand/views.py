"""JSON views of a demand, served by GET /demands/{id} straight from its event stream."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from pmo_demand.domain import BusinessCase, Demand, DemandContent
from pmo_kernel.access import Sight


class DemandView(BaseModel):
    id: str
    version: int
    state: str
    requester: str | None
    content: DemandContent | None
    business_case: BusinessCase | None
    business_case_version: int | None
    open_questions: list[str]
    information_rounds: int
    requires_investment_committee: bool
    rules_version: str | None
    qualified_business_case_version: int | None
    rejection_reason: str | None
    withdrawal_reason: str | None
    submitted_at: datetime | None
    qualified_at: datetime | None
    decided_at: datetime | None
    withdrawn_at: datetime | None
    figures_hidden: bool = False  # the caller may see the demand but not its costs

    @classmethod
    def of(cls, demand: Demand, sight: Sight = Sight.FULL) -> DemandView:
        assert demand.state is not None
        case = demand.business_case
        hidden = sight is not Sight.FULL
        if hidden and case is not None:
            case = case.model_copy(update={"estimated_cost": None, "benefits_estimate": None})
        return cls(
            id=demand.id,
            version=demand.version,
            state=demand.state.value,
            requester=demand.requester,
            content=demand.content,
            business_case=case,
            business_case_version=demand.business_case_version,
            open_questions=list(demand.open_questions),
            information_rounds=demand.information_rounds,
            requires_investment_committee=demand.requires_investment_committee,
            rules_version=demand.rules_version,
            qualified_business_case_version=demand.qualified_business_case_version,
            rejection_reason=demand.rejection_reason,
            withdrawal_reason=demand.withdrawal_reason,
            submitted_at=demand.submitted_at,
            qualified_at=demand.qualified_at,
            decided_at=demand.decided_at,
            withdrawn_at=demand.withdrawn_at,
            figures_hidden=hidden,
        )


class CommandAccepted(BaseModel):
    id: str
    version: int
    state: str
    event_ids: list[str]
    replayed: bool = False


class StreamEventView(BaseModel):
    event_id: str
    version: int
    event_type: str
    schema_version: int
    global_position: int
    recorded_at: datetime
    actor: dict[str, Any]
    payload: dict[str, Any]
    hash: str
    prev_hash: str | None
