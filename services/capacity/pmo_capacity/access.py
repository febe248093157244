"""Who sees a person and their load: the reader roles and the person's line manager; cost
rates only the cost readers and the line manager. A person one may not see does not exist for
them (the same 404 as an unknown id, so ids cannot be probed)."""

from __future__ import annotations

from pmo_capacity.domain import Person
from pmo_kernel.capacity.access import sees_cost_rate, sees_person
from pmo_kernel.errors import NotFound
from pmo_kernel.identity import Principal


class PersonAccess:
    def may_see(self, principal: Principal, person: Person) -> bool:
        return sees_person(principal, person.line_manager)

    def visible(self, principal: Principal, person: Person) -> None:
        if not self.may_see(principal, person):
            raise NotFound(f"person {person.id} does not exist", id=person.id)

    def sees_costs(self, principal: Principal, person: Person) -> bool:
        return sees_cost_rate(principal, person.line_manager)
