"""Variance of a project against any of its baselines: dates (each milestone's baseline date,
its date in the current plan and its latest forecast), budget (the baseline's BAC against the
current plan's and the estimates at completion) and scope (work packages added and removed
since), with the latest report's earned value measured against that baseline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from pmo_portfolio.domain.delivery.evm import EarnedValue
from pmo_portfolio.domain.delivery.project import Baseline, Project


@dataclass(frozen=True)
class MilestoneVariance:
    milestone_id: str
    baseline_date: dt.date
    planned_date: dt.date | None  # None: no longer in the plan
    forecast_date: dt.date | None  # the latest reported, if any

    @property
    def days(self) -> int | None:
        """Days late (negative: early) against the baseline: by the forecast, else the plan."""
        current = self.forecast_date or self.planned_date
        return None if current is None else (current - self.baseline_date).days


@dataclass(frozen=True)
class Variance:
    baseline: Baseline
    milestones: tuple[MilestoneVariance, ...]
    baseline_bac: Decimal
    planned_bac: Decimal  # the current plan's
    added_scope: tuple[str, ...]
    removed_scope: tuple[str, ...]
    earned_value: EarnedValue | None  # the latest report against this baseline

    @property
    def budget_variance(self) -> Decimal:
        """The current plan's BAC less the baseline's (positive: the budget grew)."""
        return self.planned_bac - self.baseline_bac


def variance(project: Project, number: int) -> Variance:
    baseline = project.baseline(number)
    plan = project.plan
    milestones = tuple(
        MilestoneVariance(
            milestone.milestone_id,
            milestone.date,
            None if (now := plan.milestone(milestone.milestone_id)) is None else now.date,
            project.milestone_forecasts.get(milestone.milestone_id),
        )
        for milestone in baseline.plan.milestones
    )
    before = {w.work_package_id for w in baseline.plan.work_packages}
    after = {w.work_package_id for w in plan.work_packages}
    return Variance(
        baseline=baseline,
        milestones=milestones,
        baseline_bac=baseline.plan.bac,
        planned_bac=plan.bac,
        added_scope=tuple(sorted(after - before)),
        removed_scope=tuple(sorted(before - after)),
        earned_value=project.figures(baseline=number),
    )


__all__ = ["MilestoneVariance", "Variance", "variance"]
