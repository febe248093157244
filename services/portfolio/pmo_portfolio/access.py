"""The portfolio service's read policy: pmo_kernel.access applied to portfolio items, and the
portfolio-wide views only the portfolio's readers see.

A portfolio item's owner side is the one of the demand it came from: the intake registers the
item with the demand's requester, department and sponsor (`CandidateRegistered`). An item is
being delivered once it passed its gate scheme's planning gate (its business case approved, G2
by default), whatever happened to it since (on hold, cancelled, closed): from then on project and
resource managers see it, without its figures.

Per endpoint, for a caller who is not one of `PORTFOLIO_READERS`:

- `GET /items/{id}`: by sight (`Audience.sight`). FULL for the item's requester and sponsor:
  it is their demand, its costs, plan, scores and decisions included. SUMMARY (same-department
  requesters when `requesters_see_department` is on; delivery roles on delivered items): every
  figure is null (the estimated cost, the plan's cost per year, the business case's amounts in
  the decisions, and the applied routing rules' reasons, which state the cost in words) and
  `figures_hidden` is true. NONE: 404, the answer to an unknown id.
- Commands on an item (scores, plan, programme, agenda, decisions): the role is checked first
  (403, saying nothing of the item); an item the caller may not see is then a 404; nothing is
  written either way. Every command role is a portfolio reader today, so the 404 is a guard.
- `GET /budget-envelopes/{id}`, `/roadmap`, `/scenarios/{id}`, `/scenarios/comparison`: the whole
  portfolio's money (envelopes, commitments, selections, trade-offs). Readers only
  (`require_portfolio_reader`: 403 before the id is looked up, so ids cannot be probed). A
  requester or sponsor reads their own item's plan and cost per year on `GET /items/{id}`.
- `GET /meetings/{id}`: the minutes carry every decided item's frozen inputs, costs and
  department included. Readers only; the decisions on a caller's own item are on the item.
- `GET /programmes/{id}`: lists items of every department. Readers only.
- `GET /routing-rules` and `GET /scoring-models/{id}`: the rules every item is governed and
  scored by, no record's figures in them. Every authenticated caller: a requester may know
  which bodies will decide on their demand and on which criteria.
- `GET /events` (the whole log): the kernel's feed readers only (auditor, admin, service,
  pmo_analyst), all of them portfolio readers. There is no per-item event history here, and no
  REST list of items (lists and totals live in the reporting gateway).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pmo_kernel.access import Audience, Ownership, Sight, without_figures
from pmo_kernel.errors import NotFound
from pmo_kernel.identity import Principal
from pmo_kernel.settings import Settings
from pmo_portfolio.domain.governance.item import PortfolioItem


def ownership(item: PortfolioItem) -> Ownership:
    return Ownership(requester=item.requester, department=item.department, sponsor=item.sponsor)


def delivered(item: PortfolioItem) -> bool:
    """Past the planning gate of the item's scheme: approved for delivery, planned or not."""
    return item.gate_scheme is not None and item.gate_scheme.planning_gate in item.passed_gates


@dataclass(frozen=True)
class PortfolioAccess:
    settings: Settings

    def sight(self, principal: Principal, item: PortfolioItem) -> Sight:
        audience = Audience.of(principal, self.settings, delivered=delivered(item))
        return audience.sight(ownership(item))

    def visible(self, principal: Principal, item: PortfolioItem) -> Sight:
        """The caller's sight of `item`; an item they may not see does not exist for them
        (the same 404 as an unknown id, so ids cannot be probed)."""
        sight = self.sight(principal, item)
        if sight is Sight.NONE:
            raise NotFound(f"portfolio item {item.id} does not exist", id=item.id)
        return sight


def item_without_figures(view: dict[str, Any]) -> dict[str, Any]:
    """An item's view (decoded JSON) as SUMMARY sight shows it: every amount of money null,
    and the applied routing rules' reasons (which state the estimated cost) too."""
    hidden: dict[str, Any] = without_figures(view)
    for decision in hidden["decisions"]:
        for rule in decision["applied_rules"]:
            rule["reason"] = None
    hidden["figures_hidden"] = True
    return hidden


__all__ = ["PortfolioAccess", "delivered", "item_without_figures", "ownership"]
