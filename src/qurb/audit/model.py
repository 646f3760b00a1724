"""The audit trail's entries, their hash chain and what checking it finds. Pure: no I/O.

Each entry carries the hash of the one before it (`entry_hash = sha256(prev_hash +
canonical)`, the first entry's `prev_hash` being 64 zeros), and the chain's head (the last
entry's seq and hash) is signed with the server's Ed25519 key over `seq:hash`.

`verify_chain` finds, each named by its entry:

- an altered entry: its hash does not match its content;
- a deleted entry: a gap in seq, or an entry whose prev_hash is not the hash of the one
  before it;
- reordered entries: an entry holding the content of another seq (found from the entry its
  prev_hash points to);
- a truncated tail: the signed head names a later seq (or another hash) than the last
  entry;
- a head whose signature does not verify with the server's public key (or was signed by
  another key), and entries written after the signed head.

What it cannot detect alone: the tail truncated AND an earlier head, genuinely signed by
the same key, put back (a copy of the database taken before, its head with it). The chain
then ends cleanly at a head that verifies. Only a copy of the head kept elsewhere shows
it (`qurb audit head` prints one for safekeeping; `verify(..., kept=...)` checks that the
chain still holds that entry with that hash). Nor does it say who tampered, nor protect
against whoever holds the server key rewriting the whole chain and signing it again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from qurb.kernel.actor import Actor

GENESIS_HASH = "0" * 64  # the prev_hash of the first entry
KEY_ID_LENGTH = 16  # hex characters of the public key's SHA-256 that name it

JsonMapping = Mapping[str, Any]


@dataclass(frozen=True)
class AuditEvent:
    """What a service hands over when it writes: the action ("facility.update"), the
    entity written (kind and id), its territory if it has one, the entity before and
    after the change as JSON-able mappings (None when it did not exist before, or no
    longer exists after), and the reason the writer gave, if any."""

    action: str
    entity_kind: str
    entity_id: str
    territory_code: str | None = None
    before: JsonMapping | None = None
    after: JsonMapping | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        for name in ("action", "entity_kind", "entity_id"):
            if not getattr(self, name).strip():
                raise ValueError(f"an audit event needs its {name}")
            check_text(name, getattr(self, name))
        check_text("territory_code", self.territory_code)
        check_text("reason", self.reason)
        for name in ("before", "after"):
            value = getattr(self, name)
            if value is not None:
                if not isinstance(value, Mapping):
                    raise ValueError(f"an audit event's {name} is a mapping or None")
                dump = dump_json(value)
                check_text(name, dump)
                # JSON-able, and held as it reads back from its JSON (tuples as lists).
                object.__setattr__(self, name, json.loads(dump))


def check_text(name: str, value: str | None) -> None:
    """A text every database stores as is: UTF-8, no NUL character (PostgreSQL refuses it;
    inside before/after JSON writes it as an escape)."""
    if value is None:
        return
    if "\x00" in value:
        raise ValueError(f"an audit {name} cannot hold a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"an audit {name} is not valid Unicode text") from None


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the chain, as stored. `seq` counts from 1; `time` is UTC."""

    seq: int
    time: datetime
    actor: str
    actor_kind: str
    partner_id: str | None
    grant_id: str | None
    action: str
    entity_kind: str
    entity_id: str
    territory_code: str | None
    before: JsonMapping | None
    after: JsonMapping | None
    reason: str | None
    request_id: str | None
    prev_hash: str
    hash: str

    def content(self) -> dict[str, Any]:
        """Every field the hash covers (all but prev_hash, which is chained, and hash)."""
        return {
            "seq": self.seq,
            "time": iso_utc(self.time),
            "actor": self.actor,
            "actor_kind": self.actor_kind,
            "partner_id": self.partner_id,
            "grant_id": self.grant_id,
            "action": self.action,
            "entity_kind": self.entity_kind,
            "entity_id": self.entity_id,
            "territory_code": self.territory_code,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "request_id": self.request_id,
        }


@dataclass(frozen=True)
class AuditHead:
    """The chain's head: the last entry's seq and hash, signed (hex) by the key named
    `key_id`. A chain never written to has seq 0, the genesis hash and no signature."""

    seq: int
    hash: str
    signature: str | None
    key_id: str | None


@dataclass(frozen=True)
class ChainProblem:
    """One thing `verify_chain` found, naming the entry (its seq) it is about."""

    seq: int
    kind: str  # altered, missing, moved, broken_link, out_of_order, truncated,
    # after_head, head_mismatch, bad_signature, unsigned, kept_head
    message: str

    def __str__(self) -> str:
        return self.message


def dump_json(value: Any) -> str:
    """The canonical JSON of a value: sorted keys, no spaces, not ASCII-escaped, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def iso_utc(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError(f"an audit time needs its time zone: {moment!r}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(content: Mapping[str, Any]) -> bytes:
    """The bytes an entry's hash covers: its content as canonical JSON, in UTF-8."""
    return dump_json(content).encode("utf-8")


def entry_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(content)).hexdigest()


def compute_entry(
    seq: int,
    time: datetime,
    actor: Actor,
    event: AuditEvent,
    prev_hash: str,
    *,
    partner: str | None = None,
    grant: str | None = None,
    request_id: str | None = None,
) -> AuditEntry:
    """The entry that follows `prev_hash` at `seq`, its hash computed."""
    if time.utcoffset() is None:
        raise ValueError(f"an audit time needs its time zone: {time!r}")
    for name, value in (
        ("actor", actor.name),
        ("partner", partner),
        ("grant", grant),
        ("request id", request_id),
    ):
        check_text(name, value)
    fields: dict[str, Any] = {
        "seq": seq,
        "time": time.astimezone(UTC),
        "actor": actor.name,
        "actor_kind": str(actor.kind),
        "partner_id": partner,
        "grant_id": grant,
        "action": event.action,
        "entity_kind": event.entity_kind,
        "entity_id": event.entity_id,
        "territory_code": event.territory_code,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "request_id": request_id,
    }
    draft = AuditEntry(**fields, prev_hash=prev_hash, hash="")
    return AuditEntry(**fields, prev_hash=prev_hash, hash=entry_hash(prev_hash, draft.content()))


def head_message(seq: int, hash_: str) -> bytes:
    """What the head's signature covers: `seq:hash`."""
    return f"{seq}:{hash_}".encode("ascii")


def key_id(public_key: Ed25519PublicKey) -> str:
    """A key's name: the first characters of its raw public key's SHA-256."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:KEY_ID_LENGTH]


def signature_valid(head: AuditHead, public_key: Ed25519PublicKey) -> bool:
    if head.signature is None or head.key_id != key_id(public_key):
        return False
    try:
        public_key.verify(bytes.fromhex(head.signature), head_message(head.seq, head.hash))
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_chain(
    entries: Sequence[AuditEntry],
    head: AuditHead,
    public_key: Ed25519PublicKey,
    *,
    kept: tuple[int, str] | None = None,
) -> list[ChainProblem]:
    """Every problem in a chain (entries in stored order) and its signed head; none if it
    is intact. `kept`, a (seq, hash) from a head kept elsewhere: the chain must still hold
    that entry with that hash (what shows a truncation with an older head put back)."""
    problems = _link_problems(entries)
    problems += _head_problems(entries, head, public_key)
    if kept is not None:
        problems += _kept_problems(entries, kept)
    return problems


def _link_problems(entries: Sequence[AuditEntry]) -> list[ChainProblem]:
    problems: list[ChainProblem] = []
    by_hash = {entry.hash: entry.seq for entry in entries}
    previous: AuditEntry | None = None
    for entry in entries:
        expected_seq = previous.seq + 1 if previous else 1
        expected_prev = previous.hash if previous else GENESIS_HASH
        gap = entry.seq > expected_seq
        if gap:
            first, last = expected_seq, entry.seq - 1
            span = f"entry {first}" if first == last else f"entries {first} to {last}"
            problems.append(
                ChainProblem(first, "missing", f"{span} missing (deleted) before entry {entry.seq}")
            )
        elif entry.seq < expected_seq:
            problems.append(
                ChainProblem(
                    entry.seq,
                    "out_of_order",
                    f"entry {entry.seq} comes after entry {previous.seq if previous else 0}",
                )
            )
        if entry_hash(entry.prev_hash, entry.content()) != entry.hash:
            problems.append(_altered_or_moved(entry, by_hash))
        elif entry.prev_hash != expected_prev and not gap:
            problems.append(
                ChainProblem(
                    entry.seq,
                    "broken_link",
                    f"entry {entry.seq} does not follow entry {entry.seq - 1}: its prev_hash is "
                    "not that entry's hash (an entry deleted or replaced before it)",
                )
            )
        previous = entry
    return problems


def _altered_or_moved(entry: AuditEntry, by_hash: Mapping[str, int]) -> ChainProblem:
    """An entry whose hash does not match its content: moved if its content hashes right
    under the seq its prev_hash points to, else altered."""
    origin = 1 if entry.prev_hash == GENESIS_HASH else by_hash.get(entry.prev_hash, -1) + 1
    if origin > 0 and origin != entry.seq:
        content = {**entry.content(), "seq": origin}
        if entry_hash(entry.prev_hash, content) == entry.hash:
            return ChainProblem(
                entry.seq,
                "moved",
                f"entry {entry.seq} holds the content of entry {origin} (entries reordered)",
            )
    return ChainProblem(
        entry.seq, "altered", f"entry {entry.seq} altered: its hash does not match its content"
    )


def _head_problems(
    entries: Sequence[AuditEntry], head: AuditHead, public_key: Ed25519PublicKey
) -> list[ChainProblem]:
    last = entries[-1] if entries else None
    last_seq = last.seq if last else 0
    if head.seq == 0 and head.signature is None:
        if last is None:
            return []
        return [
            ChainProblem(
                1,
                "unsigned",
                f"entries 1 to {last_seq} exist but the chain's head was never signed",
            )
        ]
    problems: list[ChainProblem] = []
    if not signature_valid(head, public_key):
        problems.append(
            ChainProblem(
                head.seq,
                "bad_signature",
                f"the head (entry {head.seq}) is not signed by key {key_id(public_key)}: "
                f"its signature does not verify (it names key {head.key_id})",
            )
        )
    if head.seq > last_seq:
        span = (
            f"entry {head.seq}"
            if head.seq == last_seq + 1
            else f"entries {last_seq + 1} to {head.seq}"
        )
        problems.append(
            ChainProblem(
                last_seq + 1,
                "truncated",
                f"tail truncated: the signed head names entry {head.seq}, the last entry is "
                f"{last_seq}: {span} removed",
            )
        )
    elif head.seq < last_seq:
        problems.append(
            ChainProblem(
                head.seq + 1,
                "after_head",
                f"entries {head.seq + 1} to {last_seq} come after the signed head (entry "
                f"{head.seq}): written without the server key, or an older head put back",
            )
        )
    headed = next((entry for entry in entries if entry.seq == head.seq), None)
    if headed is not None and headed.hash != head.hash:
        problems.append(
            ChainProblem(
                head.seq,
                "head_mismatch",
                f"entry {head.seq}'s hash is not the one the signed head names (the entry "
                "replaced, its hash recomputed)",
            )
        )
    return problems


def _kept_problems(entries: Sequence[AuditEntry], kept: tuple[int, str]) -> list[ChainProblem]:
    seq, hash_ = kept
    found = next((entry for entry in entries if entry.seq == seq), None)
    if found is None:
        return [
            ChainProblem(
                seq,
                "kept_head",
                f"entry {seq}, named by the head kept elsewhere, is not in the chain",
            )
        ]
    if found.hash != hash_:
        return [
            ChainProblem(
                seq,
                "kept_head",
                f"entry {seq}'s hash is not the one the head kept elsewhere names",
            )
        ]
    return []
