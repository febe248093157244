"""Identity: bearer JWTs whose roles gate commands. The subject becomes the event's actor."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt
from pydantic import BaseModel, ConfigDict

from pmo_kernel.errors import AuthenticationError, PermissionDenied
from pmo_kernel.events import Actor
from pmo_kernel.jwks import IssuerKeys
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
    department: str | None = None  # from the token's department claim (Settings.department_claim)
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
    department: str | None = None,
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
    if department:
        _put_claim(claims, settings.department_claim, department)
    return jwt.encode(claims, settings.jwt_signing_key, algorithm=settings.jwt_algorithm)


def _verification(settings: Settings, token: str) -> tuple[Any, str, str, str, str]:
    """(key, algorithm, issuer, audience, roles claim) to check `token` with."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise AuthenticationError(f"invalid bearer token: {exc}") from None
    algorithm = str(header.get("alg"))
    oidc = [a.strip() for a in settings.oidc_algorithms.split(",") if a.strip()]
    if settings.oidc_jwks_url and algorithm in oidc:
        kid = header.get("kid")
        key = IssuerKeys.at(settings.oidc_jwks_url, settings.oidc_jwks_cache_seconds).key(kid)
        if key is None:
            raise AuthenticationError(
                f"invalid bearer token: its signing key {kid!r} is not among the issuer's keys"
            )
        return (
            key.key, algorithm, settings.oidc_issuer or settings.jwt_issuer,
            settings.oidc_audience or settings.jwt_audience, settings.oidc_roles_claim,
        )  # fmt: skip
    if algorithm != settings.jwt_algorithm:
        raise AuthenticationError(f"invalid bearer token: {algorithm} tokens are not accepted")
    if settings.production and settings.development_key:
        raise AuthenticationError(
            "invalid bearer token: tokens signed with the development key are refused in production"
        )
    return (settings.jwt_signing_key, algorithm, settings.jwt_issuer, settings.jwt_audience,
            "roles")  # fmt: skip


def _put_claim(claims: dict[str, Any], path: str, value: object) -> None:
    """Set the claim at a dotted path, where verification (`_claim`) reads it back."""
    *parents, last = path.split(".")
    for part in parents:
        claims = claims.setdefault(part, {})
    claims[last] = value


def _claim(claims: dict[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


async def prepare_keys(settings: Settings, authorization: str | None) -> None:
    """Fetch the issuer's keys if `authorization`'s token needs ones we do not have yet (the
    async edges call it before the synchronous verification)."""
    if settings.oidc_jwks_url and authorization:
        token = authorization.partition(" ")[2].strip()
        keys = IssuerKeys.at(settings.oidc_jwks_url, settings.oidc_jwks_cache_seconds)
        await keys.prepare(token)


def verify_token(settings: Settings, token: str) -> Principal:
    key, algorithm, issuer, audience, roles_claim = _verification(settings, token)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=audience,
            issuer=issuer,
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
    roles = _claim(claims, roles_claim) or []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise AuthenticationError("invalid bearer token: roles must be a list of strings")
    department = _claim(claims, settings.department_claim)
    if department is not None and not isinstance(department, str):
        raise AuthenticationError("invalid bearer token: the department must be a string")
    return Principal(
        subject=str(claims["sub"]),
        name=claims.get("name"),
        roles=frozenset(roles) & {r.value for r in Role},
        department=department.strip() or None if department is not None else None,
        token=token,
    )


def principal_from_header(settings: Settings, authorization: str | None) -> Principal:
    if not authorization:
        raise AuthenticationError("a bearer token is required (Authorization: Bearer <jwt>)")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("the Authorization header must be 'Bearer <jwt>'")
    return verify_token(settings, token.strip())
