"""The audit trail's page, `/audit`: its entries filtered by entity, actor, partner,
territory and dates, page by page, with the same filter as a CSV file; in French, Arabic or
English (`?lang=`, else the browser's `Accept-Language`). Only an account holding
`audit.read` opens it; its script (`static/js/audit.js`) reads `/api/audit`, which shows
each reader the entries its grants cover."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from qurb.app.auth_pages import LangQuery
from qurb.app.pages import APP_CSS, html_page
from qurb.identity.audit_api import ReadAudit
from qurb.kernel.i18n import negotiate, translate
from qurb.platform.navigation import Place, add_place

router = APIRouter(include_in_schema=False)
add_place(Place("audit", "/audit", "nav.audit", permission="audit.read", order=90))


@router.get("/audit", response_class=HTMLResponse)
def audit_page(_: ReadAudit, request: Request, lang: LangQuery = None) -> HTMLResponse:
    chosen = lang or negotiate(request.headers.get("accept-language"), default="fr")
    return html_page(
        "audit.html",
        lang=chosen,
        title=f"Qurb — {translate(chosen, 'audit.title')}",
        body_class="audit",
        topbar=True,
        place="audit",
        config={"lang": chosen},
        stylesheets=[APP_CSS],
        scripts=["/static/js/audit.js"],
    )
