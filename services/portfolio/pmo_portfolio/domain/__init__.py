"""The portfolio domain: pure decisions and state, no I/O.

The event modules are imported here because each event class registers itself in
`registry.registry` when its module runs: whoever takes the registry (the `pmo` command line's
plugin hook, the AsyncAPI generator) then finds every portfolio event, not only those some other
import happened to load.
"""

from pmo_portfolio.domain.delivery import events as _delivery_events
from pmo_portfolio.domain.delivery.registers import events as _register_events
from pmo_portfolio.domain.governance import events as _governance_events
from pmo_portfolio.domain.planning import events as _planning_events
from pmo_portfolio.domain.programmes import events as _programme_events
from pmo_portfolio.domain.scoring import events as _scoring_events

__all__: list[str] = []
del _delivery_events, _register_events, _governance_events, _planning_events
del _programme_events, _scoring_events
