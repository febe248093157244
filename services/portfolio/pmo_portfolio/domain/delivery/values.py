"""The values delivery is built from: months (reporting periods), keys and texts, the plan
(phases, milestones, work packages, budget at completion, planned value per month), RAG
ratings, tolerances, and the governance facts a project starts from. The bottom layer of the
delivery package: it imports nothing of it, and nothing of the other sub-domains (the kernel's
Money aside).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic.config import JsonDict

from pmo_kernel.money import Money
from pmo_kernel.months import month_at, month_index, month_of, months_between

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
KEY_PATTERN = r"^[A-Za-z0-9][\w.-]*$"
PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
Key = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=KEY_PATTERN)
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]
Period = Annotated[str, StringConstraints(pattern=PERIOD_PATTERN)]
# A JSON object's keys are strings: a map keyed by months or by keys documents their pattern.
BY_PERIOD: JsonDict = {"propertyNames": {"pattern": PERIOD_PATTERN}}
AT_LEAST_ONE: JsonDict = {"minItems": 1}
ONE_KEY: JsonDict = {"minProperties": 1}
BY_KEY: JsonDict = {"propertyNames": {"pattern": KEY_PATTERN, "minLength": 1, "maxLength": 80}}
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Ratio = Annotated[Decimal, Field(gt=0, le=10, max_digits=6, decimal_places=4)]
Timestamp = AwareDatetime


def _not_negative(money: Money) -> Money:
    if money.amount < 0:
        raise ValueError(f"amount must not be negative, got {money}")
    return money


NonNegativeMoney = Annotated[Money, AfterValidator(_not_negative)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# -- months ---------------------------------------------------------------------------------------


# A reporting period is a calendar month ("2027-03").
period_of = month_of
periods_between = months_between


def period_start(period: str) -> dt.date:
    return dt.date(int(period[:4]), int(period[5:7]), 1)


def next_period(period: str) -> str:
    return month_at(month_index(period) + 1)


def period_end(period: str) -> dt.date:
    """The last day of the month."""
    return period_start(next_period(period)) - dt.timedelta(days=1)


def report_due(period: str, due_day: int) -> dt.date:
    """The day a period's status report is due: `due_day` of the following month."""
    return period_start(next_period(period)) + dt.timedelta(days=due_day - 1)


# -- the plan -------------------------------------------------------------------------------------


class Phase(Frozen):
    phase_id: Key
    name: Name
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError(f"phase {self.phase_id} ends ({self.end}) before it starts")
        return self


class Milestone(Frozen):
    milestone_id: Key
    name: Name
    date: dt.date
    phase_id: Key | None = None


class WorkPackage(Frozen):
    """A piece of scope with its share of the budget: what earned value is earned on."""

    work_package_id: Key
    name: Name
    budget: NonNegativeMoney
    milestone_id: Key | None = None  # the milestone it delivers


class Plan(Frozen):
    """The plan a project is run and measured against: its dates (from `start` to `end`, its
    phases and milestones), its scope (the work packages) and its money (the budget at
    completion, shared out over the work packages, and the planned value per month: the
    budget spent as planned, month by month, summing to the budget at completion)."""

    start: dt.date
    end: dt.date
    phases: tuple[Phase, ...] = Field(default=(), max_length=50)
    # At least one of each, checked with the rest (a length refused by pydantic would also be
    # reported, as "too short", for a list whose only element is malformed).
    milestones: tuple[Milestone, ...] = Field(max_length=200, json_schema_extra=AT_LEAST_ONE)
    work_packages: tuple[WorkPackage, ...] = Field(max_length=500, json_schema_extra=AT_LEAST_ONE)
    budget_at_completion: NonNegativeMoney
    planned_value: dict[Period, NonNegativeMoney] = Field(
        max_length=240, json_schema_extra=BY_PERIOD | ONE_KEY
    )

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        for label, values in (("milestone", self.milestones),
                              ("work package", self.work_packages),
                              ("month of planned value", self.planned_value)):  # fmt: skip
            if not values:
                raise ValueError(f"a plan needs at least one {label}")
        if self.end < self.start:
            raise ValueError(f"the plan ends ({self.end}) before it starts ({self.start})")
        self._unique_keys()
        self._dates_within()
        self._money_adds_up()
        return self

    def _unique_keys(self) -> None:
        keys = [
            *(p.phase_id for p in self.phases),
            *(m.milestone_id for m in self.milestones),
            *(w.work_package_id for w in self.work_packages),
        ]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"phase, milestone and work package keys repeat: {repeated}")
        phases = {p.phase_id for p in self.phases}
        for milestone in self.milestones:
            if milestone.phase_id is not None and milestone.phase_id not in phases:
                raise ValueError(
                    f"milestone {milestone.milestone_id} is in unknown phase {milestone.phase_id}"
                )
        milestones = {m.milestone_id for m in self.milestones}
        for package in self.work_packages:
            if package.milestone_id is not None and package.milestone_id not in milestones:
                raise ValueError(
                    f"work package {package.work_package_id} delivers unknown milestone "
                    f"{package.milestone_id}"
                )

    def _dates_within(self) -> None:
        for milestone in self.milestones:
            if not self.start <= milestone.date <= self.end:
                raise ValueError(
                    f"milestone {milestone.milestone_id} ({milestone.date}) is outside the "
                    f"project's dates {self.start} to {self.end}"
                )
        for phase in self.phases:
            if phase.start < self.start or phase.end > self.end:
                raise ValueError(f"phase {phase.phase_id} is outside the project's dates")
        first, last = period_of(self.start), period_of(self.end)
        outside = sorted(p for p in self.planned_value if not first <= p <= last)
        if outside:
            raise ValueError(
                f"planned value in months outside the project ({first} to {last}): {outside}"
            )

    def _money_adds_up(self) -> None:
        currency = self.budget_at_completion.currency
        amounts = [w.budget for w in self.work_packages] + list(self.planned_value.values())
        others = sorted({m.currency for m in amounts if m.currency != currency})
        if others:
            raise ValueError(f"every amount is in {currency}, the budget's currency; not {others}")
        bac = self.budget_at_completion.amount
        packages = sum((w.budget.amount for w in self.work_packages), Decimal(0))
        if packages != bac:
            raise ValueError(
                f"the work packages' budgets add up to {packages}, not the budget at "
                f"completion {bac}"
            )
        planned = sum((m.amount for m in self.planned_value.values()), Decimal(0))
        if planned != bac:
            raise ValueError(
                f"the planned value adds up to {planned}, not the budget at completion {bac}"
            )

    @property
    def currency(self) -> str:
        return self.budget_at_completion.currency

    @property
    def bac(self) -> Decimal:
        return self.budget_at_completion.amount

    def planned_value_to(self, period: str) -> Decimal:
        """The planned value, cumulative, up to the end of `period`."""
        return sum(
            (money.amount for month, money in self.planned_value.items() if month <= period),
            Decimal(0),
        )

    def milestone(self, milestone_id: str) -> Milestone | None:
        return next((m for m in self.milestones if m.milestone_id == milestone_id), None)

    @property
    def keys(self) -> frozenset[str]:
        """The milestones and work packages progress may be reported on."""
        return frozenset(
            [
                *(m.milestone_id for m in self.milestones),
                *(w.work_package_id for w in self.work_packages),
            ]
        )


# -- status ---------------------------------------------------------------------------------------


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class Rating(Frozen):
    """One RAG rating; anything but green says why."""

    rag: Rag
    comment: Text | None = None

    @model_validator(mode="after")
    def _explained(self) -> Self:
        if self.rag is not Rag.GREEN and self.comment is None:
            raise ValueError(f"a {self.rag.value} rating needs a comment")
        return self


class Ratings(Frozen):
    schedule: Rating
    cost: Rating
    scope: Rating
    overall: Rating

    def items(self) -> tuple[tuple[str, Rating], ...]:
        return (
            ("schedule", self.schedule),
            ("cost", self.cost),
            ("scope", self.scope),
            ("overall", self.overall),
        )


class StatusContent(Frozen):
    """What a project manager reports for one month."""

    period: Period
    percent_complete: dict[Key, Percent] = Field(max_length=700, json_schema_extra=BY_KEY | ONE_KEY)
    actual_cost: NonNegativeMoney  # to date, cumulative
    forecast_at_completion: NonNegativeMoney
    milestone_forecasts: dict[Key, dt.date] = Field(
        default_factory=dict, max_length=200, json_schema_extra=BY_KEY
    )
    ratings: Ratings
    achievements: tuple[Text, ...] = Field(default=(), max_length=50)
    next_steps: tuple[Text, ...] = Field(default=(), max_length=50)

    @model_validator(mode="after")
    def _some_progress(self) -> Self:
        if not self.percent_complete:
            raise ValueError("a report gives the percent complete of at least one work package")
        return self


# -- tolerances -----------------------------------------------------------------------------------


class Tolerances(Frozen):
    """How far a project may stray before it is an exception (PRINCE2): each None is off."""

    spi_below: Ratio | None = Decimal("0.95")
    cpi_below: Ratio | None = Decimal("0.95")
    forecast_over_bac_percent: Annotated[Decimal, Field(ge=0, le=1000)] | None = Decimal(10)
    milestone_slip_days: Annotated[int, Field(ge=0, le=3650)] | None = 0


# -- governance facts -----------------------------------------------------------------------------


class GoverningBody(Frozen):
    """A body that governs the project: one that approved it at the delivery gate."""

    body_id: Id
    body_kind: Id


class DeliveryGo(Frozen):
    """The fact a project starts from, as governance recorded it for the item: it passed the
    delivery gate with `decision_id`, approved by `governed_by` (the bodies the routing rules
    required, `routing_rule_ids`); exceptions go to those bodies."""

    item_id: Id
    gate: Key
    decision_id: Id
    decided_at: Timestamp
    governed_by: tuple[GoverningBody, ...] = Field(min_length=1, max_length=10)
    routing_rule_ids: tuple[Id, ...] = Field(default=(), max_length=50)
    programme_id: Id | None = None


def amounts(values: Mapping[str, Money]) -> dict[str, Decimal]:
    return {key: money.amount for key, money in values.items()}


__all__ = [
    "DeliveryGo",
    "GoverningBody",
    "Id",
    "Key",
    "Milestone",
    "Name",
    "NonNegativeMoney",
    "Percent",
    "Period",
    "Phase",
    "Plan",
    "Rag",
    "Rating",
    "Ratings",
    "StatusContent",
    "Text",
    "Timestamp",
    "Tolerances",
    "WorkPackage",
    "amounts",
    "next_period",
    "period_end",
    "period_of",
    "period_start",
    "periods_between",
    "report_due",
]
