"""GraphQL types of an item's registers (risks, issues, benefits) and the portfolio's views
across them (the 5×5 risk matrix, the top risks, benefits realised against planned), with the
pure functions that count them from the register rows (projections/portfolio_registers.py).

The rules are the portfolio's (services/portfolio/.../registers/rollup.py and value.py), on the
kernel's shared arithmetic (pmo_kernel.risk, pmo_kernel.benefits): a risk without a planned
response counts at its inherent rating in both matrices, so each adds up to the open risks;
the top risks rank by residual score, then inherent score, then age, then item and risk id. A
monetary benefit (its unit a currency code) is worth its value minus its baseline; its figures
are withheld (null) from a caller who sees its item without figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from pmo_kernel.access import Sight
from pmo_kernel.benefits import planned_at, realised_by, roi_of
from pmo_kernel.money import ISO_4217
from pmo_kernel.months import month_of, months_between
from pmo_kernel.risk import BANDS, SCALE, band_name
from pmo_reporting.gateway.readmodel import Row

CENT = Decimal("0.01")
ZERO = Decimal(0)


@strawberry.enum(description="Which rating of the risks a matrix counts")
class RiskRatingKind(Enum):
    INHERENT = "inherent"
    RESIDUAL = "residual"


@strawberry.enum(description="Where probability × impact falls on the 5×5 matrix")
class RiskBand(Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    MINIMAL = "minimal"


@strawberry.type(description="A probability and an impact, both 1–5, their score and band")
class RiskRating:
    probability: int
    impact: int
    score: int
    band: RiskBand

    @staticmethod
    def of(rating: Row) -> RiskRating:
        return RiskRating(
            probability=int(rating["probability"]),
            impact=int(rating["impact"]),
            score=int(rating["score"]),
            band=RiskBand(rating["band"]),
        )


@strawberry.type
class RiskAction:
    id: strawberry.ID
    description: str
    owner: str
    due_on: dt.date
    done: bool
    completed_at: dt.datetime | None


@strawberry.type(description="A risk of an item's register")
class Risk:
    id: strawberry.ID
    item_id: strawberry.ID
    title: str
    description: str | None
    category: str
    owner: str
    inherent: RiskRating
    residual: RiskRating = strawberry.field(
        description="The rating once answered; the inherent one until a response is planned"
    )
    response: str | None
    open: bool
    review_by: dt.date
    actions: list[RiskAction]
    identified_at: dt.datetime
    closed_at: dt.datetime | None
    close_reason: str | None

    @staticmethod
    def of(row: Row) -> Risk:
        return Risk(
            id=strawberry.ID(row["risk_id"]),
            item_id=strawberry.ID(row["item_id"]),
            title=row["title"],
            description=row["description"],
            category=row["category"],
            owner=row["owner"],
            inherent=RiskRating.of(row["inherent"]),
            residual=RiskRating.of(residual(row)),
            response=row["response"],
            open=row["state"] == "open",
            review_by=dt.date.fromisoformat(row["review_by"]),
            actions=[
                RiskAction(
                    id=strawberry.ID(a["action_id"]),
                    description=a["description"],
                    owner=a["owner"],
                    due_on=dt.date.fromisoformat(a["due_on"]),
                    done=a["done"],
                    completed_at=_time(a["completed_at"]),
                )
                for a in row["actions"]
            ],
            identified_at=dt.datetime.fromisoformat(row["identified_at"]),
            closed_at=_time(row["closed_at"]),
            close_reason=row["close_reason"],
        )


@strawberry.type(description="An issue of an item's register: a problem that is happening")
class Issue:
    id: strawberry.ID
    item_id: strawberry.ID
    title: str
    description: str | None
    severity: str
    owner: str
    due_on: dt.date
    from_risk_id: strawberry.ID | None
    open: bool
    raised_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str | None

    @staticmethod
    def of(row: Row) -> Issue:
        return Issue(
            id=strawberry.ID(row["issue_id"]),
            item_id=strawberry.ID(row["item_id"]),
            title=row["title"],
            description=row["description"],
            severity=row["severity"],
            owner=row["owner"],
            due_on=dt.date.fromisoformat(row["due_on"]),
            from_risk_id=strawberry.ID(row["from_risk_id"]) if row["from_risk_id"] else None,
            open=row["state"] == "open",
            raised_at=dt.datetime.fromisoformat(row["raised_at"]),
            resolved_at=_time(row["resolved_at"]),
            resolution=row["resolution"],
        )


@strawberry.type
class BenefitReport:
    period: str
    value: str | None = strawberry.field(description="Null when figuresHidden")


@strawberry.type(description="A benefit an item is to deliver, with the values realised")
class Benefit:
    id: strawberry.ID
    item_id: strawberry.ID
    measure: str
    unit: str
    monetary: bool = strawberry.field(description="Whether the unit is a currency code")
    baseline: str | None = strawberry.field(description="Null when figuresHidden")
    target: str | None = strawberry.field(description="Null when figuresHidden")
    starts: str
    target_date: dt.date
    owner: str
    source: str
    realised: list[BenefitReport] = strawberry.field(description="By period, the latest report")
    figures_hidden: bool = strawberry.field(
        description="Whether a monetary benefit's amounts are withheld (null) from this caller"
    )

    @staticmethod
    def of(row: Row, sight: Sight) -> Benefit:
        hidden = monetary(row) and sight is not Sight.FULL

        def shown(value: str) -> str | None:
            return None if hidden else value

        return Benefit(
            id=strawberry.ID(row["benefit_id"]),
            item_id=strawberry.ID(row["item_id"]),
            measure=row["measure"],
            unit=row["unit"],
            monetary=monetary(row),
            baseline=shown(row["baseline"]),
            target=shown(row["target"]),
            starts=row["starts"],
            target_date=dt.date.fromisoformat(row["target_date"]),
            owner=row["owner"],
            source=row["source"],
            realised=[
                BenefitReport(period=period, value=shown(value))
                for period, value in sorted(row["realised"].items())
            ],
            figures_hidden=hidden,
        )


# -- the risk matrix -------------------------------------------------------------------------


@strawberry.type
class RiskMatrixCell:
    probability: int
    impact: int
    score: int
    band: RiskBand
    count: int = strawberry.field(description="The open risks rated in this cell")


@strawberry.type
class RiskBandCount:
    band: RiskBand
    count: int


@strawberry.type(description="The open risks on the 5×5 matrix, inherent or residual")
class RiskMatrix:
    rating: RiskRatingKind
    cells: list[RiskMatrixCell] = strawberry.field(
        description="All 25 cells, probability then impact ascending"
    )
    bands: list[RiskBandCount] = strawberry.field(description="The cells per band, worst first")
    open_risks: int = strawberry.field(description="The open risks: the cells add up to it")


def residual(risk: Row) -> Row:
    found: Row = risk["residual"] or risk["inherent"]
    return found


def open_risks(registers: Iterable[Row]) -> list[Row]:
    return [risk for register in registers for risk in register["risks"] if risk["state"] == "open"]


def risk_matrix(risks: Sequence[Row], kind: RiskRatingKind) -> RiskMatrix:
    counts = {(p, i): 0 for p in SCALE for i in SCALE}
    for risk in risks:
        rated = residual(risk) if kind is RiskRatingKind.RESIDUAL else risk["inherent"]
        counts[(int(rated["probability"]), int(rated["impact"]))] += 1
    bands = dict.fromkeys(BANDS, 0)
    cells = []
    for (p, i), count in counts.items():
        band = band_name(p * i)
        bands[band] += count
        cells.append(
            RiskMatrixCell(probability=p, impact=i, score=p * i, band=RiskBand(band), count=count)
        )
    return RiskMatrix(
        rating=kind,
        cells=cells,
        bands=[RiskBandCount(band=RiskBand(b), count=n) for b, n in bands.items()],
        open_risks=len(risks),
    )


def rank_key(risk: Row) -> tuple[int, int, str, str, str]:
    return (
        -int(residual(risk)["score"]),
        -int(risk["inherent"]["score"]),
        str(dt.datetime.fromisoformat(risk["identified_at"]).astimezone(dt.UTC)),
        risk["item_id"],
        risk["risk_id"],
    )


# -- benefits realised -----------------------------------------------------------------------


@strawberry.type
class BenefitMonth:
    month: str
    planned: str = strawberry.field(description="The planned amount since the baselines")
    realised: str | None = strawberry.field(description="Null before the first report")


@strawberry.type(
    description="An item's monetary benefits (in its cost's currency) realised against planned, "
    "month by month, and its ROI = (benefits − cost) / cost"
)
class BenefitsRealised:
    item_id: strawberry.ID
    currency: str | None
    months: list[BenefitMonth]
    planned_benefit: str | None = strawberry.field(description="Every benefit at its target")
    realised_benefit: str | None = strawberry.field(description="As last reported by `through`")
    planned_roi: str | None
    realised_roi: str | None
    counted: list[strawberry.ID] = strawberry.field(description="The benefits counted")


def monetary(benefit: Row) -> bool:
    return str(benefit["unit"]) in ISO_4217


@dataclass(frozen=True)
class _Plan:
    baseline: Decimal
    target: Decimal
    starts: str
    target_month: str
    realised: dict[str, Decimal]

    @staticmethod
    def of(row: Row) -> _Plan:
        return _Plan(
            Decimal(row["baseline"]),
            Decimal(row["target"]),
            row["starts"],
            month_of(dt.date.fromisoformat(row["target_date"])),
            {period: Decimal(value) for period, value in row["realised"].items()},
        )

    def worth(self, month: str, *, planned: bool) -> Decimal | None:
        value = (
            planned_at(self.baseline, self.target, self.starts, self.target_month, month)
            if planned
            else realised_by(self.realised, month)
        )
        return None if value is None else value - self.baseline


def benefits_realised(item: Row, benefits: Sequence[Row], through: str) -> BenefitsRealised:
    """The item's monetary benefits in its cost's currency (or the first monetary benefit's)."""
    cost: Any = item["estimated_cost"]
    listed = [b for b in benefits if monetary(b)]
    currency = item["estimated_cost_currency"] or next((b["unit"] for b in listed), None)
    counted = [b for b in listed if b["unit"] == currency]
    plans = [_Plan.of(b) for b in counted]
    if not plans:
        return BenefitsRealised(
            item_id=strawberry.ID(item["id"]),
            currency=currency,
            months=[],
            planned_benefit=None,
            realised_benefit=None,
            planned_roi=None,
            realised_roi=None,
            counted=[],
        )
    months = []
    for month in months_between(min(p.starts for p in plans), through):
        realised = [w for p in plans if (w := p.worth(month, planned=False)) is not None]
        planned = sum((p.worth(month, planned=True) or ZERO for p in plans), ZERO)
        months.append(
            BenefitMonth(
                month=month,
                planned=str(planned.quantize(CENT)),
                realised=str(sum(realised, ZERO).quantize(CENT)) if realised else None,
            )
        )
    planned_total = sum((p.target - p.baseline for p in plans), ZERO)
    realised_total = sum((p.worth(through, planned=False) or ZERO for p in plans), ZERO)
    cost_amount = Decimal(str(cost)) if cost is not None else None

    def roi(total: Decimal) -> str | None:
        found = roi_of(total, cost_amount) if cost_amount is not None else None
        return None if found is None else str(found)

    return BenefitsRealised(
        item_id=strawberry.ID(item["id"]),
        currency=currency,
        months=months,
        planned_benefit=str(planned_total.quantize(CENT)),
        realised_benefit=str(realised_total.quantize(CENT)),
        planned_roi=roi(planned_total),
        realised_roi=roi(realised_total),
        counted=[strawberry.ID(b["benefit_id"]) for b in counted],
    )


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value is not None else None
