"""The outbreak signals' page: `/signals?t=<code>&s=<signal id>`, a territory's signals on
a still map (circles coloured by status, sized by observed ÷ upper bound), as a sortable
table downloadable as CSV, and the selected signal's epidemic curve (the weekly counts,
the upper bound and the expected count of its method, its alarm weeks, the weeks unknown
for lack of reports). Only an account holding `reports.read` opens it (the anonymous
reader is sent to sign in). Its script (`static/js/signals.js` with `signal_curve.js`)
reads `/api/watch/signals.geojson`, `/api/watch/signals/{id}/curve` and
`/api/datasets/{id}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from qurb.app.auth_pages import LangQuery
from qurb.app.pages import APP_CSS, SITING_CSS, html_page
from qurb.kernel.i18n import negotiate, translate
from qurb.platform.navigation import Place, add_place
from qurb.watch.api import ReadReports

router = APIRouter(include_in_schema=False)
add_place(Place("signals", "/signals", "nav.signals", permission="reports.read", order=41))

Short = Annotated[str | None, Query(max_length=64)]


@router.get("/signals", response_class=HTMLResponse)
def signals_page(
    _: ReadReports,
    request: Request,
    lang: LangQuery = None,
    t: Short = None,
    s: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> HTMLResponse:
    chosen = lang or negotiate(request.headers.get("accept-language"), default="fr")
    return html_page(
        "signals.html",
        lang=chosen,
        title=f"Qurb — {translate(chosen, 'signals.title')}",
        body_class="scenarios",
        topbar=True,
        place="signals",
        config={"lang": chosen, "territory": t, "signal": s},
        stylesheets=[APP_CSS, SITING_CSS, "/static/css/reports.css"],
        scripts=["/static/js/signals.js"],
    )
