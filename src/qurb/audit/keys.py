"""The server's Ed25519 key, which signs the audit chain's head.

It lives in the file named by `QURB_AUDIT_KEY_FILE`, else beside a SQLite database file
(`qurb.sqlite` → `qurb.sqlite.audit-key`), else (PostgreSQL, a database in memory) in the
user's configuration directory (`$XDG_CONFIG_HOME/qurb/audit.key`, by default
`~/.config/qurb/audit.key`). It is created on first use, readable by its owner alone
(mode 0600), as an unencrypted PKCS#8 PEM file. Whoever can read it can sign a head:
keep it out of the database's backups, and keep a copy of it safe (without it the head of
an existing chain cannot be checked)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from sqlalchemy import make_url

from qurb.audit.model import AuditHead, head_message, key_id
from qurb.kernel.errors import InputError, NotFound

KEY_FILE_VARIABLE = "QURB_AUDIT_KEY_FILE"


@dataclass(frozen=True)
class ServerKey:
    """The private key that signs the head, and its public half's name."""

    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign_head(self, seq: int, hash_: str) -> AuditHead:
        signature = self.private_key.sign(head_message(seq, hash_)).hex()
        return AuditHead(seq, hash_, signature, self.key_id)

    @classmethod
    def generate(cls) -> ServerKey:
        return cls(Ed25519PrivateKey.generate())


def _config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "qurb"


def default_key_path(database_url: str) -> Path:
    """Where a database's key lives when `QURB_AUDIT_KEY_FILE` is not set."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        database = Path(str(url.database))
        return database.with_name(database.name + ".audit-key")
    return _config_dir() / "audit.key"


def key_path(database_url: str) -> Path:
    named = os.environ.get(KEY_FILE_VARIABLE)
    return Path(named) if named else default_key_path(database_url)


def read_key(path: Path) -> ServerKey:
    """The key in `path`; NotFound if there is none, InputError if it is not one."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(
            code="no_audit_key",
            values={"path": str(path)},
            hint=f"set {KEY_FILE_VARIABLE} to the file of the key that signed the chain",
        ) from None
    try:
        key = load_pem_private_key(data, password=None)
    except ValueError as error:
        values = {"path": str(path), "detail": str(error)}
        raise InputError(code="not_an_audit_key", values=values) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(code="not_ed25519", values={"path": str(path)})
    return ServerKey(key)


def load_or_create_key(path: Path) -> ServerKey:
    """The key in `path`, created there (mode 0600) if there is none yet."""
    if path.exists():
        return read_key(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = ServerKey.generate()
    pem = key.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it in the same instant: use theirs
        return read_key(path)
    with os.fdopen(handle, "wb") as out:
        out.write(pem)
    return key


def server_key(database_url: str) -> ServerKey:
    """The key that signs this database's audit head, created on first use."""
    return load_or_create_key(key_path(database_url))
