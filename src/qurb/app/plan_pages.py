"""The regional plan's page: `/plan?t=<code>`, a region's or a province's projects in a
table and on a still map (markers by status), the totals by status and what the opened
projects changed in coverage; an account holding `projects.manage` over a project's
territory moves its status there. Only an account holding `scenarios.read` opens it (the
anonymous reader is sent to sign in); its script (`static/js/plan.js`) reads
`/api/plan?territory=`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from qurb.app.auth_pages import LangQuery
from qurb.app.pages import APP_CSS, SITING_CSS, html_page
from qurb.kernel.i18n import negotiate, translate
from qurb.platform.navigation import Place, add_place
from qurb.siting.projects_api import ReadPlan

router = APIRouter(include_in_schema=False)
add_place(Place("plan", "/plan", "nav.plan", permission="scenarios.read", order=35))


@router.get("/plan", response_class=HTMLResponse)
def plan_page(
    _: ReadPlan,
    request: Request,
    lang: LangQuery = None,
    t: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    chosen = lang or negotiate(request.headers.get("accept-language"), default="fr")
    return html_page(
        "plan.html",
        lang=chosen,
        title=f"Qurb — {translate(chosen, 'plan.title')}",
        body_class="scenarios",
        topbar=True,
        place="plan",
        config={"lang": chosen, "territory": t},
        stylesheets=[APP_CSS, SITING_CSS],
        scripts=["/static/js/plan.js"],
    )
