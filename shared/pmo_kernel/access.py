"""Who may see which record, and whether with its figures: the vocabulary of every service's
read policy (each service's `access.py` applies it to its own records).

A record (a demand, a portfolio item) has an owner side: its requester, its department, its
sponsor. A caller sees it

- FULL, figures included, when one of its roles runs or audits the whole portfolio
  (`PORTFOLIO_READERS`), or when the caller is its requester or its sponsor;
- SUMMARY, without costs, budgets and benefits, when it belongs to the caller's department and
  `Settings.requesters_see_department` is on, or, for records being delivered, when the caller
  delivers or staffs projects (`DELIVERY_ROLES`);
- not at all otherwise: it is absent from lists and totals, and fetching it by id answers as
  for an id that does not exist (404, null), so ids cannot be probed (OWASP API1).

Sponsors are named by the requester in free text, so a caller is a record's sponsor when the
sponsor text equals the caller's subject or display name, compared case-insensitively with
whitespace collapsed (`person_key`; SQL filters apply the same normalisation).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from pmo_kernel.identity import Principal, Role
from pmo_kernel.settings import Settings


class Sight(IntEnum):
    NONE = 0
    SUMMARY = 1  # the record without its costs, budgets and benefits
    FULL = 2


# Run, decide on or audit the whole portfolio: every record, figures included.
PORTFOLIO_READERS = frozenset(
    {Role.PMO_ANALYST, Role.PORTFOLIO_BOARD, Role.EXECUTIVE, Role.AUDITOR, Role.ADMIN, Role.SERVICE}
)
# Deliver and staff projects: every record being delivered, without its figures.
DELIVERY_ROLES = frozenset({Role.PROJECT_MANAGER, Role.RESOURCE_MANAGER})


def person_key(text: str | None) -> str | None:
    """A person's name or id as compared for sponsorship: lower case, whitespace collapsed."""
    if text is None:
        return None
    key = " ".join(text.split()).lower()
    return key or None


@dataclass(frozen=True)
class Ownership:
    """The owner side of a record, as far as visibility goes."""

    requester: str | None = None
    department: str | None = None
    sponsor: str | None = None


@dataclass(frozen=True)
class Audience:
    """What one caller may see, both as a test of one record (`sight`) and as the parts of a
    filter for lists and totals (the gateway turns it into SQL)."""

    everything: bool
    subject: str
    person_keys: tuple[str, ...]  # the sponsor texts that name the caller (person_key)
    department: str | None  # the department whose records the caller sees in SUMMARY
    delivery: bool  # sees every delivered record in SUMMARY

    @classmethod
    def of(cls, principal: Principal, settings: Settings, *, delivered: bool) -> Audience:
        """`delivered`: the records are portfolio items (delivery roles see them), not
        demands (which only their requesters, sponsors and the portfolio's readers see)."""
        keys = {person_key(principal.subject), person_key(principal.name)}
        return cls(
            everything=bool(principal.roles & PORTFOLIO_READERS),
            subject=principal.subject,
            person_keys=tuple(sorted(k for k in keys if k is not None)),
            department=principal.department if settings.requesters_see_department else None,
            delivery=delivered and bool(principal.roles & DELIVERY_ROLES),
        )

    def sight(self, owner: Ownership) -> Sight:
        if self.everything or owner.requester == self.subject:
            return Sight.FULL
        if owner.sponsor is not None and person_key(owner.sponsor) in self.person_keys:
            return Sight.FULL
        if self.delivery:
            return Sight.SUMMARY
        if self.department is not None and owner.department == self.department:
            return Sight.SUMMARY
        return Sight.NONE

    @property
    def sees_every_record(self) -> bool:
        """Whether no record is hidden (lists need no filter), figures aside."""
        return self.everything or self.delivery


def without_figures(value: Any) -> Any:
    """`value` (decoded JSON: a payload, a history line's changes) with every amount of money
    in it, an object of exactly `amount` and `currency`, replaced by null: what SUMMARY sight
    shows of free-form content whose figures cannot be listed field by field."""
    if isinstance(value, dict):
        if value.keys() == {"amount", "currency"}:
            return None
        return {key: without_figures(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_figures(item) for item in value]
    return value


def require_portfolio_reader(principal: Principal, action: str) -> None:
    """Views made of the whole portfolio's figures (budgets, scenarios, trade-offs) are for the
    roles that see every record with its figures."""
    principal.require_any(PORTFOLIO_READERS, action)


__all__ = [
    "DELIVERY_ROLES",
    "PORTFOLIO_READERS",
    "Audience",
    "Ownership",
    "Sight",
    "person_key",
    "require_portfolio_reader",
    "without_figures",
]
