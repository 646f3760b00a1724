"""SQLAlchemy tables of the registry. Portable SQL only: SQLite by default, PostgreSQL too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from qurb.platform.tables import Base, UTCDateTime


class ScenarioRow(Base):
    """A saved planning scenario (a siting run, a what-if): its parameters and its result,
    as JSON, so that scenarios can be listed, shown again and compared."""

    __tablename__ = "scenarios"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24), index=True)
    territory_code: Mapped[str] = mapped_column(String(16), ForeignKey("territories.code"))
    params: Mapped[dict[str, object]] = mapped_column(JSON)
    result: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    # The partner the saving account acted for (None: a local actor, or no partner), and
    # who may see it: "partner" (that partner's accounts, administrators) or "public".
    partner_id: Mapped[str | None] = mapped_column(String(80), index=True)
    visibility: Mapped[str] = mapped_column(
        String(16), nullable=False, default="partner", server_default="partner"
    )
