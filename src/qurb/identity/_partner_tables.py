"""The partners' tables: private to `qurb.identity` (and the migrations).

Contacts are rows of their own (`partner_contacts`), not a JSON column: they are personal
data (names, emails, phones of people; law 09-08), so each can be found, exported and
erased on its own, and each value is bounded by its column on SQLite and PostgreSQL alike.
`facility_id` names a registry facility without a foreign key: identity sits below the
registry, which checks it through the lookup the composition root hands over."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from qurb.platform.tables import Base, UTCDateTime, row_version


class PartnerRow(Base):
    __tablename__ = "partners"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name_fr: Mapped[str] = mapped_column(String(300))
    name_ar: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    territory_code: Mapped[str] = mapped_column(
        String(16), ForeignKey("territories.code"), index=True
    )
    facility_id: Mapped[str | None] = mapped_column(String(80))
    iati_ref: Mapped[str | None] = mapped_column(String(100))  # IATI organisation identifier
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = row_version()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it


class PartnerContactRow(Base):
    """One contact person of a partner, at its place in the partner's list."""

    __tablename__ = "partner_contacts"

    partner_id: Mapped[str] = mapped_column(
        String(80), ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    function: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
