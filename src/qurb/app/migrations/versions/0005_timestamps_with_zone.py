"""timestamps with their zone; caravan batch keys of the rows as stored

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 18:10:00

Every timestamp is a moment in UTC (`platform.tables.UTCDateTime`). On PostgreSQL a
timestamp column still without a zone (`timestamp without time zone`) becomes a
`timestamptz`, its values read as UTC; on SQLite the stored text stays (it is the UTC
time) and the column type reads it as UTC.

A batch of caravan records is now known by the rows as stored (`caravans.records.
batch_key`) rather than as written: the batches recorded before get their new key, so
that recording one of them again is still refused.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TIMESTAMPS = (
    ("facilities", "updated_at"),
    ("facility_changes", "changed_at"),
    ("scenarios", "created_at"),
    ("caravan_campaigns", "created_at"),
    ("caravan_records", "recorded_at"),
)
RECORD_COLUMNS = ("kind", "item", "sex", "age_band", "count", "facility_id", "service")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table, column in TIMESTAMPS:
            kind = bind.scalar(
                sa.text(
                    "SELECT data_type FROM information_schema.columns WHERE table_name = :t "
                    "AND column_name = :c AND table_schema = current_schema()"
                ),
                {"t": table, "c": column},
            )
            if kind == "timestamp without time zone":
                op.execute(
                    f"ALTER TABLE {table} ALTER COLUMN {column} TYPE timestamptz "
                    f"USING {column} AT TIME ZONE 'UTC'"
                )
    _rekey_caravan_batches(bind)


def _rekey_caravan_batches(bind: Any) -> None:
    from qurb.caravans.records import batch_key

    records = sa.table(
        "caravan_records",
        sa.column("stop_id", sa.Integer),
        sa.column("batch_sha256", sa.String),
        *(sa.column(c) for c in RECORD_COLUMNS),
    )
    stops = sa.table(
        "caravan_stops",
        sa.column("id", sa.Integer),
        sa.column("campaign_id", sa.String),
        sa.column("number", sa.Integer),
    )
    query = sa.select(
        stops.c.campaign_id,
        stops.c.number,
        records.c.batch_sha256,
        *(records.c[c] for c in RECORD_COLUMNS),
    ).join(stops, stops.c.id == records.c.stop_id)
    batches: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in bind.execute(query).mappings():
        values = {"stop": row["number"], **{c: row[c] for c in RECORD_COLUMNS}}
        batches[(row["campaign_id"], row["batch_sha256"])].append(values)
    for (campaign_id, old), rows in batches.items():
        in_campaign = sa.select(stops.c.id).where(stops.c.campaign_id == campaign_id)
        bind.execute(
            records.update()
            .where(records.c.batch_sha256 == old, records.c.stop_id.in_(in_campaign))
            .values(batch_sha256=batch_key(rows))
        )


def downgrade() -> None:
    """Nothing to undo: a `timestamptz` holds what the older code wrote, and the older code
    compares batch keys only to refuse a batch recorded twice."""
