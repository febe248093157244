"""The RoutingRuleSet aggregate: the published versions of the governance configuration.

A rule set is published in numbered versions on one stream ("routing-rules"/"default"); every
decision records the version it was checked against, so it can be replayed on exactly those rules.
Each version also carries the stage-gate scheme new items are registered with (the default one
until a PMO publishes its own); rules may only name gates of their version's scheme.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, InvalidTransition
from pmo_kernel.events import DomainEvent, utcnow
from pmo_kernel.money import rates_in
from pmo_portfolio.domain.governance.events import RoutingRulesPublished
from pmo_portfolio.domain.governance.gates import DEFAULT_GATE_SCHEME, GateScheme
from pmo_portfolio.domain.governance.routing_rule import RoutingRule
from pmo_portfolio.domain.governance.routing_rules import (
    DEFAULT_EXCHANGE_RATES,
    ExchangeRatesInAnotherCurrency,
    RoutingRules,
    by_id,
)
from pmo_portfolio.domain.governance.validation import validated

DEFAULT_RULE_SET_ID = "default"


class RoutingRuleSet(Aggregate):
    """The versions of the governance configuration (routing rules, exchange rates, stage-gate
    scheme). Only the latest is in force; all stay for replays. Items keep the gate scheme that
    was in force when they were registered: a new scheme only applies to new items."""

    stream_type = "routing-rules"

    def __init__(self, stream_id: str = DEFAULT_RULE_SET_ID) -> None:
        super().__init__(stream_id)
        self.versions: dict[int, RoutingRules] = {}

    @property
    def current(self) -> RoutingRules | None:
        return self.versions[max(self.versions)] if self.versions else None

    @property
    def in_force(self) -> RoutingRules:
        current = self.current
        if current is None:
            raise InvalidTransition(
                f"routing rules {self.id}: no version has been published yet", rule_set_id=self.id
            )
        return current

    def at_version(self, version: int) -> RoutingRules:
        """A past or current version, e.g. to replay a decision on the rules it was checked with."""
        try:
            return self.versions[version]
        except KeyError:
            published = sorted(self.versions)
            raise DomainError(
                f"routing rules {self.id} have no version {version} "
                f"(published: {', '.join(map(str, published)) or 'none'})",
                rule_set_id=self.id,
                version=version,
            ) from None

    @property
    def gate_scheme(self) -> GateScheme:
        """The stage gates new items are registered with: the version in force's, or the
        default scheme until a version is published."""
        current = self.current
        return current.gates if current is not None else DEFAULT_GATE_SCHEME

    def scheme_knowing(self, gate: str) -> GateScheme:
        """The latest published scheme that knows `gate` (items registered under an older
        scheme are still decided at its gates), else the scheme in force, to name its gates."""
        for version in sorted(self.versions, reverse=True):
            if self.versions[version].gates.knows(gate):
                return self.versions[version].gates
        return self.gate_scheme

    # -- decide ---------------------------------------------------------------------------------

    def publish_version(
        self,
        rules: Iterable[RoutingRule],
        *,
        actor_id: str,
        exchange_rates: Mapping[str, Decimal] | None = None,
        base_currency: str | None = None,
        gates: GateScheme | None = None,
        now: datetime | None = None,
    ) -> RoutingRules:
        """Publish the next version. Rates, base currency and gate scheme default to the current
        version's (the default ones for the first version); a new base currency without new
        rates gets the kept rates re-expressed in it. Rules naming a gate the scheme does not
        know are refused."""
        chosen = tuple(sorted(rules, key=by_id))
        current = self.current
        gates = gates if gates is not None else self.gate_scheme
        kept_base = current.base_currency if current else "EUR"
        base = (base_currency or kept_base).upper()
        version = (max(self.versions) if self.versions else 0) + 1
        context = f"routing rules {self.id} version {version}"
        if exchange_rates is not None:
            rates = dict(exchange_rates)
        else:
            kept = dict(current.exchange_rates) if current else dict(DEFAULT_EXCHANGE_RATES)
            rates = kept if base == kept_base else self._rebased(kept, kept_base, base, context)
        unknown = [f"{rule.id} ({rule.gate})" for rule in chosen if not gates.knows(rule.gate)]
        if unknown:
            raise DomainError(
                f"{context}: rules name gates that are not stage gates: {', '.join(unknown)} "
                f"(gates: {gates.describe()})",
                rules=[rule.id for rule in chosen if not gates.knows(rule.gate)],
            )
        published = validated(
            RoutingRules,
            context,
            version=version,
            rules=chosen,
            base_currency=base,
            exchange_rates=rates,
            gates=gates,
        )
        if current is not None and (
            published.rules,
            published.base_currency,
            published.exchange_rates,
            published.gates,
        ) == (current.rules, current.base_currency, current.exchange_rates, current.gates):
            raise DomainError(
                f"{context}: identical to version {current.version}; nothing to publish",
                current_version=current.version,
            )
        self._record(
            RoutingRulesPublished(
                rule_set_id=self.id,
                version=version,
                rules=published.rules,
                base_currency=published.base_currency,
                exchange_rates=published.exchange_rates,
                gates=published.gates,
                published_by=actor_id,
                published_at=now or utcnow(),
            )
        )
        return published

    @staticmethod
    def _rebased(
        rates: dict[str, Decimal], kept_base: str, base: str, context: str
    ) -> dict[str, Decimal]:
        try:
            return rates_in(base, rates)
        except ValueError:
            raise ExchangeRatesInAnotherCurrency(
                f"{context}: the exchange rates kept are in {kept_base} and have no rate for the "
                f"new base currency {base}; give the rates in {base} (its own rate 1)",
                base_currency=base,
                currencies=sorted(rates),
            ) from None

    # -- evolve ---------------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        match event:
            case RoutingRulesPublished():
                self.versions[event.version] = RoutingRules(
                    version=event.version,
                    rules=event.rules,
                    base_currency=event.base_currency,
                    exchange_rates=event.exchange_rates,
                    gates=event.gates,
                )
            case _:
                raise TypeError(f"{type(event).__name__} is not a routing-rules event")


__all__ = ["DEFAULT_RULE_SET_ID", "RoutingRuleSet"]
