"""The BenefitRegister aggregate: one portfolio item's benefit plans and the values realised,
on the stream ("benefit-register", item id).

    benefit: planned ─ realisation reported (month by month, a later report for a month
             correcting the earlier one)

Benefits are numbered B1, B2, … in the order planned. A plan from the business case carries the
business case version its target came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, NotFound
from pmo_kernel.events import DomainEvent, utcnow
from pmo_kernel.money import ISO_4217
from pmo_portfolio.domain.delivery.registers.events import (
    BenefitPlanned,
    BenefitRealisationReported,
    BenefitSource,
)
from pmo_portfolio.domain.delivery.registers.periods import month_of


@dataclass(frozen=True)
class Realisation:
    period: str
    value: Decimal
    reported_by: str
    reported_at: dt.datetime


@dataclass
class Benefit:
    item_id: str
    benefit_id: str
    measure: str
    unit: str
    baseline: Decimal
    target: Decimal
    starts: str  # month
    target_date: dt.date
    owner: str
    source: BenefitSource
    business_case_version: int | None
    planned_at: dt.datetime
    # month -> the latest report for it; `reports` counts every report, corrections included
    realised: dict[str, Realisation] = field(default_factory=dict)
    reports: int = 0

    @property
    def monetary(self) -> bool:
        """Measured in a currency: its values are amounts realised since the baseline."""
        return self.unit in ISO_4217

    @property
    def target_month(self) -> str:
        return month_of(self.target_date)


class BenefitRegister(Aggregate):
    stream_type = "benefit-register"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.benefits: dict[str, Benefit] = {}

    def plan_benefit(
        self, *, measure: str, unit: str, baseline: Decimal, target: Decimal, starts: str,
        target_date: dt.date, owner: str, actor_id: str,
        source: BenefitSource = BenefitSource.MANUAL, business_case_version: int | None = None,
        now: dt.datetime | None = None,
    ) -> str:  # fmt: skip
        """A benefit going from `baseline` in month `starts` to `target` by `target_date`."""
        if target == baseline:
            raise DomainError(
                f"benefit {measure!r}: the target equals the baseline ({baseline}); a benefit "
                "plans a change",
                field="target",
            )
        if month_of(target_date) < starts:
            raise DomainError(
                f"benefit {measure!r}: the target date {target_date} is before its first month "
                f"{starts}",
                field="target_date",
            )
        benefit_id = f"B{len(self.benefits) + 1}"
        self._record(
            BenefitPlanned(
                item_id=self.id, benefit_id=benefit_id, measure=measure, unit=unit,
                baseline=baseline, target=target, starts=starts, target_date=target_date,
                owner=owner, source=source, business_case_version=business_case_version,
                planned_by=actor_id, planned_at=now or utcnow(),
            )
        )  # fmt: skip
        return benefit_id

    def report_realisation(
        self, benefit_id: str, *, period: str, value: Decimal, actor_id: str,
        note: str | None = None, now: dt.datetime | None = None,
    ) -> None:  # fmt: skip
        """The value the measure reached in `period`: a month from the plan's first one to the
        current one (a value cannot be realised in the future)."""
        when = now or utcnow()
        benefit = self.benefits.get(benefit_id)
        if benefit is None:
            raise NotFound(f"item {self.id} has no benefit {benefit_id}", id=benefit_id)
        if period < benefit.starts:
            raise DomainError(
                f"benefit {benefit_id} starts in {benefit.starts}: nothing is realised in {period}",
                field="period",
            )
        if period > month_of(when.date()):
            raise DomainError(
                f"benefit {benefit_id}: {period} is in the future (it is {month_of(when.date())})",
                field="period",
            )
        self._record(
            BenefitRealisationReported(
                benefit_id=benefit_id, period=period, value=value, note=note,
                reported_by=actor_id, reported_at=when,
            )
        )  # fmt: skip

    def apply(self, event: DomainEvent) -> None:
        match event:
            case BenefitPlanned():
                self.benefits[event.benefit_id] = Benefit(
                    item_id=event.item_id, benefit_id=event.benefit_id, measure=event.measure,
                    unit=event.unit, baseline=event.baseline, target=event.target,
                    starts=event.starts, target_date=event.target_date, owner=event.owner,
                    source=event.source, business_case_version=event.business_case_version,
                    planned_at=event.planned_at,
                )  # fmt: skip
            case BenefitRealisationReported():
                benefit = self.benefits[event.benefit_id]
                benefit.realised[event.period] = Realisation(
                    event.period, event.value, event.reported_by, event.reported_at
                )
                benefit.reports += 1
            case _:
                raise TypeError(f"{type(event).__name__} is not a benefit register event")


__all__ = ["Benefit", "BenefitRegister", "Realisation"]
