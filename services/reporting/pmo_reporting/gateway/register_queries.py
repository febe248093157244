"""The portfolio's views across the items' registers: the 5×5 risk matrix, the top risks and an
item's benefits realised against planned. schema.py merges `RegistersQuery` into its `Query`.

The matrix and the top risks show the whole portfolio (or a programme): only its readers may
query them (FORBIDDEN otherwise). benefitsRealised follows its item: null when the caller may
not see the item, its amounts withheld (null) when they see it without figures.
"""

from __future__ import annotations

import re

import strawberry

from pmo_kernel.access import Sight
from pmo_reporting.gateway import fields
from pmo_reporting.gateway.access import item_sight
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.errors import bad_input
from pmo_reporting.gateway.pagination import check_page_size
from pmo_reporting.gateway.portfolio_loaders import portfolio
from pmo_reporting.gateway.register_types import (
    BenefitsRealised,
    Risk,
    RiskMatrix,
    RiskRatingKind,
    benefits_realised,
    open_risks,
    rank_key,
    risk_matrix,
)

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@strawberry.type
class RegistersQuery:
    @fields.field(
        "The open risks of every item (or of one programme's) on the 5×5 matrix, at their "
        "inherent (the default) or residual rating, with the totals per band"
    )
    async def risk_matrix(
        self,
        info: GatewayInfo,
        programme: strawberry.ID | None = None,
        rating: RiskRatingKind | None = None,
    ) -> RiskMatrix:
        info.context.require_portfolio_reader("read the risk matrix")
        registers = await portfolio(info).read_model.risk_registers(
            str(programme) if programme is not None else None
        )
        return risk_matrix(open_risks(registers), rating or RiskRatingKind.INHERENT)

    @fields.field(
        "The portfolio's open risks, worst first: by residual score, then inherent score, "
        "then the oldest"
    )
    async def top_risks(
        self, info: GatewayInfo, first: int = 10, programme: strawberry.ID | None = None
    ) -> list[Risk]:
        info.context.require_portfolio_reader("read the top risks")
        check_page_size(first)
        registers = await portfolio(info).read_model.risk_registers(
            str(programme) if programme is not None else None
        )
        return [Risk.of(row) for row in sorted(open_risks(registers), key=rank_key)[:first]]

    @fields.field(
        "An item's monetary benefits realised against planned, month by month from the first "
        "benefit's start to `through` (YYYY-MM), and its ROI; null if the item is not visible"
    )
    async def benefits_realised(
        self, info: GatewayInfo, item: strawberry.ID, through: str
    ) -> BenefitsRealised | None:
        if not _MONTH.match(through):
            raise bad_input("through must be a month, YYYY-MM", field="through")
        loaders = portfolio(info)
        row = await loaders.item.load(str(item))
        if row is None:
            return None
        sight = item_sight(info.context.audience(delivered=True), row)
        if sight is Sight.NONE:
            return None
        register = await loaders.benefit_register.load(str(item))
        found = benefits_realised(row, register["benefits"] if register else [], through)
        if sight is not Sight.FULL:
            return BenefitsRealised(
                item_id=found.item_id,
                currency=found.currency,
                months=[],
                planned_benefit=None,
                realised_benefit=None,
                planned_roi=None,
                realised_roi=None,
                counted=found.counted,
            )
        return found
