"""Who sees a person and their load: the reader roles and the person's line manager; cost
rates only the cost readers and the line manager. A person one may not see does not exist for
them (the same 404 as an unknown id, so ids cannot be probed)."""

from __future__ import annotations

from pmo_capacity.domain import COST_READER_ROLES, READER_ROLES, Person
from pmo_kernel.errors import NotFound
from pmo_kernel.identity import Principal


class PersonAccess:
    def may_see(self, principal: Principal, person: Person) -> bool:
        return bool(principal.roles & READER_ROLES) or principal.subject == person.line_manager

    def visible(self, principal: Principal, person: Person) -> None:
        if not self.may_see(principal, person):
            raise NotFound(f"person {person.id} does not exist", id=person.id)

    def sees_costs(self, principal: Principal, person: Person) -> bool:
        return bool(principal.roles & COST_READER_ROLES) or principal.subject == person.line_manager
