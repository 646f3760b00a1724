"""facility services: the services each facility offers, kept per facility

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 15:10:00

Rows of an older database keep NULL, read as their category's defaults, except the units
that the bundled `facility_services.csv` classes (the CHU units, HIR, while still HIR):
those get their category's defaults and the file's lines, so that an upgraded database
tells a general hospital from an oncology centre as a new one does.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("facilities") as batch:
        batch.add_column(sa.Column("services", sa.JSON(), nullable=True))
    from qurb.data import read_bundled_csv
    from qurb.registry.facility_services import apply_service_lines, parse_service_lines

    bind = op.get_bind()
    facilities = sa.table(
        "facilities",
        sa.column("id", sa.String),
        sa.column("category", sa.String),
        sa.column("services", sa.JSON),
    )
    category_of = {
        row.id: row.category
        for row in bind.execute(sa.select(facilities.c.id, facilities.c.category))
        if row.category == "HIR"  # a unit re-categorised since keeps its new category's
    }
    rows = [r for r in read_bundled_csv("facility_services.csv") if r["facility_id"] in category_of]
    by_facility = defaultdict(list)
    for line in parse_service_lines(rows, "facility_services.csv", category_of):
        by_facility[line.facility_id].append(line)
    for facility_id, lines in by_facility.items():
        bind.execute(
            facilities.update()
            .where(facilities.c.id == facility_id)
            .values(services=apply_service_lines(category_of[facility_id], lines))
        )


def downgrade() -> None:
    with op.batch_alter_table("facilities") as batch:
        batch.drop_column("services")
