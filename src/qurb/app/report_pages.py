"""The periodic reports' page: `/reports?t=<code>&d=<data set>&p=<period>`, a region's or
a province's completeness for a data set and period (a still map of its provinces or
communes by share received, the table per unit, the facilities with their report or
their silence), the form that enters, corrects or confirms a facility's report, the file
import and the bulletin's link. Only an account holding `reports.read` opens it (the
anonymous reader is sent to sign in); what it may write the server checks per facility
and province. Its scripts (`static/js/reports.js`, `report_form.js`) read `/api/datasets`,
`/api/completeness` and `/api/reports`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from qurb.app.auth_pages import LangQuery
from qurb.app.pages import APP_CSS, SITING_CSS, html_page
from qurb.kernel import clock
from qurb.kernel.i18n import negotiate, translate
from qurb.platform.navigation import Place, add_place
from qurb.watch.api import ReadReports
from qurb.watch.datasets import available_datasets
from qurb.watch.figures import recent_periods

router = APIRouter(include_in_schema=False)
add_place(Place("reports", "/reports", "nav.reports", permission="reports.read", order=40))

PERIODS_OFFERED = 24  # the latest periods over, per data set, offered in the picker
Short = Annotated[str | None, Query(max_length=64)]


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    _: ReadReports,
    request: Request,
    lang: LangQuery = None,
    t: Short = None,
    d: Short = None,
    p: Annotated[str | None, Query(max_length=16)] = None,
) -> HTMLResponse:
    chosen = lang or negotiate(request.headers.get("accept-language"), default="fr")
    today = clock.now().date()
    periods = {
        dataset_id: recent_periods(dataset.period, today, PERIODS_OFFERED)
        for dataset_id, dataset in available_datasets().items()
    }
    return html_page(
        "reports.html",
        lang=chosen,
        title=f"Qurb — {translate(chosen, 'reports.title')}",
        body_class="scenarios",
        topbar=True,
        place="reports",
        config={"lang": chosen, "territory": t, "dataset": d, "period": p, "periods": periods},
        stylesheets=[APP_CSS, SITING_CSS, "/static/css/reports.css"],
        scripts=["/static/js/reports.js"],
    )
