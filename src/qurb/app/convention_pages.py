"""The conventions' page: `/conventions` lists the partnership conventions (an account
holding `conventions.read` sees those its grants reach in full; anyone else, the
published summaries), `/conventions?id=<id>` shows one: its object, status, dates as
known (a partial date stays partial), territories, parties with their roles and
signatories, articles, amendments and documents, and its yearly report's links.
`/conventions?partner=<partner id>` shows a partner's part of every convention it is a
party to, `/conventions?territory=<HCP code>` the conventions covering a territory with
their money per inhabitant and the objects they fund (both as the reader may see them).
Its script (`static/js/conventions.js`, with `convention_views.js`) reads
`/api/conventions` or `/api/conventions/published` and the partner's and territory's
figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from qurb.app.auth_pages import LangQuery
from qurb.app.pages import APP_CSS, SITING_CSS, html_page
from qurb.identity.partners import PARTNER_ID_LENGTH, PARTNER_ID_PATTERN
from qurb.kernel.i18n import negotiate, translate
from qurb.kernel.values import TERRITORY_CODE_PATTERN
from qurb.platform.access import Public
from qurb.platform.navigation import Place, add_place

router = APIRouter(include_in_schema=False)
add_place(Place("conventions", "/conventions", "nav.conventions", order=45))


@router.get("/conventions", response_class=HTMLResponse)
def conventions_page(
    _: Public,
    request: Request,
    lang: LangQuery = None,
    id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    partner: Annotated[
        str | None, Query(max_length=PARTNER_ID_LENGTH, pattern=PARTNER_ID_PATTERN)
    ] = None,
    territory: Annotated[str | None, Query(max_length=16, pattern=TERRITORY_CODE_PATTERN)] = None,
) -> HTMLResponse:
    chosen = lang or negotiate(request.headers.get("accept-language"), default="fr")
    return html_page(
        "conventions.html",
        lang=chosen,
        title=f"Qurb — {translate(chosen, 'conventions.title')}",
        body_class="scenarios",
        topbar=True,
        place="conventions",
        config={"lang": chosen, "id": id, "partner": partner, "territory": territory},
        stylesheets=[APP_CSS, SITING_CSS, "/static/css/conventions.css"],
        scripts=["/static/js/conventions.js"],
    )
