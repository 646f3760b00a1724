"""Who reads which alert (`platform.alerts`), and the read marks: an alert names one
account, or a permission over a territory, and reaches every account whose live grants
hold that permission over it (over the whole country when it names no territory). The
same rule picks an alert's e-mail recipients."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.identity._account_tables import AccountGrantRow, AccountRow
from qurb.identity.grant_service import target_in, to_grant
from qurb.identity.principal import Principal
from qurb.identity.scopes import Target, covers
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import NotFound
from qurb.kernel.i18n import translate
from qurb.platform import alerts as store
from qurb.platform.alerts import Alert
from qurb.platform.mail import Mailer
from qurb.territory.service import TerritoryIndex

LANGS = ("fr", "ar", "en")


@dataclass(frozen=True)
class ReadableAlert:
    alert: Alert
    read_at: datetime | None


def alert_target(index: TerritoryIndex, alert: Alert) -> Target:
    """The alert's territory with its ancestors (none: only a nation-wide grant covers
    it); a code the index does not know is taken alone."""
    code = alert.territory_code
    if code is None:
        return Target()
    if code not in index.by_code:
        return Target((code,))
    return target_in(index, code)


def sees(principal: Principal, index: TerritoryIndex, alert: Alert) -> bool:
    account = principal.account
    if account is None:
        return False
    if alert.account_id is not None and alert.account_id == account.id:
        return True
    if alert.permission is None:
        return False
    held = principal.permissions_over(alert_target(index, alert))
    return alert.permission in {str(p) for p in held}


def alerts_for(
    session: Session, principal: Principal, index: TerritoryIndex
) -> list[ReadableAlert]:
    """The account's alerts, newest first, each with its read mark."""
    account = principal.account
    if account is None:
        return []
    permissions = [str(p) for p in principal.permissions]
    seen: list[Alert] = []
    before: int | None = None
    while len(seen) < store.MAX_LISTED:
        batch = store.candidate_alerts(session, account.id, permissions, before)
        seen.extend(a for a in batch if sees(principal, index, a))
        if len(batch) < store.MAX_LISTED:
            break
        before = batch[-1].id
    seen = seen[: store.MAX_LISTED]
    marks = store.read_marks(session, account.id, [a.id for a in seen])
    return [ReadableAlert(a, marks.get(a.id)) for a in seen]


def mark_read(
    session: Session, actor: Actor, principal: Principal, index: TerritoryIndex, alert_id: int
) -> ReadableAlert:
    """Mark the alert read for the account (again: the first mark stays), audited; an
    alert the account does not see is not named, whether or not it exists."""
    account = principal.account
    alert = store.get_alert(session, alert_id)
    if account is None or alert is None or not sees(principal, index, alert):
        raise NotFound(f"no alert {alert_id}", code="alert_not_found", values={"id": alert_id})
    before = store.read_marks(session, account.id, [alert_id]).get(alert_id)
    read_at = store.mark_read(session, alert_id, account.id, clock.now())
    if before is None:
        audit.record(
            session,
            actor,
            AuditEvent(
                "alert.read",
                "alert",
                str(alert_id),
                alert.territory_code,
                before=None,
                after={"account_id": account.id, "read_at": read_at.isoformat()},
            ),
        )
    return ReadableAlert(alert, read_at)


def recipients(session: Session, index: TerritoryIndex, alert: Alert) -> list[str]:
    """The e-mail addresses of the accounts the alert reaches (enabled, with an address),
    sorted, each once."""
    rows = session.execute(
        select(AccountRow.id, AccountRow.email, AccountGrantRow)
        .join(AccountGrantRow, AccountGrantRow.account_id == AccountRow.id, isouter=True)
        .where(AccountRow.disabled.is_(False), AccountRow.email.is_not(None))
    ).all()
    target = alert_target(index, alert)
    out: set[str] = set()
    for account_id, email, grant_row in rows:
        if email is None:
            continue
        if alert.account_id == account_id:
            out.add(email)
        if grant_row is None or alert.permission is None or grant_row.revoked_at is not None:
            continue
        grant = to_grant(grant_row)
        held = {str(p) for p in grant.permissions}
        if grant.live and alert.permission in held and covers(grant.scope, target):
            out.add(email)
    return sorted(out)


def alert_email(alert: Alert) -> tuple[str, str]:
    """An alert's subject (French) and body (French, Arabic, English): an account keeps
    no language, so the mail says it in the three."""
    worded = [translate(lang, alert.words_key, alert.words_values) for lang in LANGS]
    return worded[0][:150], "\n\n".join(worded) + "\n"


def email_alerts(
    session: Session, mailer: Mailer, index: TerritoryIndex, alert_ids: Sequence[int]
) -> int:
    """E-mail each of these alerts not e-mailed yet to the accounts it reaches, and mark
    it e-mailed (in the session's transaction: a send that fails marks nothing); the
    number of messages sent."""
    messages: list[tuple[str, str, str]] = []
    sent: list[int] = []
    for alert in store.unemailed(session, alert_ids):
        subject, body = alert_email(alert)
        addresses = recipients(session, index, alert)
        messages.extend((to, subject, body) for to in addresses)
        if addresses:
            sent.append(alert.id)
    count = mailer.send(messages)
    now = clock.now()
    for alert_id in sent:
        store.mark_emailed(session, alert_id, now)
    return count
