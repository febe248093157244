"""The GraphQL object types of budget envelopes: the money the portfolio may commit in a year,
and each version of it.

Below the item and decision types (a decision names the envelope version it was based on) and
the planning types (arbitration, the roadmap), which both show envelopes.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from pmo_reporting.gateway.amounts import required_money, timestamp
from pmo_reporting.gateway.readmodel import Row
from pmo_reporting.gateway.types import Money


@strawberry.type(description="One version of an envelope's amount: who set it, when and why")
class EnvelopeVersion:
    version: int
    amount: Money
    reason: str | None = strawberry.field(description="Null for the opening amount")
    set_by: str
    set_at: datetime


@strawberry.type(description="The money the portfolio may commit in one calendar year")
class BudgetEnvelope:
    id: strawberry.ID
    year: int
    description: str
    version: int = strawberry.field(description="The envelope version in force (not the stream's)")
    amount: Money = strawberry.field(description="The amount of the version in force")
    versions: list[EnvelopeVersion] = strawberry.field(description="Every version, oldest first")
    closed: bool
    close_reason: str | None
    closed_at: datetime | None
    opened_by: str
    opened_at: datetime

    @staticmethod
    def of(row: Row) -> BudgetEnvelope:
        return BudgetEnvelope(
            id=strawberry.ID(row["id"]),
            year=row["year"],
            description=row["description"],
            version=row["envelope_version"],
            amount=required_money(row["amount"], row["currency"]),
            versions=[
                EnvelopeVersion(
                    version=int(v["version"]),
                    amount=required_money(v["amount"], v["currency"]),
                    reason=v.get("reason"),
                    set_by=v["set_by"],
                    set_at=timestamp(v["set_at"]),
                )
                for v in row["versions"]
            ],
            closed=row["closed"],
            close_reason=row["close_reason"],
            closed_at=row["closed_at"],
            opened_by=row["opened_by"],
            opened_at=row["opened_at"],
        )
