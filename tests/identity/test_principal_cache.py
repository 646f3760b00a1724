"""Who a token is, kept between requests: the second request of a token reads the audit
trail's head alone (one statement); any audited change (a grant taken back, the account
disabled) is seen by the very next request, and a kept answer is read again after the
minute in which its use is noted; on SQLite and PostgreSQL (the small region)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit.service import signer_for
from qurb.identity import account_service, grant_service
from qurb.identity.principal import Principal
from qurb.identity.principal_cache import KEPT_FOR, KeptPrincipals
from qurb.identity.web_sessions import SessionPolicy, resolver
from qurb.kernel import clock
from qurb.platform.auth import Credentials, Resolution
from qurb.platform.database import transaction
from qurb.territory.service import TerritoryIndex
from tests.accounts import ROOT, add_account

Factory = Callable[..., sessionmaker[Session]]


@pytest.fixture
def factory(small_region_db: Factory) -> sessionmaker[Session]:
    return small_region_db()


@pytest.fixture
def statements(factory: sessionmaker[Session]) -> Iterator[list[str]]:
    """Every SQL statement sent on the factory's engine from now on (not the transactions'
    own BEGIN, which SQLite is sent as a statement)."""
    sent: list[str] = []
    engine = factory.kw["bind"]

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE"):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield sent
    event.remove(engine, "before_cursor_execute", note)


def _principal(found: Resolution) -> Principal:
    assert found.refusal is None and isinstance(found.principal, Principal)
    return found.principal


def test_a_kept_answer_costs_one_statement_and_an_audited_change_ends_it(
    factory: sessionmaker[Session], statements: list[str]
) -> None:
    amina = add_account(factory, "amina")
    resolve = resolver(factory, SessionPolicy())
    token = Credentials(bearer=amina.token)
    first = _principal(resolve(token))
    assert [g.live for g in first.grants] == [True]
    statements.clear()
    assert _principal(resolve(token)) == first
    assert len(statements) == 1 and "audit_head" in statements[0]
    # A grant taken back (audited): the next request reads the grants again.
    with transaction(factory) as session:
        index = TerritoryIndex.from_session(session)
        grant_service.revoke(
            session, ROOT, first.grants[0].id, index=index, signer=signer_for(session)
        )
    statements.clear()
    assert _principal(resolve(token)).grants == ()  # only the grants in force
    assert len(statements) > 1
    # The account disabled (audited): the token is refused at once.
    with transaction(factory) as session:
        account_service.set_disabled(session, ROOT, "amina", True, signer=signer_for(session))
    assert resolve(token).refusal == "token_account_disabled"


def test_a_kept_answer_is_read_again_after_its_minute(
    factory: sessionmaker[Session], statements: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    amina = add_account(factory, "amina")
    resolve = resolver(factory, SessionPolicy())
    token = Credentials(bearer=amina.token)
    resolve(token)
    later = clock.now() + KEPT_FOR + timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    statements.clear()
    assert _principal(resolve(token)).account is not None
    assert len(statements) > 1  # read again, its use noted
    statements.clear()
    resolve(token)
    assert len(statements) == 1


def test_refusals_are_not_kept_and_the_oldest_answer_goes_first() -> None:
    kept = KeptPrincipals(max_kept=2)
    now = clock.now()
    until = now + KEPT_FOR
    answers = {name: Resolution(Principal()) for name in ("a", "b", "c")}
    for name, answer in answers.items():
        kept.put(Credentials(bearer=name), 7, answer, until)
    assert len(kept) == 2
    assert kept.get(Credentials(bearer="a"), 7, now) is None  # dropped: the oldest
    assert kept.get(Credentials(bearer="c"), 7, now) is answers["c"]
    assert kept.get(Credentials(bearer="c"), 8, now) is None  # the head moved on
    assert kept.get(Credentials(bearer="b"), 7, until) is None  # its time is up
    # A bearer token and a session id of the same text are two credentials.
    kept.put(Credentials(session="b"), 7, answers["b"], until)
    assert kept.get(Credentials(bearer="b"), 7, now) is None
