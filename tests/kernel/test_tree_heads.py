"""Tree heads are signed with the configured Ed25519 key, or a development key generated once."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from pmo_kernel.settings import Settings
from pmo_kernel.store.tree_heads import AuditKeyError, key_id, sign_head, signing_key


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
