"""Every route's writes follow the CSRF rule once a browser is signed in, not only the
signing-in routes: a registry edit made with the session cookie needs the session's
X-CSRF-Token; the same edit from a script carries the account's token instead."""

from __future__ import annotations

import pytest

from qurb.app.web import create_app
from qurb.identity import passwords
from qurb.identity.passwords import Argon2Parameters
from qurb.identity.permissions import Role
from qurb.platform.settings import Settings
from tests.accounts import add_account
from tests.web_clients import TestClient

PASSWORD = "correct horse battery"
NEW_FACILITY = {"name": "Douar Test", "category": "DR", "commune": "Ain Bida", "reason": "new"}


def test_a_signed_in_registry_edit_needs_the_csrf_token(
    scratch_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passwords, "PARAMETERS", Argon2Parameters(1, 64, 1))
    app = create_app(Settings(database_url=scratch_db))
    amina = add_account(app.state.qurb.factory, "amina", Role.REGISTRY_EDITOR)
    with TestClient(app) as browser:
        signed = browser.post("/api/auth/sign-in", json={"username": "amina", "password": PASSWORD})
        csrf = signed.json()["csrf_token"]
        refused = browser.post("/api/facilities", json=NEW_FACILITY)
        assert (refused.status_code, refused.json()["code"]) == (403, "csrf_missing")
        made = browser.post("/api/facilities", json=NEW_FACILITY, headers={"X-CSRF-Token": csrf})
        assert made.status_code == 201, made.text
    with TestClient(app) as script:  # a token, no cookie: no CSRF token to carry
        again = {**NEW_FACILITY, "name": "Douar Test Deux"}
        assert script.post("/api/facilities", json=again).status_code == 401
        made = script.post("/api/facilities", json=again, headers=amina.headers)
        assert made.status_code == 201, made.text
