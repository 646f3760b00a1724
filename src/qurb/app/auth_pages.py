"""The signing-in pages: `/sign-in` and `/password` (change one's password), in French,
Arabic or English (`?lang=`, else the browser's `Accept-Language`), on the base layout;
their script (`static/js/signin.js`) talks to `/api/auth`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from qurb.app.pages import APP_CSS, html_page
from qurb.kernel.i18n import negotiate, translate
from qurb.platform.access import Public

router = APIRouter(include_in_schema=False)

LangQuery = Annotated[Literal["fr", "ar", "en"] | None, Query()]


def _lang(request: Request, lang: str | None) -> str:
    return lang or negotiate(request.headers.get("accept-language"), default="fr")


def _auth_page(name: str, lang: str, title_key: str) -> HTMLResponse:
    return html_page(
        name,
        lang=lang,
        title=f"Qurb — {translate(lang, title_key)}",
        body_class="auth",
        topbar=True,
        config={"lang": lang},
        stylesheets=[APP_CSS],
        scripts=["/static/js/signin.js"],
    )


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(_: Public, request: Request, lang: LangQuery = None) -> HTMLResponse:
    return _auth_page("signin.html", _lang(request, lang), "auth.sign_in")


@router.get("/password", response_class=HTMLResponse)
def password_page(_: Public, request: Request, lang: LangQuery = None) -> HTMLResponse:
    return _auth_page("password.html", _lang(request, lang), "auth.change_password")
