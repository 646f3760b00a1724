"""Appending to the audit trail, reading it and checking it.

`append` writes in the caller's transaction, so that an entry is kept exactly when the
change it records is. Appends follow one another on the chain's head: each first updates
the head row (which takes SQLite's write lock for the transaction, and locks the row on
PostgreSQL until commit), then reads it, computes the entry, inserts it and writes the new
head with its signature. On SQLite, a transaction that has read before it appends may be
refused the write lock ("database is locked") if another process wrote meanwhile: let the
write come first, as every write does there."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Select, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from qurb.audit._tables import HEAD_ID, AuditEntryRow, AuditHeadRow, AuditKindHeadRow
from qurb.audit.keys import ServerKey, key_path, load_or_create_key
from qurb.audit.model import (
    GENESIS_HASH,
    AuditEntry,
    AuditEvent,
    AuditHead,
    ChainProblem,
    compute_entry,
    dump_json,
    verify_chain,
)
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.platform.request_log import REQUEST_ID


@dataclass(frozen=True)
class EntryFilter:
    """Which entries to read: any field left None is not filtered on; `since` inclusive,
    `until` exclusive."""

    entity_kind: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    partner: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_seq: int | None = None  # entries after this one (a page's last)


# Built once: an append is three statements on the hot path of every write.
_HEAD = cast(Table, AuditHeadRow.__table__)
_ENTRIES = cast(Table, AuditEntryRow.__table__)
_KINDS = cast(Table, AuditKindHeadRow.__table__)
_MOVE_KIND = (
    update(_KINDS).where(_KINDS.c.entity_kind == bindparam("kind")).values(seq=bindparam("seq"))
)
_LOCK_HEAD = update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(seq=_HEAD.c.seq)
_READ_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == HEAD_ID)
_INSERT_ENTRY = insert(_ENTRIES)
_WRITE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ID)
    .values(
        seq=bindparam("new_seq"),
        hash=bindparam("new_hash"),
        signature=bindparam("new_signature"),
        key_id=bindparam("new_key_id"),
    )
)


def append(
    session: Session,
    actor: Actor,
    event: AuditEvent,
    *,
    partner: str | None = None,
    grant: str | None = None,
    request_id: str | None = None,
    signer: ServerKey,
) -> AuditEntry:
    """Record `event`, done by `actor`, as the chain's next entry, in the session's
    transaction (committed or rolled back with the change it records)."""
    _lock_head(session)
    head = session.execute(_READ_HEAD).one()
    entry = compute_entry(
        head.seq + 1,
        clock.now(),
        actor,
        event,
        head.hash,
        partner=partner,
        grant=grant,
        request_id=request_id,
    )
    session.execute(_INSERT_ENTRY, _row(entry))
    _move_kinds(session, {event.entity_kind: entry.seq})
    signed = signer.sign_head(entry.seq, entry.hash)
    session.execute(
        _WRITE_HEAD,
        {
            "new_seq": signed.seq,
            "new_hash": signed.hash,
            "new_signature": signed.signature,
            "new_key_id": signed.key_id,
        },
    )
    return entry


def append_many(
    session: Session,
    actor: Actor,
    events: Sequence[AuditEvent],
    *,
    signer: ServerKey,
    request_id: str | None = None,
) -> int:
    """Record many events by one actor at once (a dataset load, an import), in the
    session's transaction: the same chain as one `append` each, one insert and one head
    signature for all. Returns how many were recorded."""
    if not events:
        return 0
    _lock_head(session)
    head = session.execute(_READ_HEAD).one()
    seq, previous, when = head.seq, head.hash, clock.now()
    rows = []
    kinds: dict[str, int] = {}  # each kind's last seq
    for event in events:
        seq += 1
        kinds[event.entity_kind] = seq
        entry = compute_entry(
            seq,
            when,
            actor,
            event,
            previous,
            partner=actor.partner,
            grant=actor.grant,
            request_id=request_id,
        )
        rows.append(_row(entry))
        previous = entry.hash
    session.execute(_INSERT_ENTRY, rows)
    _move_kinds(session, kinds)
    signed = signer.sign_head(seq, previous)
    session.execute(
        _WRITE_HEAD,
        {
            "new_seq": signed.seq,
            "new_hash": signed.hash,
            "new_signature": signed.signature,
            "new_key_id": signed.key_id,
        },
    )
    return len(rows)


def record(session: Session, actor: Actor, event: AuditEvent) -> AuditEntry:
    """What every write calls: `append` with the server key of the session's database and
    the request being served (its id, when there is one), in the write's transaction."""
    return append(
        session,
        actor,
        event,
        partner=actor.partner,
        grant=actor.grant,
        request_id=REQUEST_ID.get(),
        signer=signer_for(session),
    )


def record_many(session: Session, actor: Actor, events: Sequence[AuditEvent]) -> int:
    """`append_many` with the server key of the session's database."""
    return append_many(
        session, actor, events, request_id=REQUEST_ID.get(), signer=signer_for(session)
    )


_signers: dict[Path, ServerKey] = {}
_signers_lock = threading.Lock()


def signer_for(session: Session) -> ServerKey:
    """The key that signs the head of the session's database (created on first use), read
    once per process and key file."""
    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    path = key_path(url)
    with _signers_lock:
        signer = _signers.get(path)
        if signer is None:
            signer = _signers[path] = load_or_create_key(path)
    return signer


def _lock_head(session: Session) -> None:
    """Take the head for this transaction: an UPDATE that changes nothing locks the row
    (PostgreSQL) or the database for writing (SQLite) until commit or rollback."""
    locked = session.execute(_LOCK_HEAD)
    if locked.rowcount == 0:  # type: ignore[attr-defined]  # a database made without the migration
        session.execute(
            insert(_HEAD).values(id=HEAD_ID, seq=0, hash=GENESIS_HASH, signature=None, key_id=None)
        )


def head(session: Session) -> AuditHead:
    """The chain's head as stored (seq 0 and no signature: never appended to)."""
    row = session.execute(
        select(
            AuditHeadRow.seq, AuditHeadRow.hash, AuditHeadRow.signature, AuditHeadRow.key_id
        ).where(AuditHeadRow.id == HEAD_ID)
    ).one_or_none()
    if row is None:
        return AuditHead(0, GENESIS_HASH, None, None)
    return AuditHead(row.seq, row.hash, row.signature, row.key_id)


def _move_kinds(session: Session, last: dict[str, int]) -> None:
    """Each kind's last seq moved on, in the append's transaction (the head is locked:
    appends follow one another, so the row of a new kind is inserted once)."""
    for kind, seq in last.items():
        moved = session.execute(_MOVE_KIND, {"kind": kind, "seq": seq})
        if moved.rowcount == 0:  # type: ignore[attr-defined]  # the first entry of its kind
            session.execute(insert(_KINDS).values(entity_kind=kind, seq=seq))


def last_seq(session: Session, entity_kind: str) -> int:
    """The seq of the last entry about an entity of this kind (0: none): a number that
    every write to such entities moves on in its own transaction, whichever process made
    it; what a process keeps in memory about them is keyed by it, read per request."""
    return (
        session.scalar(
            select(AuditKindHeadRow.seq).where(AuditKindHeadRow.entity_kind == entity_kind)
        )
        or 0
    )


def count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(AuditEntryRow)).scalar_one()


def entries(session: Session, where: EntryFilter | None = None) -> list[AuditEntry]:
    """The entries matching `where` (all by default), in chain order."""
    return list(stream(session, where))


def stream(session: Session, where: EntryFilter | None = None) -> Iterator[AuditEntry]:
    """The entries matching `where`, in chain order, read in batches as they are used."""
    return _read(session, _filtered(select(AuditEntryRow), where or EntryFilter()))


def verify(
    session: Session, public_key: Ed25519PublicKey, *, kept: tuple[int, str] | None = None
) -> list[ChainProblem]:
    """Every problem of the stored chain and its head (none: intact), each naming its
    entry. `kept`: a (seq, hash) of a head kept elsewhere that the chain must still hold."""
    chain = list(_read(session, select(AuditEntryRow)))
    return verify_chain(chain, head(session), public_key, kept=kept)


def _filtered(statement: Select[AuditEntryRow], where: EntryFilter) -> Select[AuditEntryRow]:
    if where.entity_kind is not None:
        statement = statement.where(AuditEntryRow.entity_kind == where.entity_kind)
    if where.entity_id is not None:
        statement = statement.where(AuditEntryRow.entity_id == where.entity_id)
    if where.actor is not None:
        statement = statement.where(AuditEntryRow.actor == where.actor)
    if where.partner is not None:
        statement = statement.where(AuditEntryRow.partner_id == where.partner)
    if where.after_seq is not None:
        statement = statement.where(AuditEntryRow.seq > where.after_seq)
    if where.since is not None:
        statement = statement.where(AuditEntryRow.time >= where.since)
    if where.until is not None:
        statement = statement.where(AuditEntryRow.time < where.until)
    return statement


def _read(session: Session, statement: Select[AuditEntryRow]) -> Iterator[AuditEntry]:
    """The entries `statement` selects, in chain order, read in batches."""
    ordered = statement.order_by(AuditEntryRow.seq).execution_options(yield_per=1000)
    for row in session.scalars(ordered):
        yield _entry(row)


def _row(entry: AuditEntry) -> dict[str, object]:
    return {
        "seq": entry.seq,
        "time": entry.time,
        "actor": entry.actor,
        "actor_kind": entry.actor_kind,
        "partner_id": entry.partner_id,
        "grant_id": entry.grant_id,
        "action": entry.action,
        "entity_kind": entry.entity_kind,
        "entity_id": entry.entity_id,
        "territory_code": entry.territory_code,
        "before": None if entry.before is None else dump_json(entry.before),
        "after": None if entry.after is None else dump_json(entry.after),
        "reason": entry.reason,
        "request_id": entry.request_id,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _entry(row: AuditEntryRow) -> AuditEntry:
    return AuditEntry(
        seq=row.seq,
        time=row.time,
        actor=row.actor,
        actor_kind=row.actor_kind,
        partner_id=row.partner_id,
        grant_id=row.grant_id,
        action=row.action,
        entity_kind=row.entity_kind,
        entity_id=row.entity_id,
        territory_code=row.territory_code,
        before=None if row.before is None else json.loads(row.before),
        after=None if row.after is None else json.loads(row.after),
        reason=row.reason,
        request_id=row.request_id,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
