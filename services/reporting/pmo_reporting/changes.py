"""The projector → gateway signal: one PostgreSQL NOTIFY per applied event, on one channel.

The projector sends it inside the transaction that applies the event, so PostgreSQL delivers it
at commit, exactly when the change becomes visible, and never for a rolled-back batch. The
gateway LISTENs to it to wake mutations waiting for the read model and to feed subscriptions.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

CHANNEL = "reporting_changes"


@dataclass(frozen=True)
class ChangeNotice:
    """A demand reached `version` in the read model through an event of `event_type`."""

    demand_id: str
    version: int
    event_type: str

    def encode(self) -> str:
        # Well under PostgreSQL's 8000-byte payload limit: ids are at most 200 characters.
        return orjson.dumps(
            {"demandId": self.demand_id, "version": self.version, "eventType": self.event_type}
        ).decode()

    @classmethod
    def decode(cls, payload: str) -> ChangeNotice:
        data = orjson.loads(payload)
        return cls(str(data["demandId"]), int(data["version"]), str(data["eventType"]))
