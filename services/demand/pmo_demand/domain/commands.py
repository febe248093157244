"""Commands: what a user asks the demand service to do. The REST API takes them as request bodies.

Frozen and strict (unknown fields are refused, not ignored) so a misspelt field is a 422 instead of
silently lost data. Who acts is never part of a body: it is the authenticated actor.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pmo_demand.domain.model import (
    MAX_QUESTIONS,
    BusinessCase,
    DemandContent,
    OptionalLongText,
    OptionalReason,
    Question,
    Reason,
    RequiredLongText,
)


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class SubmitDemand(Command):
    content: DemandContent
    business_case: BusinessCase | None = None


class ReviseBusinessCase(Command):
    business_case: BusinessCase


class RequestInformation(Command):
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)


class ProvideInformation(Command):
    answers: RequiredLongText


class QualifyDemand(Command):
    note: OptionalLongText = None


class RejectDemand(Command):
    reason: Reason


class WithdrawDemand(Command):
    reason: OptionalReason = None


class AcceptDemand(Command):
    note: OptionalLongText = None


_REQUESTER = frozenset({"requester", "admin"})
_ANALYST = frozenset({"pmo_analyst", "admin"})

# Roles that may revise the business case of a demand they did not submit.
REVIEWER_ROLES = _ANALYST

# Roles allowed to issue each command, keyed by the Demand method name. The application layer
# enforces these; the aggregate only knows "the requester's own demand" rules.
COMMAND_ROLES: dict[str, frozenset[str]] = {
    "submit": _REQUESTER,
    "revise_business_case": _REQUESTER | {"pmo_analyst"},
    "provide_information": _REQUESTER,
    "withdraw": _REQUESTER,
    "request_information": _ANALYST,
    "qualify": _ANALYST,
    "reject": _ANALYST,
    "accept": _ANALYST,
}
