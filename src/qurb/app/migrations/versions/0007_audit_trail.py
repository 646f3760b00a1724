"""the audit trail: its entries and its signed head

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 20:50:00

`audit_entries` holds the hash-chained entries (`qurb.audit`), `audit_head` its one head
row. The facility history becomes a view of the trail: every row of `facility_changes`
moves into it, oldest first, as done by `unverified:<the name it recorded>` (nobody signed
in then: the name is whatever the client or `--by` gave), and the head is signed with the
database's server key; `facility_changes` is dropped. A database without history starts
as a chain never appended to: seq 0, the genesis hash, no signature.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from qurb.audit.keys import server_key
from qurb.audit.model import GENESIS_HASH, AuditEvent, compute_entry, dump_json
from qurb.kernel.actor import Actor, ActorKind

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("partner_id", sa.String(length=100), nullable=True),
        sa.Column("grant_id", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("entity_kind", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("territory_code", sa.String(length=32), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=100), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entries")),
    )
    op.create_index("ix_audit_entries_entity", "audit_entries", ["entity_kind", "entity_id"])
    op.create_index("ix_audit_entries_actor", "audit_entries", ["actor"])
    op.create_index("ix_audit_entries_time", "audit_entries", ["time"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=True),
        sa.Column("key_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64, "signature": None, "key_id": None}])
    _move_facility_history(head)
    with op.batch_alter_table("facility_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facility_changes_facility_id"))
        batch_op.drop_index(batch_op.f("ix_facility_changes_changed_at"))
    op.drop_table("facility_changes")


_CHANGES = sa.table(
    "facility_changes",
    sa.column("id", sa.Integer()),
    sa.column("facility_id", sa.String()),
    sa.column("action", sa.String()),
    sa.column("changed_by", sa.String()),
    sa.column("changed_at", sa.DateTime(timezone=True)),
    sa.column("reason", sa.Text()),
    sa.column("before", sa.JSON()),
    sa.column("after", sa.JSON()),
)
_BATCH = 2000


def _utc(moment: Any) -> datetime:
    if isinstance(moment, str):  # SQLite, read without the model's type
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _move_facility_history(head: sa.Table) -> None:
    bind = op.get_bind()
    entries = sa.table(
        "audit_entries",
        *(sa.column(name) for name in _ENTRY_COLUMNS),
    )
    seq, previous, batch = 0, GENESIS_HASH, []
    for row in bind.execute(sa.select(_CHANGES).order_by(_CHANGES.c.id)):
        snapshot = row.after or row.before or {}
        event = AuditEvent(
            f"facility.{row.action}",
            "facility",
            row.facility_id,
            territory_code=snapshot.get("commune_code"),
            before=row.before,
            after=row.after,
            reason=row.reason,
        )
        actor = Actor(f"unverified:{row.changed_by}", ActorKind.UNVERIFIED)
        seq += 1
        entry = compute_entry(seq, _utc(row.changed_at), actor, event, previous)
        previous = entry.hash
        batch.append(
            {
                **entry.content(),
                "time": entry.time,
                "before": None if entry.before is None else dump_json(entry.before),
                "after": None if entry.after is None else dump_json(entry.after),
                "prev_hash": entry.prev_hash,
                "hash": entry.hash,
            }
        )
        if len(batch) == _BATCH:
            bind.execute(sa.insert(entries), batch)
            batch = []
    if batch:
        bind.execute(sa.insert(entries), batch)
    if seq:
        signed = server_key(bind.engine.url.render_as_string(hide_password=False)).sign_head(
            seq, previous
        )
        bind.execute(
            sa.update(head)
            .where(head.c.id == 1)
            .values(seq=seq, hash=previous, signature=signed.signature, key_id=signed.key_id)
        )


_ENTRY_COLUMNS = (
    "seq",
    "time",
    "actor",
    "actor_kind",
    "partner_id",
    "grant_id",
    "action",
    "entity_kind",
    "entity_id",
    "territory_code",
    "before",
    "after",
    "reason",
    "request_id",
    "prev_hash",
    "hash",
)


def downgrade() -> None:
    # The facility history back in its own table (who as recorded, without "unverified:").
    op.create_table(
        "facility_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("facility_id", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("changed_by", sa.String(length=120), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facility_changes")),
    )
    with op.batch_alter_table("facility_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_facility_changes_changed_at"), ["changed_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_facility_changes_facility_id"), ["facility_id"], unique=False
        )
    bind = op.get_bind()
    entries = sa.table("audit_entries", *(sa.column(name) for name in _ENTRY_COLUMNS))
    history = [
        {
            "facility_id": r.entity_id,
            "action": r.action.removeprefix("facility."),
            "changed_by": r.actor.removeprefix("unverified:")[:120],
            "changed_at": _utc(r.time),
            "reason": r.reason,
            "before": None if r.before is None else json.loads(r.before),
            "after": None if r.after is None else json.loads(r.after),
        }
        for r in bind.execute(
            sa.select(entries).where(entries.c.entity_kind == "facility").order_by(entries.c.seq)
        )
    ]
    if history:
        bind.execute(sa.insert(_CHANGES), history)
    op.drop_table("audit_head")
    op.drop_index("ix_audit_entries_time", table_name="audit_entries")
    op.drop_index("ix_audit_entries_actor", table_name="audit_entries")
    op.drop_index("ix_audit_entries_entity", table_name="audit_entries")
    op.drop_table("audit_entries")
