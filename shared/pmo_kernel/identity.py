"""Identity: bearer JWTs whose roles gate commands. The subject becomes the event's actor."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt
from pydantic import BaseModel, ConfigDict

from pmo_kernel.errors import AuthenticationError, PermissionDenied
from pmo_kernel.events import Actor
from pmo_kernel.settings import Settings


class Role(StrEnum):
    REQUESTER = "requester"
    PMO_ANALYST = "pmo_analyst"
    PROJECT_MANAGER = "project_manager"
    PORTFOLIO_BOARD = "portfolio_board"
    RESOURCE_MANAGER = "resource_manager"
    EXECUTIVE = "executive"
    AUDITOR = "auditor"  # reads everything, changes nothing
    ADMIN = "admin"
    SERVICE = "service"  # another pmo process (rebuilds, the gateway's own reads)


ALL_ROLES = frozenset(Role)
READ_ONLY_ROLES = frozenset({Role.AUDITOR, Role.EXECUTIVE})


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str
    name: str | None = None
    roles: frozenset[str] = frozenset()
    token: str | None = None  # forwarded as-is when the gateway calls a service

    def actor(self) -> Actor:
        return Actor(id=self.subject, name=self.name, roles=tuple(sorted(self.roles)))

    def require_any(self, allowed: Iterable[str], action: str) -> None:
        allowed = frozenset(allowed)
        if not (self.roles & allowed):
            raise PermissionDenied(
                f"{action} needs one of the roles {', '.join(sorted(allowed))}; "
                f"{self.subject} has {', '.join(sorted(self.roles)) or 'none'}",
                required_roles=sorted(allowed),
            )


def issue_token(
    settings: Settings,
    subject: str,
    roles: Iterable[str],
    *,
    name: str | None = None,
    ttl: timedelta = timedelta(hours=12),
) -> str:
    unknown = set(roles) - {r.value for r in Role}
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": subject,
        "roles": sorted(set(roles)),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    if name:
        claims["name"] = name
    return jwt.encode(claims, settings.jwt_signing_key, algorithm=settings.jwt_algorithm)


def verify_token(settings: Settings, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            settings.jwt_signing_key,
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["sub", "exp", "iat"]},
            # Hosts' clocks drift: a token issued by one a few seconds ahead is not "from the
            # future", and one that expired a moment ago on a slow clock is not refused yet.
            leeway=settings.jwt_leeway_seconds,
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("the bearer token has expired") from None
    except jwt.ImmatureSignatureError:
        raise AuthenticationError(
            "the bearer token is not yet valid: its issuer's clock is ahead of ours by more "
            f"than {settings.jwt_leeway_seconds:g} s"
        ) from None
    except jwt.InvalidTokenError as exc:
        raise AuthenticationError(f"invalid bearer token: {exc}") from None
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise AuthenticationError("invalid bearer token: roles must be a list of strings")
    return Principal(
        subject=str(claims["sub"]),
        name=claims.get("name"),
        roles=frozenset(roles) & {r.value for r in Role},
        token=token,
    )


def principal_from_header(settings: Settings, authorization: str | None) -> Principal:
    if not authorization:
        raise AuthenticationError("a bearer token is required (Authorization: Bearer <jwt>)")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("the Authorization header must be 'Bearer <jwt>'")
    return verify_token(settings, token.strip())
