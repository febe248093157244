"""Tokens of an enterprise's OpenID Connect issuer (RS256, ES256), checked with the keys it
publishes (JWKS), cached and fetched again when it rotates them; in production the development
key is refused."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from pmo_kernel.errors import AuthenticationError
from pmo_kernel.identity import issue_token, prepare_keys, verify_token
from pmo_kernel.infra.ports import free_port
from pmo_kernel.settings import DEV_SIGNING_KEY, Settings
from tests.support import TEST_KEY


class Issuer:
    """An identity provider: signing keys, and their JWKS served over HTTP."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.fetches = 0
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/jwks-{uuid.uuid4().hex}.json"

    def rotate(self, kind: str = "RS256") -> str:
        kid = f"{kind}-{uuid.uuid4().hex[:8]}"
        self.keys[kid] = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if kind == "RS256"
            else ec.generate_private_key(ec.SECP256R1())
        )
        return kid

    def jwks(self) -> dict[str, Any]:
        published = []
        for kid, key in self.keys.items():
            algorithm = RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else ECAlgorithm
            jwk = json.loads(algorithm.to_jwk(key.public_key()))
            published.append({**jwk, "kid": kid, "use": "sig"})
        return {"keys": published}

    def token(self, kid: str, roles: list[str], **claims: Any) -> str:
        key = self.keys[kid]
        algorithm = "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"
        now = datetime.now(UTC)
        body = {"sub": "u-42", "name": "Ines", "iss": "https://idp.example", "aud": "pmo",
                "iat": int(now.timestamp()), "exp": int((now + timedelta(hours=1)).timestamp()),
                "realm_access": {"roles": roles}, **claims}  # fmt: skip
        return jwt.encode(body, key, algorithm=algorithm, headers={"kid": kid})

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        self.fetches += 1
        body = json.dumps(self.jwks()).encode()
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
        writer.write(f"{head}\r\nConnection: close\r\n\r\n".encode() + body)
        await writer.drain()
        writer.close()


@pytest_asyncio.fixture(loop_scope="session")
async def issuer() -> AsyncIterator[Issuer]:
    idp = Issuer()
    server = await asyncio.start_server(idp.serve, "127.0.0.1", idp.port)
    try:
        yield idp
    finally:
        server.close()
        await server.wait_closed()


def settings_of(issuer: Issuer, **overrides: Any) -> Settings:
    given = {
        "jwt_signing_key": TEST_KEY,
        "oidc_jwks_url": issuer.url,
        "oidc_issuer": "https://idp.example",
        "oidc_roles_claim": "realm_access.roles",
    }
    return Settings(**{**given, **overrides})


async def verified(settings: Settings, token: str) -> Any:
    await prepare_keys(settings, f"Bearer {token}")
    return verify_token(settings, token)


@pytest.mark.parametrize("kind", ["RS256", "ES256"])
async def test_a_token_of_the_issuer_is_accepted_with_the_roles_it_carries(
    issuer: Issuer, kind: str
) -> None:
    kid = issuer.rotate(kind)

    principal = await verified(settings_of(issuer), issuer.token(kid, ["pmo_analyst", "x"]))

    assert (principal.subject, principal.name, principal.roles) == (
        "u-42", "Ines", frozenset({"pmo_analyst"}),
    )  # fmt: skip


async def test_keys_are_cached_and_fetched_again_when_the_issuer_rotates_them(
    issuer: Issuer,
) -> None:
    settings = settings_of(issuer)
    first = issuer.rotate()
    for _ in range(3):
        await verified(settings, issuer.token(first, ["requester"]))
    assert issuer.fetches == 1

    second = issuer.rotate()  # a new key, published; tokens name it
    await asyncio.sleep(1.1)  # unknown ids refetch at most every second
    principal = await verified(settings, issuer.token(second, ["requester"]))

    assert principal.subject == "u-42"
    assert issuer.fetches == 2


async def test_a_token_signed_by_another_key_under_a_known_id_is_refused(issuer: Issuer) -> None:
    kid = issuer.rotate()
    forged = jwt.encode(
        {"sub": "mallory", "iss": "https://idp.example", "aud": "pmo", "iat": 1, "exp": 2**40},
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        algorithm="RS256",
        headers={"kid": kid},
    )

    with pytest.raises(AuthenticationError, match="Signature verification failed"):
        await verified(settings_of(issuer), forged)


async def test_a_token_naming_an_unknown_key_is_refused_without_hammering_the_issuer(
    issuer: Issuer,
) -> None:
    settings = settings_of(issuer)
    kid = issuer.rotate()
    await verified(settings, issuer.token(kid, ["requester"]))
    issuer.keys["made-up"] = issuer.keys[kid]
    token = issuer.token("made-up", ["requester"])
    del issuer.keys["made-up"]

    for _ in range(5):
        with pytest.raises(AuthenticationError, match="not among the issuer's keys"):
            await verified(settings, token)

    assert issuer.fetches == 1  # unknown ids refetch at most every second


async def test_the_development_key_is_refused_in_production(issuer: Issuer) -> None:
    with pytest.raises(ValueError, match="refuses the development signing key"):
        Settings(environment="production")
    production = settings_of(issuer, environment="production", jwt_signing_key=DEV_SIGNING_KEY)
    token = issue_token(Settings(), "dev", ["admin"])  # signed with the development key

    with pytest.raises(AuthenticationError, match="refused in production"):
        await verified(production, token)


async def test_an_unsigned_token_is_refused(issuer: Issuer) -> None:
    token = jwt.encode({"sub": "x", "iat": 1, "exp": 2**40}, "", algorithm="none")

    with pytest.raises(AuthenticationError, match="none tokens are not accepted"):
        await verified(settings_of(issuer), token)
