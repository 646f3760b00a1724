"""The referrals' page: `/referrals` lists the referrals the account may read (filters by
status, pathway, service, direction — sent by its facilities or received by them —,
urgency; a page of them at a time), `/referrals?id=<id>` shows one with its status
changes, the moves its status allows, the counter-referral form and its fiche de liaison;
`?view=send` the form to send a referral or ask a tele-expertise; `?view=measures` the
waiting times (median and 90th percentile) by pathway, destination service and commune
of residence, and the counter-referral rates. An account holding `referrals.measures`
opens it (a steering committee's members: the measures alone, never a referral; every
role that reads referrals holds it too); the anonymous reader is sent to sign in. Its
scripts (`static/js/referrals.js` with `referral_form.js` and `referral_measures.js`)
read `/api/referrals`; the codes they offer come in the page's configuration, from the
referrals' model."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from qurb.app.auth_pages import LangQuery
from qurb.app.pages import APP_CSS, SITING_CSS, html_page
from qurb.kernel.i18n import negotiate, translate
from qurb.kernel.values import NO_NUL_PATTERN, TERRITORY_CODE_PATTERN
from qurb.platform.navigation import Place, add_place
from qurb.referrals.api import ReadMeasures
from qurb.referrals.model import AGE_BANDS, MOVES, RECEIVING, SEXES, Status, Urgency

router = APIRouter(include_in_schema=False)
# Shown to whoever may read the measures: the committee's members, and every role that
# reads referrals (each holds referrals.measures too, identity/permissions.py).
add_place(
    Place("referrals", "/referrals", "nav.referrals", permission="referrals.measures", order=43)
)

Code = Annotated[str | None, Query(max_length=80, pattern=NO_NUL_PATTERN)]
PAGE_SIZE = 25  # referrals a page of the list shows


@router.get("/referrals", response_class=HTMLResponse)
def referrals_page(
    _: ReadMeasures,
    request: Request,
    lang: LangQuery = None,
    id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    view: Annotated[Literal["list", "send", "measures"] | None, Query()] = None,
    status: Annotated[Status | None, Query()] = None,
    pathway: Code = None,
    service: Code = None,
    direction: Annotated[Literal["sent", "received"] | None, Query()] = None,
    urgency: Annotated[Urgency | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    t: Annotated[str | None, Query(max_length=16, pattern=TERRITORY_CODE_PATTERN)] = None,
) -> HTMLResponse:
    chosen = lang or negotiate(request.headers.get("accept-language"), default="fr")
    config = {
        "lang": chosen,
        "id": id,
        "view": view,
        "filters": {
            "status": status.value if status else None,
            "pathway": pathway,
            "service": service,
            "direction": direction,
            "urgency": urgency.value if urgency else None,
        },
        "page": page,
        "pageSize": PAGE_SIZE,
        "territory": t,
        "statuses": [s.value for s in Status],
        "urgencies": [u.value for u in Urgency],
        "ageBands": list(AGE_BANDS),
        "sexes": list(SEXES),
        "moves": {
            kind.value: {s.value: sorted(m.value for m in to) for s, to in moves.items()}
            for kind, moves in MOVES.items()
        },
        "receiving": sorted(s.value for s in RECEIVING),
    }
    return html_page(
        "referrals.html",
        lang=chosen,
        title=f"Qurb — {translate(chosen, 'referrals.title')}",
        body_class="scenarios",
        topbar=True,
        place="referrals",
        config=config,
        stylesheets=[APP_CSS, SITING_CSS, "/static/css/conventions.css"],
        scripts=["/static/js/referrals.js"],
    )
