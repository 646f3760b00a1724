"""Signing in in a real headless Chromium, in Arabic: the page reads right to left, a
wrong password is refused in Arabic, a first sign-in leads to the change of password, the
top bar then names the account, and signing out brings the sign-in link back.

Same server, browser and skip rules as test_e2e.py (a private copy of the national
database; skipped without Chromium or Playwright)."""

from __future__ import annotations

from typing import Any

from qurb.audit.service import signer_for
from qurb.identity import account_service
from qurb.identity.account_service import NewAccount
from qurb.kernel.actor import Actor
from qurb.kernel.i18n import translate
from qurb.platform.database import make_engine, make_sessionmaker, transaction

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


def _account(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            new = NewAccount("amina", "Amina B.", PASSWORD, must_change_password=True)
            account_service.create_account(
                session, Actor.local("root"), new, signer=signer_for(session)
            )
    finally:
        engine.dispose()


def test_signing_in_in_arabic(page: Any, scratch_db: str) -> None:
    _account(scratch_db)
    page.goto(f"{page.base}/sign-in?lang=ar")
    page.wait_for_selector("html[dir=rtl]")
    page.wait_for_selector("body[data-ready='ar']")
    page.fill("input[name=username]", "amina")
    page.fill("input[name=password]", "not the password at all")
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_selector(".auth-error:not([hidden])")
    refused = translate("ar", "error.account_sign_in_refused")
    assert page.text_content(".auth-error") == refused
    page.fill("input[name=password]", PASSWORD)
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_url("**/password?lang=ar")
    page.wait_for_selector(".auth-must-change:not([hidden])")
    page.fill("input[name=current]", PASSWORD)
    page.fill("input[name=new]", NEW_PASSWORD)
    page.fill("input[name=repeat]", NEW_PASSWORD)
    page.click("#password-form button[type=submit]")
    page.wait_for_selector(".auth-done:not([hidden])")
    page.goto(f"{page.base}/?lang=ar")
    page.wait_for_selector("#qurb-account .who")
    assert page.text_content("#qurb-account .who") == translate(
        "ar", "auth.signed_in_as", {"name": "Amina B."}
    )
    page.click("#qurb-account button")
    page.wait_for_url(f"{page.base}/")
    page.wait_for_selector("#qurb-account a[href^='/sign-in']")
    assert page.query_selector("#qurb-account .who") is None
