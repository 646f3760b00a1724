"""The shared resources' page: `/sharing` lists the shared equipment and visiting
specialists (filtered by specialty), `/sharing?resource=<id>` shows one resource's week
as a calendar (local time, Africa/Casablanca: each slot free, booked, held for a referral,
down with its reason, or outside the openings), where a clerk books a free slot or joins
the waiting list; the resource's manager approves, refuses and checks in its bookings,
closes it for a downtime (the bookings it displaced shown) and reads its quotas; anyone
whose grants reach the resource reads its month's utilisation against capacity and each
partner's quota, and the monthly reconciliation. "My bookings" lists the bookings the
account's grants reach, to cancel or move them. An account holding `registry.read`
opens it (the anonymous reader is sent to sign in); its scripts
(`static/js/sharing.js`, with `sharing_manage.js`) read `/api/sharing`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from qurb.app.auth_pages import LangQuery
from qurb.app.pages import APP_CSS, SITING_CSS, html_page
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel.i18n import negotiate, translate
from qurb.platform.navigation import Place, add_place
from qurb.sharing.schemas import Month, Name

router = APIRouter(include_in_schema=False)
add_place(Place("sharing", "/sharing", "nav.sharing", permission="registry.read", order=47))

ReadRegistry = Annotated[Guard, needs(Permission.REGISTRY_READ)]


@router.get("/sharing", response_class=HTMLResponse)
def sharing_page(
    _: ReadRegistry,
    request: Request,
    lang: LangQuery = None,
    resource: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    day: Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2100, 12, 31))] = None,
    specialty: Annotated[Name | None, Query()] = None,
    month: Annotated[Month | None, Query()] = None,
) -> HTMLResponse:
    chosen = lang or negotiate(request.headers.get("accept-language"), default="fr")
    return html_page(
        "sharing.html",
        lang=chosen,
        title=f"Qurb — {translate(chosen, 'sharing.title')}",
        body_class="scenarios",
        topbar=True,
        place="sharing",
        config={
            "lang": chosen,
            "resource": resource,
            "day": day.isoformat() if day else None,
            "specialty": specialty,
            "month": month,
        },
        stylesheets=[APP_CSS, SITING_CSS, "/static/css/sharing.css"],
        scripts=["/static/js/sharing.js"],
    )
