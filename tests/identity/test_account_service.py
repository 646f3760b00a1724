"""Accounts in the database, on SQLite and PostgreSQL: creating them, their passwords, the
sign-in check and its throttle with the clock frozen, API tokens; each write audited, no
refused one, no secret in the trail."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from qurb.identity import account_service, passwords, token_service
from qurb.identity._account_tables import AccountRow, AccountTokenRow, SignInFailureRow
from qurb.identity.account_service import NewAccount
from qurb.identity.accounts import AccountInputError
from qurb.identity.passwords import Argon2Parameters
from qurb.kernel.errors import Conflict, Forbidden, InputError
from qurb.platform.database import transaction
from tests.identity.accounts_db import CHEAP, LOCAL, PASSWORD, START, Db, dumped, sign_in


def failures(db: Db) -> int:
    with transaction(db.factory) as session:
        return session.scalar(select(func.count()).select_from(SignInFailureRow)) or 0


# ---------------------------------------------------------------------------- accounts


def test_an_account_is_created_hashed_and_audited_without_its_name(db: Db) -> None:
    account_id = db.create("Amina", email="amina@example.ma", must_change_password=True)
    with transaction(db.factory) as session:
        row = session.get(AccountRow, account_id)
        assert row is not None
        assert (row.username, row.username_key, row.email) == ("Amina", "amina", "amina@example.ma")
        assert row.must_change_password and not row.disabled
        assert row.password_hash is not None and row.password_hash.startswith("$argon2id$")
        assert PASSWORD not in row.password_hash
        assert row.created_at == START
        assert account_service.get_account(session, "AMINA").id == account_id
    [entry] = db.entries()
    assert (entry.action, entry.entity_kind, entry.entity_id) == (
        "account.create",
        "account",
        str(account_id),
    )
    assert (entry.actor, entry.actor_kind) == ("root", "local")
    text = dumped(db.entries())
    assert "Amina" not in text and "amina" not in text and "argon2" not in text


def test_usernames_are_unique_whatever_their_case(db: Db) -> None:
    db.create("amina", must_change_password=True)
    with pytest.raises(Conflict) as taken, transaction(db.factory) as session:
        new = NewAccount("AMINA", "Another", "a different password")
        account_service.create_account(session, LOCAL, new, signer=db.key)
    assert taken.value.code == "account_username_taken"
    assert len(db.entries()) == 1


@pytest.mark.parametrize(
    ("username", "password", "code"),
    [
        ("youssef", "short pass", "account_password_length"),
        ("youssef", "x" * 257, "account_password_length"),
        ("youssef", "my name is YOUSSEF ok", "account_password_has_username"),
        ("you sef", PASSWORD, "account_bad_username"),
        ("y" * 65, PASSWORD, "account_bad_username"),
        ("é-lève", PASSWORD, "account_bad_username"),
        ("Anonymised-3", PASSWORD, "account_bad_username"),  # kept for anonymised accounts
    ],
)
def test_bad_names_and_passwords_are_refused_and_nothing_is_written(
    db: Db, username: str, password: str, code: str
) -> None:
    with transaction(db.factory) as session:
        with pytest.raises(AccountInputError) as refused:
            new = NewAccount(username, "Youssef", password)
            account_service.create_account(session, LOCAL, new, signer=db.key)
        assert refused.value.code == code
        assert session.scalar(select(func.count()).select_from(AccountRow)) == 0
    assert db.entries() == []  # committed after the refusal: the service wrote nothing


# ----------------------------------------------------------------------------- sign-in


def test_a_right_password_signs_in_and_is_audited(db: Db) -> None:
    account_id = db.create("amina", must_change_password=True)
    db.clock.advance(minutes=5)
    outcome = sign_in(db, "Amina")
    assert outcome.account is not None and outcome.account.id == account_id
    assert outcome.account.last_sign_in_at == START + timedelta(minutes=5)
    assert outcome.account.must_change_password  # the page will ask for a new one
    last = db.entries()[-1]
    assert (last.action, last.actor, last.actor_kind) == (
        "account.sign_in",
        str(account_id),
        "account",
    )
    assert last.after == {"address": "10.0.0.1"}


def test_a_wrong_password_and_an_unknown_user_get_the_same_refusal(db: Db) -> None:
    account_id = db.create("amina")
    wrong = sign_in(db, "amina", "not the password at all")
    unknown = sign_in(db, "nobody", PASSWORD)
    assert wrong.account is None and unknown.account is None
    assert wrong.refusal == unknown.refusal == "account_sign_in_refused"
    with pytest.raises(Forbidden) as raised:
        wrong.raise_if_refused()
    assert raised.value.code == "account_sign_in_refused"
    failed = [e for e in db.entries() if e.action == "account.sign_in_failed"]
    assert [(e.entity_id, e.after) for e in failed] == [
        (str(account_id), {"address": "10.0.0.1", "reason": "wrong_password"}),
        ("unknown", {"address": "10.0.0.1", "reason": "unknown_user"}),
    ]
    assert failed[0].actor_kind == "system"
    assert "not the password" not in dumped(db.entries()) and "nobody" not in dumped(db.entries())
    assert failures(db) == 2


def test_an_unknown_user_costs_a_hash_check(db: Db, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    real = passwords.spend_like_a_check
    monkeypatch.setattr(passwords, "spend_like_a_check", lambda p: (checked.append(p), real(p)))
    sign_in(db, "nobody", "some password 123")
    assert checked == ["some password 123"]


def test_the_fifth_failure_starts_a_growing_wait(db: Db) -> None:
    db.create("amina")
    for _ in range(5):
        assert sign_in(db, "amina", "wrong password!!").refusal == "account_sign_in_refused"
    entries = len(db.entries())
    db.clock.advance(seconds=0.5)
    throttled = sign_in(db, "amina")  # the right password, refused unchecked
    assert (throttled.refusal, throttled.retry_after_s) == ("account_sign_in_throttled", 1)
    assert len(db.entries()) == entries and failures(db) == 5  # neither audited nor counted
    db.clock.advance(seconds=0.5)  # 1 s after the 5th failure: checked again
    assert sign_in(db, "amina", "wrong password!!").refusal == "account_sign_in_refused"
    db.clock.advance(seconds=1)  # the 6th failure makes it 2 s
    assert sign_in(db, "amina").retry_after_s == 1
    db.clock.advance(seconds=1)
    assert sign_in(db, "amina").account is not None
    assert failures(db) == 0  # the account's failures are cleared by its sign-in


@pytest.mark.parametrize("known", [True, False])
def test_an_unknown_username_is_throttled_exactly_as_a_known_one(db: Db, known: bool) -> None:
    """Failures count by the folded username whether or not it exists, each from its own
    address: the answers for `amina` (an account) and `omar` (none) are the same."""
    db.create("amina")
    name = "amina" if known else "omar"
    answers = []
    for i in range(6):
        outcome = sign_in(db, name.upper() if i % 2 else name, "wrong password!!", f"10.1.0.{i}")
        answers.append((outcome.account, outcome.refusal, outcome.retry_after_s))
    db.clock.advance(seconds=0.5)
    late = sign_in(db, f" {name.capitalize()} ", "wrong password!!", address="10.2.0.1")
    answers.append((late.account, late.refusal, late.retry_after_s))
    refused = (None, "account_sign_in_refused", None)
    assert answers == [refused] * 5 + [(None, "account_sign_in_throttled", 1)] * 2
    assert failures(db) == 5


def test_failures_from_one_address_hold_back_every_account_from_it(db: Db) -> None:
    db.create("amina")
    for name in ("a1", "a2", "a3", "a4", "a5"):  # 5 unknown users from one address
        assert sign_in(db, name, "guess guess guess", address="198.51.100.7").refusal == (
            "account_sign_in_refused"
        )
    assert sign_in(db, "a6", "guess guess guess", address="198.51.100.7").retry_after_s == 1
    assert sign_in(db, "amina", address="198.51.100.7").retry_after_s == 1
    assert failures(db) == 5
    assert sign_in(db, "amina", address="203.0.113.9").account is not None
    db.clock.advance(minutes=15)  # the failures leave the window
    assert sign_in(db, "amina", address="198.51.100.7").account is not None


def test_the_wait_is_capped_at_fifteen_minutes(db: Db) -> None:
    db.create("amina")
    with transaction(db.factory) as session:
        account_id = account_service.get_account(session, "amina").id
        for i in range(30):  # 30 failures within the window, the last one now
            moment = db.clock.moment - timedelta(seconds=30 - i)
            session.add(
                SignInFailureRow(
                    username_key="amina", account_id=account_id, address=None, time=moment
                )
            )
    assert sign_in(db, "amina").retry_after_s == 15 * 60 - 1


def test_a_disabled_account_is_refused_even_with_its_password(db: Db) -> None:
    db.create("amina")
    with transaction(db.factory) as session:
        account_service.set_disabled(session, LOCAL, "amina", True, signer=db.key)
    outcome = sign_in(db, "amina")
    assert outcome.refusal == "account_disabled"
    assert db.entries()[-1].after == {"address": "10.0.0.1", "reason": "disabled"}
    assert [e.action for e in db.entries()][-2] == "account.disable"


def test_a_changed_hashing_parameter_rehashes_at_the_next_sign_in(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    account_id = db.create("amina")
    with transaction(db.factory) as session:
        before = session.get(AccountRow, account_id).password_hash  # type: ignore[union-attr]
    assert before is not None and ",t=1," in before
    monkeypatch.setattr(passwords, "PARAMETERS", Argon2Parameters(2, CHEAP.memory_cost_kib, 1))
    assert sign_in(db, "amina").account is not None
    with transaction(db.factory) as session:
        after = session.get(AccountRow, account_id).password_hash  # type: ignore[union-attr]
    assert after is not None and ",t=2," in after and after != before
    assert sign_in(db, "amina").account is not None  # the new hash checks


def test_changing_and_resetting_a_password(db: Db) -> None:
    account_id = db.create("amina")
    with transaction(db.factory) as session:
        with pytest.raises(Forbidden):
            account_service.change_password(
                session, account_id, "not it at all", "a new long secret", signer=db.key
            )
        account_service.change_password(
            session, account_id, PASSWORD, "a new long secret", signer=db.key
        )
    assert sign_in(db, "amina", "a new long secret").account.must_change_password is False  # type: ignore[union-attr]
    with transaction(db.factory) as session:
        account_service.reset_password(session, LOCAL, "amina", "reset by the admin", signer=db.key)
    assert sign_in(db, "amina", "reset by the admin").account.must_change_password  # type: ignore[union-attr]
    actions = [e.action for e in db.entries()]
    assert actions.count("account.change_password") == 1 and "account.reset_password" in actions
    assert "argon2" not in dumped(db.entries()) and "secret" not in dumped(db.entries())


# ------------------------------------------------------------------------------ tokens


def test_a_token_is_shown_once_stored_hashed_and_acts_for_its_account(db: Db) -> None:
    account_id = db.create("amina")
    with transaction(db.factory) as session:
        issued = token_service.create_token(
            session, LOCAL, account_id, "nightly export", signer=db.key
        )
    secret = issued.secret
    assert secret.startswith("qurb_") and len(secret) == token_service.TOKEN_CHARS
    assert issued.info.expires_at == START + timedelta(days=90)
    with transaction(db.factory) as session:
        row = session.get(AccountTokenRow, issued.info.id)
        assert row is not None and row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        check = token_service.verify_token(session, secret)
        assert check.account is not None and check.account.id == account_id
    with transaction(db.factory) as session:
        assert session.get(AccountTokenRow, issued.info.id).last_used_at == START  # type: ignore[union-attr]
    text = dumped(db.entries())
    assert secret not in text and row.token_hash not in text
    assert db.entries()[-1].action == "token.create"


def test_tokens_refused_unknown_expired_revoked_or_of_a_disabled_account(db: Db) -> None:
    account_id = db.create("amina")
    with transaction(db.factory) as session:
        short = token_service.create_token(
            session, LOCAL, account_id, "short", days=1, signer=db.key
        )
        revoked = token_service.create_token(session, LOCAL, account_id, "old", signer=db.key)
        token_service.revoke_token(session, LOCAL, revoked.info.id, signer=db.key)
        kept = token_service.create_token(session, LOCAL, account_id, "kept", signer=db.key)

    def refusal(token: str) -> str | None:
        with transaction(db.factory) as session:
            return token_service.verify_token(session, token).refusal

    assert refusal("qurb_" + "A" * 43) == "token_unknown"
    assert refusal("x" * 10_000) == "token_unknown"
    assert refusal(revoked.secret) == "token_revoked"
    assert refusal(short.secret) is None
    db.clock.advance(days=1)
    assert refusal(short.secret) == "token_expired"
    assert refusal(kept.secret) is None
    with transaction(db.factory) as session:
        account_service.set_disabled(session, LOCAL, "amina", True, signer=db.key)
    assert refusal(kept.secret) == "token_account_disabled"
    with transaction(db.factory) as session:
        check = token_service.verify_token(session, kept.secret)
    with pytest.raises(Forbidden) as raised:
        check.raise_if_refused()
    assert raised.value.code == "token_account_disabled"


def test_a_token_lasts_at_most_a_year_and_is_revoked_once(db: Db) -> None:
    account_id = db.create("amina")
    before = len(db.entries())
    with transaction(db.factory) as session:
        with pytest.raises(InputError) as long:
            token_service.create_token(session, LOCAL, account_id, "long", days=366, signer=db.key)
        assert long.value.code == "token_bad_expiry"
        issued = token_service.create_token(
            session, LOCAL, account_id, "year", days=365, signer=db.key
        )
        token_service.revoke_token(session, LOCAL, issued.info.id, signer=db.key)
        with pytest.raises(Conflict):
            token_service.revoke_token(session, LOCAL, issued.info.id, signer=db.key)
    assert [e.action for e in db.entries()[before:]] == ["token.create", "token.revoke"]
