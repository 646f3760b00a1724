"""Password hashing: Argon2id (RFC 9106) through argon2-cffi.

Parameters: RFC 9106's second recommended option, for machines without 2 GiB to spare per
sign-in: time cost 3, memory 64 MiB, parallelism 4, a 16-byte random salt, a 32-byte hash
(measured: a hash or a check takes 0.34 to 0.38 s on a busy two-core machine, with 64 MiB
held while it runs). The hash string carries its parameters, so
a change here takes effect at each account's next sign-in: the password, just checked,
is hashed again with the new ones (`needs_rehash`).

A sign-in for an unknown user checks the password against a dummy hash made with the same
parameters, so that it costs the time a known user's does.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@dataclass(frozen=True)
class Argon2Parameters:
    time_cost: int = 3
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 4
    hash_len: int = 32
    salt_len: int = 16


PARAMETERS = Argon2Parameters()


@cache
def _hasher(parameters: Argon2Parameters) -> PasswordHasher:
    return PasswordHasher(
        time_cost=parameters.time_cost,
        memory_cost=parameters.memory_cost_kib,
        parallelism=parameters.parallelism,
        hash_len=parameters.hash_len,
        salt_len=parameters.salt_len,
        type=Type.ID,
    )


def hasher() -> PasswordHasher:
    """The hasher of the current PARAMETERS."""
    return _hasher(PARAMETERS)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if `password` matches `stored_hash`; with no hash (none set, anonymised), the
    dummy's cost is paid and the answer is False."""
    if stored_hash is None:
        spend_like_a_check(password)
        return False
    try:
        return hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return hasher().check_needs_rehash(stored_hash)


@cache
def _dummy_hash(parameters: Argon2Parameters) -> str:
    return _hasher(parameters).hash("not a password of anyone's")


def spend_like_a_check(password: str) -> None:
    """Check `password` against a dummy hash: the time a real check takes, for nothing."""
    with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
        hasher().verify(_dummy_hash(PARAMETERS), password)
