"""Nothing about a person is kept once it serves no purpose: ended sessions (expired,
idle, signed out) and failed sign-ins older than a day are deleted at the next sign-in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from qurb.identity import web_sessions
from qurb.identity._account_tables import SignInFailureRow, WebSessionRow
from qurb.platform.database import transaction
from tests.identity.accounts_db import Db, sign_in

POLICY = web_sessions.SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))


def _counts(db: Db) -> tuple[int, int]:
    with transaction(db.factory) as session:
        sessions = session.scalar(select(func.count()).select_from(WebSessionRow))
        failures = session.scalar(select(func.count()).select_from(SignInFailureRow))
        return int(sessions or 0), int(failures or 0)


def test_ended_sessions_and_day_old_failures_are_deleted_at_the_next_sign_in(db: Db) -> None:
    account_id = db.create("amina")
    assert sign_in(db, "amina", "not the password").account is None  # one failure
    with transaction(db.factory) as session:
        first = web_sessions.open_session(session, account_id, POLICY)
        signed_out = web_sessions.open_session(session, account_id, POLICY)
        web_sessions.close_session(session, signed_out.id_hash)
    assert _counts(db) == (2, 1)
    db.clock.advance(minutes=31)  # the first is idle now; the failure is not a day old
    with transaction(db.factory) as session:
        web_sessions.open_session(session, account_id, POLICY)
        assert session.get(WebSessionRow, first.id_hash) is None
    assert _counts(db) == (1, 1)
    db.clock.advance(days=1)
    with transaction(db.factory) as session:
        web_sessions.open_session(session, account_id, POLICY)
    assert _counts(db) == (1, 0)
