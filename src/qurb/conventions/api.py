"""Conventions on the web: a list (by territory, partner, status) and one in full for an
account holding `conventions.read` over them; written (created, edited, moved along its
statuses, its parties, articles, amendments, documents) by one holding
`conventions.manage` over every territory it covers (If-Match: its version); documents
sent as a form's file and downloaded; the published summaries, for anyone."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from qurb.conventions.documents import attach_document, get_document
from qurb.conventions.execution_report import compute_report, report_html, report_xlsx
from qurb.conventions.listing import (
    ConventionFilter,
    convention_targets,
    list_conventions,
    published_summaries,
    published_summary,
    targets_of,
)
from qurb.conventions.money_model import FIRST_YEAR, LAST_YEAR
from qurb.conventions.records import Convention
from qurb.conventions.report_responses import (
    REPORT_RESPONSES,
    XLSX,
    ReportFormat,
    report_response,
)
from qurb.conventions.schemas import (
    AmendmentBody,
    ArticleBody,
    ConventionBody,
    ConventionCreateBody,
    ConventionRead,
    DocumentRead,
    PartiesBody,
    StatusBody,
    SummaryRead,
)
from qurb.conventions.service import (
    add_amendment,
    add_article,
    create_convention,
    get_convention,
    move_status,
    set_parties,
    update_convention,
)
from qurb.conventions.views import public_figures
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.values import NO_NUL_PATTERN
from qurb.platform.access import Public
from qurb.platform.downloads import content_disposition
from qurb.platform.form_upload import upload_body, uploaded_file
from qurb.platform.http import IfMatch, SessionDep, StateDep, version_etag, wanted_versions
from qurb.platform.schemas import ERROR_RESPONSES, VERSIONED_WRITE_RESPONSES
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api/conventions", tags=["conventions"], responses=ERROR_RESPONSES)

ConventionId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DocumentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ReadConventions = Annotated[Guard, needs(Permission.CONVENTIONS_READ)]
ManageConventions = Annotated[Guard, needs(Permission.CONVENTIONS_MANAGE)]
Filter = Annotated[str | None, Query(max_length=80, pattern=NO_NUL_PATTERN)]


def _filter(
    territory: Filter = None, partner: Filter = None, status: Filter = None
) -> ConventionFilter:
    """The lists' filter, from their query (a dependency both lists share)."""
    return ConventionFilter(territory, partner, status)


Filtered = Annotated[ConventionFilter, Depends(_filter)]


def _answer(convention: Convention, response: Response) -> ConventionRead:
    response.headers["ETag"] = version_etag(convention.version)
    return ConventionRead.of(convention)


def _reader(guard: Guard, index: TerritoryIndex, convention: Convention) -> None:
    """A full read: allowed over any of its targets (else 403 over the first)."""
    targets = targets_of(index, convention)
    if not any(guard.allows(t) for t in targets):
        guard.over(targets[0])


def _writer(guard: Guard, index: TerritoryIndex, convention: Convention) -> Actor:
    """A write: allowed over every one of its targets."""
    return [guard.over(t) for t in targets_of(index, convention)][-1]


@router.get("/published", response_model=list[SummaryRead])
def published(
    _: Public,
    session: SessionDep,
    index: IndexDep,
    flt: Filtered,
) -> list[SummaryRead]:
    """The published conventions' summaries, for anyone: title, parties, dates,
    territories, object; no documents, no contacts."""
    today = clock.now().date()
    return [
        SummaryRead.of(s, public_figures(session, s.id, today))
        for s in published_summaries(session, flt, index=index)
    ]


@router.get("/published/{convention_id}", response_model=SummaryRead)
def published_one(_: Public, convention_id: ConventionId, session: SessionDep) -> SummaryRead:
    """One published convention's summary (404 for one not published)."""
    found = published_summary(session, convention_id)
    return SummaryRead.of(found, public_figures(session, found.id, clock.now().date()))


@router.get("", response_model=list[ConventionRead])
def conventions(
    session: SessionDep,
    index: IndexDep,
    guard: ReadConventions,
    flt: Filtered,
) -> list[ConventionRead]:
    """The conventions the account may read in full: covering `territory` (or a place in
    it), with `partner` among their parties, at `status`; by reference."""
    found = list_conventions(session, flt, guard.allows, index=index)
    return [ConventionRead.of(c) for c in found]


@router.get("/{convention_id:int}", response_model=ConventionRead)
def convention(
    convention_id: ConventionId,
    session: SessionDep,
    index: IndexDep,
    guard: ReadConventions,
    response: Response,
) -> ConventionRead:
    """One convention in full; its ETag is its version (If-Match to change it)."""
    found = get_convention(session, convention_id)
    _reader(guard, index, found)
    return _answer(found, response)


@router.post("", response_model=ConventionRead, status_code=201)
def create(
    body: ConventionCreateBody, state: StateDep, guard: ManageConventions, response: Response
) -> ConventionRead:
    """A new convention, a draft, with its parties and articles (`conventions.manage`
    over every territory it covers); every bad field named (422), nothing written then;
    a reference taken already is a 409."""
    index = state.part(TerritoryIndex)
    fields = body.fields()
    partners = [p.partner_id for p in body.parties]
    targets = convention_targets(index, fields.territories, partners)
    actor = [guard.over(t) for t in targets][-1]
    parties = [p.party() for p in body.parties]
    articles = [a.article() for a in body.articles]
    with state.write() as session:
        made = create_convention(session, actor, fields, parties, articles, index=index)
        return _answer(made, response)


@router.put(
    "/{convention_id:int}", response_model=ConventionRead, responses=VERSIONED_WRITE_RESPONSES
)
def update(
    convention_id: ConventionId,
    body: ConventionBody,
    state: StateDep,
    guard: ManageConventions,
    response: Response,
    if_match: IfMatch = None,
) -> ConventionRead:
    """Replace a convention's own fields (If-Match); its territories before and after
    both within the account's grants."""
    index = state.part(TerritoryIndex)
    fields = body.fields()
    version = wanted_versions(if_match)
    with state.write() as session:
        found = get_convention(session, convention_id)
        _writer(guard, index, found)
        partners = [p.partner_id for p in found.parties]
        targets = convention_targets(index, fields.territories, partners, convention_id)
        actor = [guard.over(t) for t in targets][-1]
        changed = update_convention(
            session, actor, convention_id, fields, if_version=version, index=index
        )
        return _answer(changed, response)


@router.post(
    "/{convention_id}/status", response_model=ConventionRead, responses=VERSIONED_WRITE_RESPONSES
)
def status(
    convention_id: ConventionId,
    body: StatusBody,
    state: StateDep,
    guard: ManageConventions,
    response: Response,
    if_match: IfMatch = None,
) -> ConventionRead:
    """Move a convention along its statuses (409 `convention_move_refused`; "in force"
    while a required approval is not recorded: `convention_approval_missing`)."""
    index = state.part(TerritoryIndex)
    version = wanted_versions(if_match)
    with state.write() as session:
        actor = _writer(guard, index, get_convention(session, convention_id))
        moved = move_status(session, actor, convention_id, body.status, if_version=version)
        return _answer(moved, response)


@router.put(
    "/{convention_id}/parties", response_model=ConventionRead, responses=VERSIONED_WRITE_RESPONSES
)
def parties(
    convention_id: ConventionId,
    body: PartiesBody,
    state: StateDep,
    guard: ManageConventions,
    response: Response,
    if_match: IfMatch = None,
) -> ConventionRead:
    """Replace a convention's parties: registered partners with their roles, signatories
    and contact persons (one that is not a partner is named, 422)."""
    index = state.part(TerritoryIndex)
    version = wanted_versions(if_match)
    with state.write() as session:
        actor = _writer(guard, index, get_convention(session, convention_id))
        wanted = [p.party() for p in body.parties]
        changed = set_parties(session, actor, convention_id, wanted, if_version=version)
        return _answer(changed, response)


@router.post(
    "/{convention_id}/articles",
    response_model=ConventionRead,
    status_code=201,
    responses=VERSIONED_WRITE_RESPONSES,
)
def article(
    convention_id: ConventionId,
    body: ArticleBody,
    state: StateDep,
    guard: ManageConventions,
    response: Response,
    if_match: IfMatch = None,
) -> ConventionRead:
    """Add a numbered article (a number taken already is named, 422)."""
    index = state.part(TerritoryIndex)
    version = wanted_versions(if_match)
    with state.write() as session:
        actor = _writer(guard, index, get_convention(session, convention_id))
        changed = add_article(session, actor, convention_id, body.article(), if_version=version)
        return _answer(changed, response)


@router.post(
    "/{convention_id}/amendments",
    response_model=ConventionRead,
    status_code=201,
    responses=VERSIONED_WRITE_RESPONSES,
)
def amendment(
    convention_id: ConventionId,
    body: AmendmentBody,
    state: StateDep,
    guard: ManageConventions,
    response: Response,
    if_match: IfMatch = None,
) -> ConventionRead:
    """Add a numbered amendment; one that sets a new end date keeps the one it replaced."""
    index = state.part(TerritoryIndex)
    version = wanted_versions(if_match)
    amended = body.amendment()
    with state.write() as session:
        actor = _writer(guard, index, get_convention(session, convention_id))
        changed = add_amendment(session, actor, convention_id, amended, if_version=version)
        return _answer(changed, response)


@router.post(
    "/{convention_id}/documents",
    response_model=DocumentRead,
    status_code=201,
    responses=VERSIONED_WRITE_RESPONSES,
    openapi_extra=upload_body("a PDF, JPEG, PNG or XLSX document, at most 20 MB"),
)
async def document(
    convention_id: ConventionId,
    request: Request,
    state: StateDep,
    guard: ManageConventions,
    kind: Filter = None,
    amendment: Annotated[int | None, Query(ge=1, le=1000)] = None,
    if_match: IfMatch = None,
) -> DocumentRead:
    """Attach the form's part `file`: its kind told by its content (a `kind` claimed
    otherwise is refused), at most 20 MB, to the convention or its `amendment`."""
    version = wanted_versions(if_match)
    index = state.part(TerritoryIndex)

    def allowed() -> None:  # before the file is read
        with state.factory() as session:
            _writer(guard, index, get_convention(session, convention_id))

    await run_in_threadpool(allowed)
    upload = await uploaded_file(request)

    def attach() -> DocumentRead:
        with state.write() as session:
            actor = _writer(guard, index, get_convention(session, convention_id))
            info = attach_document(
                session,
                actor,
                convention_id,
                upload.name,
                upload.data,
                claimed=kind,
                amendment_number=amendment,
                if_version=version,
            )
            return DocumentRead.of(info)

    return await run_in_threadpool(attach)


MEDIA = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "xlsx": XLSX,
}


@router.get("/{convention_id}/documents/{document_id}", response_class=Response)
def download(
    convention_id: ConventionId,
    document_id: DocumentId,
    session: SessionDep,
    index: IndexDep,
    guard: ReadConventions,
) -> Response:
    """A document's bytes, as stored; its checksum in `Digest`-like `X-Checksum-SHA256`."""
    _reader(guard, index, get_convention(session, convention_id))
    info, content = get_document(session, convention_id, document_id)
    headers = {
        "Content-Disposition": content_disposition(info.filename),
        "X-Checksum-SHA256": info.sha256,
    }
    return Response(content, media_type=MEDIA[info.kind], headers=headers)


@router.get("/{convention_id}/report", response_class=Response, responses=REPORT_RESPONSES)
def report(
    convention_id: ConventionId,
    session: SessionDep,
    index: IndexDep,
    guard: ReadConventions,
    year: Annotated[int, Query(ge=FIRST_YEAR, le=LAST_YEAR)],
    lang: Annotated[Literal["fr", "ar", "en"], Query()] = "fr",
    format: Annotated[ReportFormat, Query()] = "html",
) -> Response:
    """The convention's yearly execution report for the council (its money, in kind,
    deliverables and committee that year, each unknown said so): a printable page, its
    PDF, or an XLSX workbook; in French, Arabic (right to left) or English."""
    _reader(guard, index, get_convention(session, convention_id))
    found = compute_report(session, convention_id, year, clock.today())
    return report_response(
        f"qurb-convention-report-{convention_id}-{year}-{lang}",
        format,
        lambda served: report_html(found, lang, clock.today(), served=served),
        lambda: report_xlsx(found, lang),
    )
