"""Alerts the time-based jobs raise (`platform.jobs`): what happened (its kind, its words
as a catalogue key with JSON values, so that each reader sees it in their language),
about what (a subject kind and id, a territory), and for whom: the accounts whose grants
hold a permission over that territory, and/or one account named. Who reads which alert is
identity's rule (`identity.alerts_api`), which sits above; so are the read marks' writes.

An alert is raised once: its dedupe key is unique, and `raise_alert` of a key already
kept raises nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, and_, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from qurb.platform.tables import Base, UTCDateTime

MAX_LISTED = 500  # alerts a reader is shown, newest first


class AlertRow(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(100))
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[str] = mapped_column(String(200))
    territory_code: Mapped[str | None] = mapped_column(String(32))
    words_key: Mapped[str] = mapped_column(String(100))
    words_values: Mapped[str] = mapped_column(Text)  # JSON object
    permission: Mapped[str | None] = mapped_column(String(64))
    account_id: Mapped[int | None] = mapped_column(Integer, index=True)
    raised_at = mapped_column(UTCDateTime, nullable=False, index=True)
    emailed_at = mapped_column(UTCDateTime, nullable=True)


class AlertReadRow(Base):
    __tablename__ = "alert_reads"

    alert_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    read_at = mapped_column(UTCDateTime, nullable=False)


@dataclass(frozen=True)
class NewAlert:
    """An alert a job raises. `permission` with `territory_code`: the accounts whose grants
    hold it over that territory (or over the whole country when the territory is None);
    `account_id`: that account. At least one of the two."""

    kind: str
    dedupe_key: str
    subject_kind: str
    subject_id: str
    words_key: str
    words_values: Mapping[str, Any] = field(default_factory=dict)
    territory_code: str | None = None
    permission: str | None = None
    account_id: int | None = None

    def __post_init__(self) -> None:
        if self.permission is None and self.account_id is None:
            raise ValueError("an alert needs its recipients: a permission or an account")
        if not self.dedupe_key.strip():
            raise ValueError("an alert needs its dedupe key")


@dataclass(frozen=True)
class Alert:
    id: int
    kind: str
    dedupe_key: str
    subject_kind: str
    subject_id: str
    territory_code: str | None
    words_key: str
    words_values: Mapping[str, Any]
    permission: str | None
    account_id: int | None
    raised_at: datetime
    emailed_at: datetime | None


def to_alert(row: AlertRow) -> Alert:
    return Alert(
        id=row.id,
        kind=row.kind,
        dedupe_key=row.dedupe_key,
        subject_kind=row.subject_kind,
        subject_id=row.subject_id,
        territory_code=row.territory_code,
        words_key=row.words_key,
        words_values=json.loads(row.words_values),
        permission=row.permission,
        account_id=row.account_id,
        raised_at=row.raised_at,
        emailed_at=row.emailed_at,
    )


def raise_alert(session: Session, alert: NewAlert, now: datetime) -> int | None:
    """Keep the alert, in the session's transaction: its id, or None when one under the
    same dedupe key was raised before (nothing is raised twice)."""
    if session.scalar(select(AlertRow.id).where(AlertRow.dedupe_key == alert.dedupe_key)):
        return None
    row = AlertRow(
        kind=alert.kind,
        dedupe_key=alert.dedupe_key,
        subject_kind=alert.subject_kind,
        subject_id=alert.subject_id,
        territory_code=alert.territory_code,
        words_key=alert.words_key,
        words_values=json.dumps(dict(alert.words_values), sort_keys=True),
        permission=alert.permission,
        account_id=alert.account_id,
        raised_at=now,
        emailed_at=None,
    )
    session.add(row)
    session.flush()
    return row.id


def candidate_alerts(
    session: Session, account_id: int, permissions: Sequence[str], before: int | None = None
) -> list[Alert]:
    """The newest alerts (a batch of MAX_LISTED, older than the id `before` if given)
    naming the account or needing one of `permissions`: the caller keeps those whose
    territory the account's grants cover, and asks for the next batch if it needs more."""
    wanted = or_(
        AlertRow.account_id == account_id,
        AlertRow.permission.in_(sorted(permissions)),
    )
    if before is not None:
        wanted = and_(wanted, AlertRow.id < before)
    rows = session.scalars(
        select(AlertRow).where(wanted).order_by(AlertRow.id.desc()).limit(MAX_LISTED)
    ).all()
    return [to_alert(row) for row in rows]


def read_marks(session: Session, account_id: int, alert_ids: Sequence[int]) -> dict[int, datetime]:
    """When the account marked each of these alerts read (the unread are left out)."""
    if not alert_ids:
        return {}
    rows = session.execute(
        select(AlertReadRow.alert_id, AlertReadRow.read_at).where(
            AlertReadRow.account_id == account_id, AlertReadRow.alert_id.in_(alert_ids)
        )
    ).all()
    return {alert_id: read_at for alert_id, read_at in rows}


def get_alert(session: Session, alert_id: int) -> Alert | None:
    row = session.get(AlertRow, alert_id)
    return None if row is None else to_alert(row)


def mark_read(session: Session, alert_id: int, account_id: int, now: datetime) -> datetime:
    """The account's read mark on the alert (the first one kept), in the session's
    transaction; the caller checks who may and records it in the audit trail."""
    row = session.get(AlertReadRow, (alert_id, account_id), with_for_update=True)
    if row is not None:
        return row.read_at
    session.add(AlertReadRow(alert_id=alert_id, account_id=account_id, read_at=now))
    session.flush()
    return now


def unemailed(session: Session, alert_ids: Sequence[int]) -> list[Alert]:
    if not alert_ids:
        return []
    rows = session.scalars(
        select(AlertRow)
        .where(AlertRow.id.in_(alert_ids), AlertRow.emailed_at.is_(None))
        .order_by(AlertRow.id)
        .with_for_update()
    ).all()
    return [to_alert(row) for row in rows]


def unemailed_since(session: Session, since: datetime) -> list[int]:
    """The ids of the alerts raised since `since` that no e-mail has gone out for yet (a
    run whose SMTP server failed: the next run tries them again)."""
    rows = session.scalars(
        select(AlertRow.id).where(AlertRow.emailed_at.is_(None), AlertRow.raised_at >= since)
    )
    return list(rows)


def mark_emailed(session: Session, alert_id: int, now: datetime) -> None:
    row = session.get(AlertRow, alert_id, with_for_update=True)
    if row is not None:
        row.emailed_at = now
