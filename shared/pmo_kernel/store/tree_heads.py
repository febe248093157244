"""Signed tree heads: a service's Merkle log at one size, signed with the platform's Ed25519 key.

The signed message is text, so an auditor can rebuild it with nothing but the standard library
(docs/audit.md):

    pmo-tree-head-v1\\n<service>\\n<tree size>\\n<root hash, hex>\\n<timestamp, ms since epoch>\\n

The key comes from configuration (`AUDIT_SIGNING_KEY`: a PEM PKCS#8 Ed25519 private key, or
base64 of its 32-byte seed).
Without one, a development key is generated once into the data dir (`AUDIT_KEY_FILE`, default
`$PMO_DATA_DIR/audit-signing-key.pem`) and shared by every process of the machine; production
refuses to generate one. A key is named by its id, the first 16 hex digits of the SHA-256 of
its raw public key, stored beside each head so a rotated key can be told apart.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.db import raw_connection
from pmo_kernel.settings import Settings

MESSAGE_VERSION = "pmo-tree-head-v1"
DEFAULT_KEY_FILE = "audit-signing-key.pem"


class AuditKeyError(RuntimeError):
    """The audit signing key cannot be had as configured."""


@dataclass(frozen=True)
class TreeHead:
    service: str
    tree_size: int
    root_hash: bytes
    timestamp_ms: int
    key_id: str
    signature: bytes

    def message(self) -> bytes:
        return signed_message(self.service, self.tree_size, self.root_hash, self.timestamp_ms)

    def verifies_with(self, public_key: Ed25519PublicKey) -> bool:
        try:
            public_key.verify(self.signature, self.message())
        except InvalidSignature:
            return False
        return True

    def as_json(self) -> dict[str, str | int]:
        """The head as the feed and the checkpoints topic publish it."""
        return {
            "service": self.service,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp": self.timestamp_ms,
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode(),
        }


class MalformedTreeHead(ValueError):
    """A published head that does not have the shape `TreeHead.as_json` gives it."""


def tree_head_from_json(value: object) -> TreeHead:
    """The head `TreeHead.as_json` published (on the checkpoints topic, the feed or in a
    bundle's checkpoints.json)."""
    if not isinstance(value, dict):
        raise MalformedTreeHead(f"not a signed tree head: {type(value).__name__}")
    try:
        return TreeHead(
            service=str(value["service"]),
            tree_size=int(value["tree_size"]),
            root_hash=bytes.fromhex(value["root_hash"]),
            timestamp_ms=int(value["timestamp"]),
            key_id=str(value["key_id"]),
            signature=base64.b64decode(value["signature"], validate=True),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedTreeHead(f"not a signed tree head: {exc!r}") from None


def signed_message(service: str, tree_size: int, root_hash: bytes, timestamp_ms: int) -> bytes:
    return (
        f"{MESSAGE_VERSION}\n{service}\n{tree_size}\n{root_hash.hex()}\n{timestamp_ms}\n".encode()
    )


def sign_head(
    key: Ed25519PrivateKey, service: str, tree_size: int, root_hash: bytes, timestamp_ms: int
) -> TreeHead:
    signature = key.sign(signed_message(service, tree_size, root_hash, timestamp_ms))
    return TreeHead(
        service, tree_size, root_hash, timestamp_ms, key_id(key.public_key()), signature
    )


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError("the audit public key is not an Ed25519 key")
    return key


def key_file(settings: Settings) -> Path:
    return Path(settings.audit_key_file or Path(settings.pmo_data_dir) / DEFAULT_KEY_FILE)


def signing_key(settings: Settings, *, generate: bool = True) -> Ed25519PrivateKey:
    """The configured key; else the development key file, generated when missing (`generate`,
    never in production)."""
    if settings.audit_signing_key:
        return _configured_key(settings.audit_signing_key)
    path = key_file(settings)
    if path.exists():
        return _private_key(path.read_bytes())
    if settings.production or not generate:
        raise AuditKeyError(
            f"no audit signing key: set AUDIT_SIGNING_KEY (PEM, Ed25519) or create {path}"
        )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created exclusively, owner-only: two processes starting at once keep one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _private_key(path.read_bytes())
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key


def verifying_key(settings: Settings, public_key_file: Path | None = None) -> Ed25519PublicKey:
    """The key heads are checked with: a public key file an auditor was given, else the public
    half of the configured signing key."""
    if public_key_file is not None:
        return load_public_key(public_key_file.read_bytes())
    return signing_key(settings, generate=False).public_key()


def published_key(settings: Settings) -> Ed25519PublicKey | None:
    """The public key an API serves beside the heads: the configured key's, or the development
    key file's once the merkle-log process has made it (an API never generates one); None
    while there is none."""
    try:
        return signing_key(settings, generate=False).public_key()
    except AuditKeyError:
        return None


def _configured_key(value: str) -> Ed25519PrivateKey:
    """AUDIT_SIGNING_KEY: a PEM, or base64 of the key's 32-byte seed (fits one env line)."""
    if value.lstrip().startswith("-----BEGIN"):
        return _private_key(value.encode())
    try:
        seed = base64.b64decode(value, validate=True)
    except ValueError as exc:
        raise AuditKeyError("AUDIT_SIGNING_KEY is neither a PEM nor base64") from exc
    if len(seed) != 32:
        raise AuditKeyError(f"AUDIT_SIGNING_KEY holds {len(seed)} bytes, an Ed25519 seed has 32")
    return Ed25519PrivateKey.from_private_bytes(seed)


def _private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError("the audit signing key is not an Ed25519 key")
    return key


async def read_heads(
    engine: AsyncEngine, schema: str, service: str, *, after_size: int = -1
) -> list[TreeHead]:
    """The stored signed heads, smallest first."""
    async with raw_connection(engine) as conn:
        return await heads_on(conn, schema, service, after_size=after_size)


async def heads_on(
    conn: asyncpg.Connection, schema: str, service: str, *, after_size: int = -1
) -> list[TreeHead]:
    """`read_heads` on a connection of the caller's (e.g. in its snapshot)."""
    rows = await conn.fetch(
        f'SELECT tree_size, root_hash, timestamp_ms, key_id, signature FROM "{schema}".'
        "audit_checkpoints WHERE tree_size > $1 ORDER BY tree_size",
        after_size,
    )
    return [
        TreeHead(service, int(r[0]), bytes(r[1]), int(r[2]), str(r[3]), bytes(r[4])) for r in rows
    ]
