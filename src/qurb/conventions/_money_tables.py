"""SQLAlchemy tables of a convention's money (a `conventions_` prefix): each party's
contributions (money or in kind) with the history of their amounts, a money
contribution's planned tranches, and the disbursements and expenditures made. Money is
`Numeric(14, 2)` in MAD; unknown is NULL, never 0. Portable SQL only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qurb.platform.tables import Base, UTCDateTime, row_version

CONVENTION = "conventions_conventions.id"


def _money() -> Mapped[Decimal | None]:
    return mapped_column(Numeric(14, 2), nullable=True)


class ContributionRow(Base):
    """What a party brings: money (its committed amount) or in kind (a quantity with its
    unit, valued in MAD with a stated method); `item` groups co-funded contributions."""

    __tablename__ = "conventions_contributions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    convention_id: Mapped[int] = mapped_column(Integer, ForeignKey(CONVENTION), index=True)
    partner_id: Mapped[str] = mapped_column(String(80), ForeignKey("partners.id"), index=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(24))
    item: Mapped[str | None] = mapped_column(String(80))
    description_fr: Mapped[str | None] = mapped_column(Text)
    description_ar: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = _money()
    quantity: Mapped[Decimal | None] = _money()
    unit: Mapped[str | None] = mapped_column(String(24))
    profession: Mapped[str | None] = mapped_column(String(80))
    specialty: Mapped[str | None] = mapped_column(String(80))
    valuation: Mapped[Decimal | None] = _money()
    valuation_method: Mapped[str | None] = mapped_column(Text)
    equipment_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("equipment.id"))
    facility_id: Mapped[str | None] = mapped_column(String(80), ForeignKey("facilities.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = row_version()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it


class ContributionChangeRow(Base):
    """One change of a contribution's amount, quantity or valuation: the value it
    replaced, who changed it, when, and the amendment that changed it (if any)."""

    __tablename__ = "conventions_contribution_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contribution_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conventions_contributions.id"), index=True
    )
    field: Mapped[str] = mapped_column(String(16))
    previous: Mapped[Decimal | None] = _money()
    value: Mapped[Decimal | None] = _money()
    amendment_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by: Mapped[str] = mapped_column(String(120))


class TrancheRow(Base):
    """A planned tranche of a money contribution: due (a partial date), its amount and
    an optional condition."""

    __tablename__ = "conventions_tranches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contribution_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conventions_contributions.id"), index=True
    )
    due_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    due_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    due_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    amount: Mapped[Decimal | None] = _money()
    condition: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = row_version()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it


class DisbursementRow(Base):
    """Money paid (a disbursement) or spent (an expenditure) by a party, against one of
    its money contributions, to a party of the convention or a named payee."""

    __tablename__ = "conventions_disbursements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    convention_id: Mapped[int] = mapped_column(Integer, ForeignKey(CONVENTION), index=True)
    contribution_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conventions_contributions.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    on: Mapped[date | None] = mapped_column(Date, nullable=True)
    amount: Mapped[Decimal | None] = _money()
    from_partner_id: Mapped[str] = mapped_column(String(80), ForeignKey("partners.id"))
    to_partner_id: Mapped[str | None] = mapped_column(String(80), ForeignKey("partners.id"))
    to_payee: Mapped[str | None] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = row_version()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it
