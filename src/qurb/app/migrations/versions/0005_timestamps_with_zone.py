"""timestamps with their zone; caravan batch keys of the rows as stored

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 18:10:00

Every timestamp is a moment in UTC (`platform.tables.UTCDateTime`). On PostgreSQL a
timestamp column still without a zone (`timestamp without time zone`) becomes a
`timestamptz`, its values read as UTC; on SQLite the stored text stays (it is the UTC
time) and the column type reads it as UTC. A column the upgrade converts is noted (its
comment) so that the downgrade turns back that one and no other.

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


# The note a column turned into `timestamptz` by this revision carries (its PostgreSQL
# comment), so that the downgrade turns back those columns and no other.
WAS_WITHOUT_ZONE = "qurb 0005: timestamp without time zone before"


def _column_type(bind: Any, table: str, column: str) -> str | None:
    kind = bind.scalar(
        sa.text(
            "SELECT data_type FROM information_schema.columns WHERE table_name = :t "
            "AND column_name = :c AND table_schema = current_schema()"
        ),
        {"t": table, "c": column},
    )
    return None if kind is None else str(kind)


def _comment(bind: Any, table: str, column: str) -> str | None:
    comment = bind.scalar(
        sa.text(
            "SELECT col_description(c.oid, a.attnum) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema() "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = :c "
            "WHERE c.relname = :t"
        ),
        {"t": table, "c": column},
    )
    return None if comment is None else str(comment)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table, column in TIMESTAMPS:
            if _column_type(bind, table, column) == "timestamp without time zone":
                op.execute(
                    f"ALTER TABLE {table} ALTER COLUMN {column} TYPE timestamptz "
                    f"USING {column} AT TIME ZONE 'UTC'"
                )
                op.execute(f"COMMENT ON COLUMN {table}.{column} IS '{WAS_WITHOUT_ZONE}'")
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
    """On PostgreSQL, the columns the upgrade turned into `timestamptz` (those with its
    note) are `timestamp without time zone` again, holding their UTC time as before; the
    columns 0001-0004 made `timestamptz` stay so. SQLite kept its text: nothing to undo.

    The caravan batch keys stay as stored: the code of revision 0004 since the duplicate
    check compares rows as stored computes these very keys, and the keys of the rows as
    written, from files no longer kept, cannot be made again."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, column in TIMESTAMPS:
        if _comment(bind, table, column) == WAS_WITHOUT_ZONE:
            op.execute(
                f"ALTER TABLE {table} ALTER COLUMN {column} TYPE timestamp without time zone "
                f"USING {column} AT TIME ZONE 'UTC'"
            )
            op.execute(f"COMMENT ON COLUMN {table}.{column} IS NULL")
