"""Who a credential is, kept in memory between requests: the resolver's accepted answers
(an account and its grants in force), each keyed by the credential's SHA-256 and held
while the audit trail's head is the one it was read under, until a time the clock alone
decides (the credential's end, or the minute after which its use is noted again).

Bounded: past `MAX_KEPT` credentials the oldest answer is dropped (it is read again from
the database when next asked)."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from qurb.platform.auth import Credentials, Resolution

# As often as a token's or a session's use is noted (token_service.LAST_USE_EVERY,
# web_sessions.TOUCH_EVERY): a kept answer is read again, and its use noted, after it.
KEPT_FOR = timedelta(minutes=1)
MAX_KEPT = 10_000  # credentials; an answer is a few hundred bytes


@dataclass(frozen=True)
class _Kept:
    seq: int  # the audit head's seq it was read under
    found: Resolution
    until: datetime


def credential_key(credentials: Credentials) -> tuple[str, str]:
    """What names a credential in memory: its kind and SHA-256 (never the secret)."""
    kind, secret = (
        ("bearer", credentials.bearer)
        if credentials.bearer
        else (
            "session",
            credentials.session or "",
        )
    )
    return kind, hashlib.sha256(secret.encode("utf-8")).hexdigest()


class KeptPrincipals:
    """The accepted answers of one process's resolver, safe across its worker threads."""

    def __init__(self, max_kept: int = MAX_KEPT) -> None:
        self._answers: OrderedDict[tuple[str, str], _Kept] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_kept

    def get(self, credentials: Credentials, seq: int, now: datetime) -> Resolution | None:
        """The answer kept for `credentials` if it was read under head `seq` and holds at
        `now`; else None (and it is dropped)."""
        key = credential_key(credentials)
        with self._lock:
            kept = self._answers.get(key)
            if kept is None:
                return None
            if kept.seq != seq or now >= kept.until:
                del self._answers[key]
                return None
            return kept.found

    def put(self, credentials: Credentials, seq: int, found: Resolution, until: datetime) -> None:
        key = credential_key(credentials)
        with self._lock:
            self._answers[key] = _Kept(seq, found, until)
            self._answers.move_to_end(key)
            while len(self._answers) > self._max:
                self._answers.popitem(last=False)

    def __len__(self) -> int:
        return len(self._answers)
