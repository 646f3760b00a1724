"""SQLAlchemy tables of a convention's deliverables (a `conventions_deliverable` prefix):
the deliverable with its indicator, the objects it concerns, its actuals per period (every
report kept, the latest of a period its current value) and its evidence (convention
documents tied to it). Typed indicator values are numbers (yes 1, no 0); unknown is
NULL. Portable SQL only."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qurb.platform.tables import Base, UTCDateTime, row_version

VALUE = Numeric(18, 4)


def _part() -> Mapped[int | None]:
    return mapped_column(Integer, nullable=True)


class DeliverableRow(Base):
    __tablename__ = "conventions_deliverables"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    convention_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conventions_conventions.id"), index=True
    )
    what_fr: Mapped[str] = mapped_column(Text)
    what_ar: Mapped[str | None] = mapped_column(Text)
    owner_partner_id: Mapped[str] = mapped_column(String(80), ForeignKey("partners.id"), index=True)
    article_number: Mapped[int | None] = mapped_column(Integer)
    deadline_year: Mapped[int | None] = _part()
    deadline_month: Mapped[int | None] = _part()
    deadline_day: Mapped[int | None] = _part()
    weight: Mapped[Decimal | None] = mapped_column(VALUE)
    status: Mapped[str] = mapped_column(String(16), index=True)
    indicator_kind: Mapped[str] = mapped_column(String(16))
    indicator_unit: Mapped[str | None] = mapped_column(String(80))
    baseline: Mapped[Decimal | None] = mapped_column(VALUE)
    target: Mapped[Decimal | None] = mapped_column(VALUE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = row_version()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it


class DeliverableReferenceRow(Base):
    """An object the deliverable concerns: its kind and its id in its own table."""

    __tablename__ = "conventions_deliverable_refs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deliverable_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conventions_deliverables.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(80))


class DeliverableActualRow(Base):
    """One report of the indicator's actual for a period (a year or a year-month)."""

    __tablename__ = "conventions_deliverable_actuals"
    __table_args__ = (
        Index("ix_conventions_deliverable_actuals_period", "deliverable_id", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deliverable_id: Mapped[int] = mapped_column(Integer, ForeignKey("conventions_deliverables.id"))
    period: Mapped[str] = mapped_column(String(7))
    value: Mapped[Decimal | None] = mapped_column(VALUE)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(120))


class DeliverableDocumentRow(Base):
    """A convention document given as the deliverable's evidence."""

    __tablename__ = "conventions_deliverable_documents"

    deliverable_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conventions_deliverables.id"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conventions_documents.id"), primary_key=True
    )


class DeliverableChangeRow(Base):
    """One field of a deliverable changed after it was added: the value it replaced and
    the new one as text (a deadline in ISO 8601's partial forms, a number as a decimal,
    NULL for unknown), who, when and the amendment (avenant) that made it, if one did."""

    __tablename__ = "conventions_deliverable_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deliverable_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conventions_deliverables.id"), index=True
    )
    field: Mapped[str] = mapped_column(String(16))
    previous: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    amendment_number: Mapped[int | None] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by: Mapped[str] = mapped_column(String(120))
