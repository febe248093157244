"""The signing keys of an OpenID Connect issuer (its JWKS), cached per process.

Verifying a token is synchronous and reads only the cache; the async edges (the HTTP
dependency, the GraphQL context and WebSocket connect) call `prepare(token)` first, which
fetches the key set when it is older than its lifetime or when the token names a key id the
cache does not know (the issuer rotated its keys), at most once per `refetch_seconds` for
unknown ids so that tokens with made-up ids cannot make us hammer the issuer. A failed fetch
keeps the keys we had: verification then fails only for tokens signed with keys we never saw.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, ClassVar

import httpx
import jwt

log = logging.getLogger(__name__)


class IssuerKeys:
    _by_url: ClassVar[dict[str, IssuerKeys]] = {}

    def __init__(
        self,
        url: str,
        lifetime_seconds: float = 300.0,
        refetch_seconds: float = 1.0,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self.lifetime_seconds = lifetime_seconds
        self.refetch_seconds = refetch_seconds
        self._transport = transport
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def at(cls, url: str, lifetime_seconds: float = 300.0) -> IssuerKeys:
        """The process's cache of the key set at `url`."""
        keys = cls._by_url.get(url)
        if keys is None:
            keys = cls._by_url[url] = cls(url, lifetime_seconds)
        return keys

    def key(self, kid: str | None) -> jwt.PyJWK | None:
        """The cached key with this id (None: the only key, if the set has one)."""
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid)

    async def prepare(self, token: str) -> None:
        """Make sure the cache can judge `token`'s key, fetching the key set if needed."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError:
            return  # verification will say what is wrong with it
        async with self._lock:
            now = time.monotonic()
            age = None if self._fetched_at is None else now - self._fetched_at
            stale = age is None or age >= self.lifetime_seconds
            unknown = self.key(kid) is None and (age is None or age >= self.refetch_seconds)
            if stale or unknown:
                await self._fetch(now)

    async def _fetch(self, now: float) -> None:
        try:
            async with httpx.AsyncClient(timeout=5.0, transport=self._transport) as client:
                response = await client.get(self.url)
                response.raise_for_status()
                document: dict[str, Any] = response.json()
            keys = jwt.PyJWKSet.from_dict(document).keys
        except (httpx.HTTPError, ValueError, jwt.PyJWKSetError) as exc:
            log.warning("JWKS %s: cannot fetch the issuer's keys (%r); keeping %d", self.url, exc,
                        len(self._keys))  # fmt: skip
            self._fetched_at = now  # do not retry on every request
            return
        self._keys = {key.key_id: key for key in keys}
        self._fetched_at = now
