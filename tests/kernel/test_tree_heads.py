"""Tree heads are signed with the configured Ed25519 key, or a development key generated once."""

from __future__ import annotations

import base64
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pmo_kernel.audit_witness import heads_in_file
from pmo_kernel.settings import Settings
from pmo_kernel.store.tree_heads import (
    AuditKeyError,
    MalformedTreeHead,
    key_id,
    sign_head,
    signing_key,
    tree_head_from_json,
)


def test_a_signed_head_verifies_and_a_changed_one_does_not(tmp_path: Path) -> None:
    key = signing_key(Settings(audit_key_file=str(tmp_path / "k.pem")))
    head = sign_head(key, "demand", 7, b"\x01" * 32, 1_700_000_000_000)

    assert head.verifies_with(key.public_key())
    assert head.key_id == key_id(key.public_key())
    forged = sign_head(key, "demand", 6, b"\x01" * 32, 1_700_000_000_000)
    assert not type(head)(**{**head.__dict__, "signature": forged.signature}).verifies_with(
        key.public_key()
    )
    assert head.message() == b"pmo-tree-head-v1\ndemand\n7\n" + b"01" * 32 + b"\n1700000000000\n"


def test_the_development_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = Settings(pmo_data_dir=str(tmp_path))

    first, again = signing_key(settings), signing_key(settings)

    assert key_id(first.public_key()) == key_id(again.public_key())
    assert (tmp_path / "audit-signing-key.pem").stat().st_mode & 0o077 == 0


def test_a_configured_seed_is_the_key_and_production_never_generates_one(tmp_path: Path) -> None:
    seed = base64.b64encode(bytes(range(32))).decode()
    one = signing_key(Settings(audit_signing_key=seed, pmo_data_dir=str(tmp_path)))
    two = signing_key(Settings(audit_signing_key=seed))
    assert key_id(one.public_key()) == key_id(two.public_key())
    assert not (tmp_path / "audit-signing-key.pem").exists()

    production = Settings(
        environment="production", jwt_signing_key="x" * 40, pmo_data_dir=str(tmp_path)
    )
    with pytest.raises(AuditKeyError, match="AUDIT_SIGNING_KEY"):
        signing_key(production)


def test_a_kept_file_of_heads_reads_back_and_what_is_not_a_head_is_counted(
    tmp_path: Path,
) -> None:
    key = Ed25519PrivateKey.generate()
    head = sign_head(key, "demand", 7, bytes(32), 1_700_000_000_000)
    kept = tmp_path / "checkpoints.json"
    kept.write_bytes(orjson.dumps([head.as_json(), {"service": "demand"}, "a string", None]))

    witnessed = heads_in_file(kept)

    assert witnessed.of("demand") == [head]
    assert witnessed.unreadable == 3
    with pytest.raises(MalformedTreeHead):
        tree_head_from_json({**head.as_json(), "root_hash": "not hex"})
