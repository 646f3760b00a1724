"""The server key: made once, readable by its owner alone, found beside a SQLite file or in
the user's configuration directory unless QURB_AUDIT_KEY_FILE names it."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from qurb.audit.keys import (
    KEY_FILE_VARIABLE,
    default_key_path,
    key_path,
    load_or_create_key,
    read_key,
    server_key,
)
from qurb.audit.model import head_message
from qurb.kernel.errors import InputError, NotFound


def test_a_key_is_made_once_mode_0600_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "audit.key"
    made = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_key(path)
    assert again.key_id == made.key_id
    raw = made.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert made.key_id == hashlib.sha256(raw).hexdigest()[:16]
    head = made.sign_head(7, "a" * 64)
    again.public_key.verify(bytes.fromhex(head.signature or ""), head_message(7, "a" * 64))
    assert head_message(7, "a" * 64) == b"7:" + b"a" * 64


def test_where_the_key_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_FILE_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert (
        default_key_path(f"sqlite:///{tmp_path}/qurb.sqlite") == tmp_path / "qurb.sqlite.audit-key"
    )
    postgres = "postgresql+psycopg://qurb:secret@db.example/qurb"
    assert default_key_path(postgres) == tmp_path / "config" / "qurb" / "audit.key"
    assert default_key_path("sqlite://") == tmp_path / "config" / "qurb" / "audit.key"
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(tmp_path / "named.key"))
    assert key_path(postgres) == tmp_path / "named.key"
    server_key(postgres)
    assert (tmp_path / "named.key").exists()


def test_a_missing_or_foreign_key_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no audit key"):
        read_key(tmp_path / "none.key")
    (tmp_path / "bad.key").write_text("not a key")
    with pytest.raises(InputError, match="not an audit key"):
        read_key(tmp_path / "bad.key")
