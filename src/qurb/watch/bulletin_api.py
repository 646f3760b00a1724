"""The bulletin of a region or a province as a printable page and as PDF (read by
reports.read within the grants, as the indicators are)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from qurb.identity.grant_service import target_in
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel.clock import today
from qurb.kernel.i18n import document_lang
from qurb.kernel.values import NO_NUL_PATTERN
from qurb.platform.downloads import content_disposition
from qurb.platform.http import SessionDep
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex
from qurb.watch.bulletin import bulletin_html, compute_bulletin, render_pdf
from qurb.watch.datasets import configured_prevalence

# Documents for people (a page, its PDF), as the caravans' notices and reports: outside
# the API's schema, their words in the reader's language whatever `lang` says.
router = APIRouter(prefix="/watch", include_in_schema=False)

ReadReports = Annotated[Guard, needs(Permission.REPORTS_READ)]
TerritoryQuery = Annotated[
    str, Query(max_length=64, pattern=NO_NUL_PATTERN, description="a region or a province")
]
PeriodQuery = Annotated[
    str,
    Query(max_length=16, pattern=NO_NUL_PATTERN, description="2026W45: weekly; 2026-11: monthly"),
]
LangQuery = Annotated[str | None, Query(max_length=8, description="fr, ar or en")]
NO_CACHE = {"Cache-Control": "no-store"}


def _page(
    session: Session,
    index: TerritoryIndex,
    guard: Guard,
    t: str,
    period: str,
    lang: str,
    served: bool,
) -> tuple[str, str]:
    unit = index.resolve(t)
    guard.over(target_in(index, unit.code))
    bulletin = compute_bulletin(session, unit.code, period, lang, configured_prevalence(), index)
    return bulletin_html(bulletin, lang, today(), served=served), f"{unit.code}-{bulletin.period}"


@router.get(
    "/bulletin",
    response_class=HTMLResponse,
    summary="The weekly (a week) or monthly (a month) bulletin of a region or a province",
)
def bulletin_page(
    session: SessionDep,
    index: IndexDep,
    guard: ReadReports,
    request: Request,
    t: TerritoryQuery,
    period: PeriodQuery,
    lang: LangQuery = None,
) -> HTMLResponse:
    chosen = document_lang(lang, request.headers.get("accept-language"))
    page, _ = _page(session, index, guard, t, period, chosen, served=True)
    return HTMLResponse(page, headers=NO_CACHE)


@router.get(
    "/bulletin.pdf",
    response_class=Response,
    summary="The bulletin as a printable PDF",
    responses={200: {"content": {"application/pdf": {"schema": {"type": "string"}}}}},
)
def bulletin_pdf(
    session: SessionDep,
    index: IndexDep,
    guard: ReadReports,
    request: Request,
    t: TerritoryQuery,
    period: PeriodQuery,
    lang: LangQuery = None,
) -> Response:
    chosen = document_lang(lang, request.headers.get("accept-language"))
    page, name = _page(session, index, guard, t, period, chosen, served=False)
    return Response(
        render_pdf(page),
        media_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition(
                f"qurb-bulletin-{name}-{chosen}.pdf", "inline"
            ),
            **NO_CACHE,
        },
    )
