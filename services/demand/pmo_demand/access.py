"""The demand service's read policy (pmo_kernel.access applied to demands): who sees a demand,
and whether with its costs. A demand is not yet delivered, so delivery roles do not see it."""

from __future__ import annotations

from dataclasses import dataclass

from pmo_demand.domain import Demand
from pmo_kernel.access import Audience, Ownership, Sight
from pmo_kernel.errors import NotFound, PermissionDenied
from pmo_kernel.identity import Principal
from pmo_kernel.settings import Settings


def ownership(demand: Demand) -> Ownership:
    content = demand.content
    return Ownership(
        requester=demand.requester,
        department=content.department if content is not None else None,
        sponsor=content.sponsor if content is not None else None,
    )


@dataclass(frozen=True)
class DemandAccess:
    settings: Settings

    def sight(self, principal: Principal, demand: Demand) -> Sight:
        return Audience.of(principal, self.settings, delivered=False).sight(ownership(demand))

    def visible(self, principal: Principal, demand: Demand) -> Sight:
        """The caller's sight of `demand`; a demand they may not see does not exist for them
        (the same 404 as an unknown id, so ids cannot be probed)."""
        sight = self.sight(principal, demand)
        if sight is Sight.NONE:
            raise NotFound(f"demand {demand.id} does not exist", demand_id=demand.id)
        return sight

    def require_full(self, principal: Principal, demand: Demand, action: str) -> None:
        if self.visible(principal, demand) is not Sight.FULL:
            raise PermissionDenied(
                f"{action} shows the demand's costs, which {principal.subject} may not see"
            )
