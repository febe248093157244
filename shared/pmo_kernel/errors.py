"""Typed errors. Services raise these; the HTTP edge maps each to one problem+json status."""

from __future__ import annotations

from typing import Any


class PmoError(Exception):
    """Base of every error pmo raises on purpose. `code` is stable and safe to show clients."""

    code: str = "pmo_error"
    status: int = 500
    title: str = "Internal error"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer to this error carries."""
        return {}


class DomainError(PmoError):
    """A command broke a business rule."""

    code = "domain_rule_violated"
    status = 422
    title = "Business rule violated"


class InvalidTransition(DomainError):
    """The command is not allowed in the aggregate's current state."""

    code = "invalid_transition"
    status = 409
    title = "Command not allowed in the current state"


class GovernanceRuleFailed(DomainError):
    """A governance rule (kept as data) refused the command; `rule` names it."""

    code = "governance_rule_failed"
    status = 422
    title = "Governance rule not satisfied"


class NotFound(PmoError):
    code = "not_found"
    status = 404
    title = "Not found"


class ConcurrencyError(PmoError):
    """The stream moved on since it was read: the expected version no longer holds."""

    code = "concurrency_conflict"
    status = 409
    title = "Concurrent modification"


class StreamCorrupted(PmoError):
    """A stream's stored versions are not contiguous: never expected, always investigated."""

    code = "stream_corrupted"
    status = 500
    title = "Stream corrupted"


class UnknownEventType(PmoError):
    code = "unknown_event_type"
    status = 500
    title = "Unknown event type"


class AuthenticationError(PmoError):
    code = "unauthenticated"
    status = 401
    title = "Authentication required"

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class RateLimited(PmoError):
    """The caller sent more commands than its allowance; it may send again after a while."""

    code = "rate_limited"
    status = 429
    title = "Too many commands"

    def __init__(self, detail: str, retry_after_seconds: int, **extensions: Any) -> None:
        super().__init__(detail, retry_after_seconds=retry_after_seconds, **extensions)
        self.retry_after_seconds = retry_after_seconds

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


class PermissionDenied(PmoError):
    code = "forbidden"
    status = 403
    title = "Not allowed"


class PreconditionFailed(PmoError):
    """An `If-Match` header named a version the resource no longer has."""

    code = "precondition_failed"
    status = 412
    title = "Precondition failed"


class IdempotencyKeyReused(PmoError):
    """The same Idempotency-Key was sent with a different request."""

    code = "idempotency_key_reused"
    status = 422
    title = "Idempotency key reused with a different request"


class UnsupportedMediaType(PmoError):
    """The body is not of a media type the endpoint reads (e.g. CSV sent as JSON)."""

    code = "unsupported_media_type"
    status = 415
    title = "Unsupported media type"
