"""Signing in on the web and for scripts, on SQLite and PostgreSQL, the clock frozen: the
session cookie and its flags, the CSRF token on every cookie write, bearer tokens, the
throttle's 429, the sessions' idle and absolute ends, sign-out, a password change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qurb.app.web import create_app
from qurb.audit.keys import KEY_FILE_VARIABLE
from qurb.platform.auth import SESSION_COOKIE
from qurb.platform.settings import Settings
from tests.identity.accounts_db import PASSWORD, Db
from tests.web_clients import TestClient

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def app_settings(db: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    # The server signs the audit head with the key the tests' writes used.
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(tmp_path / "audit.key"))
    return Settings(database_url=db.url)


@pytest.fixture
def web(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings), raise_server_exceptions=False) as client:
        yield client


def sign_in(client: TestClient, username: str = "amina", password: str = PASSWORD) -> str:
    """Sign in; the session's CSRF token."""
    answer = client.post("/api/auth/sign-in", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["csrf_token"]
    return token


def me(client: TestClient, **headers: str) -> dict[str, object]:
    answer = client.get("/api/auth/me", headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_signing_in_sets_a_session_cookie_and_me_names_the_account(db: Db, web: TestClient) -> None:
    account_id = db.create("amina", must_change_password=True)
    assert me(web) == {
        "anonymous": True,
        "account": None,
        "proof": None,
        "grants": [],
        "permissions": [],
        "csrf_token": None,
    }
    answer = web.post("/api/auth/sign-in", json={"username": "Amina", "password": PASSWORD})
    assert answer.status_code == 200
    body = answer.json()
    assert body["account"]["id"] == account_id and body["must_change_password"] is True
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    flags = {f.strip().split("=")[0].lower() for f in cookie.split(";")[1:]}
    assert {"httponly", "path", "samesite", "max-age"} <= flags and "secure" not in flags
    assert "samesite=lax" in cookie.lower() and "path=/" in cookie.lower()
    who = me(web)
    assert who["anonymous"] is False and who["proof"] == "session"
    assert who["csrf_token"] == body["csrf_token"]
    assert who["account"] == body["account"]


def test_the_cookie_is_secure_behind_an_https_public_url(db: Db, app_settings: Settings) -> None:
    db.create("amina")
    settings = app_settings.model_copy(update={"public_url": "https://carte.example.ma"})
    with TestClient(create_app(settings), base_url="https://carte.example.ma") as client:
        answer = client.post("/api/auth/sign-in", json={"username": "amina", "password": PASSWORD})
        assert answer.status_code == 200
        assert "secure" in answer.headers["set-cookie"].lower()


def test_a_wrong_password_and_an_unknown_user_get_the_same_answers_then_429(
    db: Db, web: TestClient
) -> None:
    db.create("amina")
    answers: dict[str, list[tuple[int, str, str | None]]] = {}
    for name in ("amina", "omar"):  # omar has no account
        answers[name] = []
        for _ in range(6):
            answer = web.post(
                "/api/auth/sign-in", json={"username": name, "password": "wrong password!!"}
            )
            answers[name].append(
                (answer.status_code, answer.json()["code"], answer.headers.get("retry-after"))
            )
    # Both names come from the same address: the address's 5 failures hold omar back too,
    # so compare each with what a fresh address and name would see.
    assert answers["amina"] == [(401, "account_sign_in_refused", None)] * 5 + [
        (429, "account_sign_in_throttled", "1")
    ]
    assert answers["omar"] == [(429, "account_sign_in_throttled", "1")] * 6
    refused = web.post("/api/auth/sign-in", json={"username": "amina", "password": PASSWORD})
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    assert refused.json()["error"] == "too many failed sign-ins: wait 1 s"
    french = web.post(
        "/api/auth/sign-in",
        json={"username": "amina", "password": PASSWORD},
        headers={"Accept-Language": "fr"},
    )
    assert french.status_code == 429 and french.json()["error"] != refused.json()["error"]
    db.clock.advance(seconds=1)
    assert sign_in(web)


def test_bad_input_is_a_422_with_codes(web: TestClient) -> None:
    answer = web.post("/api/auth/sign-in", json={"username": "amina"})
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "invalid_request"
    assert [(d["field"], d["code"]) for d in body["detail"]] == [("password", "missing")]
    long = web.post("/api/auth/sign-in", json={"username": "a", "password": "x" * 300})
    assert long.status_code == 422 and long.json()["detail"][0]["code"] == "string_too_long"


def test_a_cookie_write_needs_the_csrf_token(db: Db, web: TestClient) -> None:
    db.create("amina")
    csrf = sign_in(web)
    new_token = {"name": "laptop"}
    missing = web.post("/api/auth/tokens", json=new_token)
    assert (missing.status_code, missing.json()["code"]) == (403, "csrf_missing")
    wrong = web.post("/api/auth/tokens", json=new_token, headers={"X-CSRF-Token": "x" + csrf})
    assert (wrong.status_code, wrong.json()["code"]) == (403, "csrf_mismatch")
    made = web.post("/api/auth/tokens", json=new_token, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201 and made.json()["token"]["name"] == "laptop"
    # A form posted from another site's page: the Origin check refuses it first.
    foreign = web.post(
        "/api/auth/tokens",
        json=new_token,
        headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"},
    )
    assert (foreign.status_code, foreign.json()["code"]) == (403, "foreign_origin")
    listed = web.get("/api/auth/tokens")  # a read needs no CSRF token
    assert [t["name"] for t in listed.json()] == ["laptop"]


def test_a_bearer_token_acts_without_csrf_until_revoked_or_expired(db: Db, web: TestClient) -> None:
    account_id = db.create("amina")
    csrf = sign_in(web)
    issued = web.post(
        "/api/auth/tokens", json={"name": "script", "days": 30}, headers={"X-CSRF-Token": csrf}
    ).json()
    secret = issued["secret"]
    assert secret.startswith("qurb_")
    bearer = {"Authorization": f"Bearer {secret}"}
    with TestClient(web.app) as script:  # no cookie
        who = me(script, **bearer)
        assert who["proof"] == "token" and who["account"]["id"] == account_id  # type: ignore[index]
        other = script.post("/api/auth/tokens", json={"name": "second"}, headers=bearer)
        assert other.status_code == 201  # no CSRF for a bearer token
        listed = script.get("/api/auth/tokens", headers=bearer).json()
        assert "secret" not in listed[0] and [t["name"] for t in listed] == ["script", "second"]
        gone = script.delete(f"/api/auth/tokens/{other.json()['token']['id']}", headers=bearer)
        assert gone.status_code == 200 and gone.json()["revoked_at"] is not None
        revoked = {"Authorization": f"Bearer {other.json()['secret']}"}
        refused = script.get("/api/auth/me", headers=revoked)
        assert (refused.status_code, refused.json()["code"]) == (401, "token_revoked")
        assert refused.headers["www-authenticate"] == "Bearer"
        unknown = script.get("/api/facilities", headers={"Authorization": "Bearer qurb_nope"})
        assert (unknown.status_code, unknown.json()["code"]) == (401, "token_unknown")
        db.clock.advance(days=30)
        expired = script.get("/api/auth/me", headers=bearer)
        assert (expired.status_code, expired.json()["code"]) == (401, "token_expired")


def test_one_cannot_revoke_anothers_token(db: Db, web: TestClient) -> None:
    db.create("amina")
    db.create("youssef")
    csrf = sign_in(web)
    mine = web.post("/api/auth/tokens", json={"name": "a"}, headers={"X-CSRF-Token": csrf})
    with TestClient(web.app) as other:
        theirs = sign_in(other, "youssef")
        refused = other.delete(
            f"/api/auth/tokens/{mine.json()['token']['id']}", headers={"X-CSRF-Token": theirs}
        )
        assert (refused.status_code, refused.json()["code"]) == (404, "token_not_found")
    anonymous = TestClient(web.app).get("/api/auth/tokens")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "auth_required")


def test_a_session_ends_when_idle(db: Db, web: TestClient) -> None:
    db.create("amina")
    sign_in(web)
    db.clock.advance(minutes=29)
    assert me(web)["anonymous"] is False  # used: its idle end moves to 30 min from now
    db.clock.advance(minutes=29)
    assert me(web)["anonymous"] is False
    db.clock.advance(minutes=30)
    assert me(web)["anonymous"] is True


def test_a_session_ends_at_its_absolute_end_however_used(db: Db, web: TestClient) -> None:
    db.create("amina")
    sign_in(web)
    for _ in range(11 * 3 + 2):  # used every 20 minutes for 11 h 40 min
        db.clock.advance(minutes=20)
        assert me(web)["anonymous"] is False
    db.clock.advance(minutes=20)  # 12 h after the sign-in
    assert me(web)["anonymous"] is True


def test_a_signed_out_cookie_is_anonymous(db: Db, web: TestClient) -> None:
    db.create("amina")
    csrf = sign_in(web)
    cookie = web.cookies[SESSION_COOKIE]
    out = web.post("/api/auth/sign-out", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 200 and out.json() == {"signed_out": True}
    assert "max-age=0" in out.headers["set-cookie"].lower()
    with TestClient(web.app) as replay:
        replay.cookies.set(SESSION_COOKIE, cookie)
        assert me(replay)["anonymous"] is True
    assert [e.action for e in db.entries()][-1] == "account.sign_out"


def test_a_password_change_ends_the_other_sessions(db: Db, web: TestClient) -> None:
    db.create("amina")
    csrf = sign_in(web)
    with TestClient(web.app) as elsewhere:
        sign_in(elsewhere)
        wrong = web.post(
            "/api/auth/password",
            json={"current": "not the password", "new": NEW_PASSWORD},
            headers={"X-CSRF-Token": csrf},
        )
        assert (wrong.status_code, wrong.json()["code"]) == (403, "account_wrong_password")
        changed = web.post(
            "/api/auth/password",
            json={"current": PASSWORD, "new": NEW_PASSWORD},
            headers={"X-CSRF-Token": csrf},
        )
        assert changed.status_code == 200 and changed.json()["must_change_password"] is False
        assert me(elsewhere)["anonymous"] is True
        assert me(web)["anonymous"] is False
        sign_in(elsewhere, password=NEW_PASSWORD)


def test_disabling_an_account_ends_its_sessions_and_tokens(db: Db, web: TestClient) -> None:
    from qurb.identity import account_service
    from qurb.platform.database import transaction
    from tests.identity.accounts_db import LOCAL

    db.create("amina")
    csrf = sign_in(web)
    secret = web.post(
        "/api/auth/tokens", json={"name": "script"}, headers={"X-CSRF-Token": csrf}
    ).json()["secret"]
    with transaction(db.factory) as session:
        account_service.set_disabled(session, LOCAL, "amina", True, signer=db.key)
    assert me(web)["anonymous"] is True
    refused = TestClient(web.app).get("/api/auth/me", headers={"Authorization": f"Bearer {secret}"})
    assert (refused.status_code, refused.json()["code"]) == (401, "token_account_disabled")
    again = web.post("/api/auth/sign-in", json={"username": "amina", "password": PASSWORD})
    assert (again.status_code, again.json()["code"]) == (403, "account_disabled")
