"""The ResourceRequest aggregate: a project's need for a person of a role, with skills, for some
hours a week over a range of ISO weeks.

    open ──fill──> filled (a person's allocation meets it)
    open ──cancel──> cancelled
    open ──revise──> open (another period, other hours or skills)

Who may change a request: raising, revising and cancelling are for project managers, PMO
analysts, resource managers and admins (COMMAND_ROLES, checked by the application layer). A
project manager may revise or cancel only the requests they raised; a PMO analyst, a resource
manager, an admin or a pmo service (REQUEST_CHANGE_ANY_ROLES) any request. Only an open request
is revised, cancelled or filled.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from typing import Self

from pmo_capacity.domain.commands import (
    REQUEST_CHANGE_ANY_ROLES,
    RaiseResourceRequest,
    ReviseResourceRequest,
)
from pmo_capacity.domain.events import (
    ResourceRequestCancelled,
    ResourceRequestFilled,
    ResourceRequestRaised,
    ResourceRequestRevised,
)
from pmo_capacity.domain.model import MAX_RANGE_WEEKS, PersonRole, monday_of, week_count
from pmo_capacity.domain.request_values import RequestSource, RequestStatus, RequiredSkill
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.errors import DomainError, InvalidTransition, PermissionDenied
from pmo_kernel.events import DomainEvent, utcnow


class ResourceRequest(Aggregate):
    stream_type = "request"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.project_id = ""
        self.role = PersonRole.DEVELOPER
        self.skills: tuple[RequiredSkill, ...] = ()
        self.start_week = ""
        self.end_week = ""
        self.hours_per_week = Decimal(0)
        self.source = RequestSource.DIRECT
        self.raised_by = ""
        self.note: str | None = None
        self.status = RequestStatus.OPEN
        self.person_id: str | None = None  # once filled
        self.allocation_id: str | None = None  # once filled
        self.cancel_reason: str | None = None
        self.cancelled_by: str | None = None

    # -- decide ---------------------------------------------------------------------------------

    @classmethod
    def raise_request(
        cls,
        request_id: str,
        command: RaiseResourceRequest,
        source: RequestSource,
        by: str,
        now: datetime | None = None,
    ) -> Self:
        request = cls(request_id)
        request._record(
            ResourceRequestRaised(
                request_id=request_id,
                project_id=command.project_id,
                role=command.role,
                skills=list(command.skills),
                start_week=command.start_week,
                end_week=command.end_week,
                hours_per_week=command.hours_per_week,
                source=source,
                note=command.note,
                raised_by=by,
                raised_at=now or utcnow(),
            )
        )
        return request

    def revise(
        self,
        command: ReviseResourceRequest,
        by: str,
        roles: Collection[str],
        now: datetime | None = None,
    ) -> None:
        self._require_may_change(by, roles, "revising")
        self._require_open("revised")
        start = command.start_week or self.start_week
        end = command.end_week or self.end_week
        hours = self.hours_per_week if command.hours_per_week is None else command.hours_per_week
        skills = list(command.skills) if command.skills is not None else list(self.skills)
        if monday_of(end) < monday_of(start):
            raise DomainError(
                f"request {self.id} would end ({end}) before it starts ({start})",
                request_id=self.id,
            )
        if week_count(start, end) > MAX_RANGE_WEEKS:
            raise DomainError(
                f"a request spans at most {MAX_RANGE_WEEKS} weeks", request_id=self.id
            )
        if (start, end, hours, tuple(skills)) == (
            self.start_week, self.end_week, self.hours_per_week, self.skills,
        ):  # fmt: skip
            raise DomainError(f"the revision changes nothing of request {self.id}")
        self._record(
            ResourceRequestRevised(
                request_id=self.id, start_week=start, end_week=end,
                hours_per_week=hours, skills=skills, revised_by=by,
                revised_at=now or utcnow(),
            )
        )  # fmt: skip

    def cancel(
        self, reason: str, by: str, roles: Collection[str], now: datetime | None = None
    ) -> None:
        self._require_may_change(by, roles, "cancelling")
        self._require_open("cancelled")
        self._record(
            ResourceRequestCancelled(
                request_id=self.id, reason=reason, cancelled_by=by,
                cancelled_at=now or utcnow(),
            )
        )  # fmt: skip

    def fill(
        self, person_id: str, allocation_id: str, by: str, now: datetime | None = None
    ) -> None:
        """The staffing flow met the request with the person's allocation."""
        self._require_open("filled")
        self._record(
            ResourceRequestFilled(
                request_id=self.id, person_id=person_id, allocation_id=allocation_id,
                filled_by=by, filled_at=now or utcnow(),
            )
        )  # fmt: skip

    def may_change(self, by: str, roles: Collection[str]) -> bool:
        return bool(REQUEST_CHANGE_ANY_ROLES & set(roles)) or by == self.raised_by

    def _require_may_change(self, by: str, roles: Collection[str], action: str) -> None:
        if not self.may_change(by, roles):
            raise PermissionDenied(
                f"{action} request {self.id} is for {self.raised_by}, who raised it, or a PMO "
                f"analyst or resource manager; not {by}",
                request_id=self.id,
            )

    def _require_open(self, done: str) -> None:
        if self.status is not RequestStatus.OPEN:
            raise InvalidTransition(
                f"request {self.id} is {self.status.value}: only an open request is {done}",
                request_id=self.id,
                state=self.status.value,
            )

    # -- evolve ---------------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, ResourceRequestRaised):
            self.project_id = event.project_id
            self.role = event.role
            self.skills = tuple(event.skills)
            self.start_week = event.start_week
            self.end_week = event.end_week
            self.hours_per_week = event.hours_per_week
            self.source = event.source
            self.raised_by = event.raised_by
            self.note = event.note
        elif isinstance(event, ResourceRequestRevised):
            self.start_week = event.start_week
            self.end_week = event.end_week
            self.hours_per_week = event.hours_per_week
            self.skills = tuple(event.skills)
        elif isinstance(event, ResourceRequestCancelled):
            self.status = RequestStatus.CANCELLED
            self.cancel_reason = event.reason
            self.cancelled_by = event.cancelled_by
        elif isinstance(event, ResourceRequestFilled):
            self.status = RequestStatus.FILLED
            self.person_id = event.person_id
            self.allocation_id = event.allocation_id
