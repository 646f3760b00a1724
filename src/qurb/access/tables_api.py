"""A territory's per-commune tables: `GET /api/territories/{code}/tables/{kind}` for needs,
gaps, access and referral, in JSON, CSV or XLSX, worded in French, Arabic or English.

The access and referral tables are the kept answers of `GET /api/access/{code}` and
`GET /api/access/{code}/referral` (the same call, the same figures) in table form; the
needs and gaps tables the rows of `/api/territories/{code}/needs` and `/gaps`. Each file
is kept encoded (with its ETag and gzipped copy) by territory, parameters, language,
format and the answer it shows (registry version, travel model)."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qurb.access.api import access_asked, kept_answer, referral_asked
from qurb.access.commune_tables import (
    DEFAULT_MINUTES,
    DEFAULT_OFFER,
    OFFERS,
    TABLE_FORMATS,
    TABLE_KINDS,
    TABLE_LANGS,
    CommuneTable,
    access_table,
    access_thresholds,
    bad_parameter,
    checked_choice,
    checked_minutes,
    gaps_table,
    needs_table,
    offer_selector,
    referral_table,
)
from qurb.access.table_files import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    table_csv,
    table_json,
    table_xlsx,
)
from qurb.kernel.i18n import negotiate
from qurb.norms.norm_sets import available_norm_sets
from qurb.norms.service import compute_needs_table, compute_territory_gaps, gap_line_words
from qurb.platform.access import Public
from qurb.platform.cache import CachedBody, encode_json
from qurb.platform.downloads import content_disposition
from qurb.platform.http import TerritoryCodePath
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.platform.state import AppState
from qurb.registry.pages import registry_version
from qurb.territory.api import unit_or_not_found
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api", tags=["tables"], responses=ERROR_RESPONSES)


class TableColumnRead(BaseModel):
    key: str
    label: str = Field(description="in the asked language; a derived figure says so")
    unit: str
    kind: str = Field(description="number | text")
    figure: str | None = Field(description="its figure in /api/definitions")
    derived: bool = Field(description="an estimate, a model or a norm figure")
    formula: str | None


class TableSourceRead(BaseModel):
    id: str
    publisher: str
    attribution: str
    licence: str
    licence_url: str


class TableRead(BaseModel):
    territory: str
    kind: str
    lang: str
    params: dict[str, Any]
    query: str = Field(description="the JSON route whose figures the table shows")
    columns: list[TableColumnRead]
    rows: list[dict[str, Any]] = Field(description="unknown is null, never 0")
    attribution: str
    license: str
    sources: list[TableSourceRead]
    licences_url: str


_FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


def _rendered(table: CommuneTable, fmt: str, lang: str) -> CachedBody:
    if fmt == "csv":
        return CachedBody.from_bytes(table_csv(table, lang), CSV_MEDIA_TYPE)
    if fmt == "xlsx":
        return CachedBody.from_bytes(table_xlsx(table, lang), XLSX_MEDIA_TYPE)
    return CachedBody.from_bytes(encode_json(table_json(table, lang)))


def _access_file(
    state: AppState, code: str, offer: str, minutes: float, fmt: str, lang: str, beyond: bool
) -> CachedBody:
    selector = offer_selector(offer)
    limits = access_thresholds(minutes)
    kept = kept_answer(state, lambda index: access_asked(index, code, selector, limits))
    level, tier = OFFERS[offer]
    params = [("level", level), *([("tier", tier)] if tier else [])]
    params += [("thresholds", f"{t:g}") for t in limits]
    query = f"/api/access/{code}?{urlencode(params)}"

    def render() -> CachedBody:
        body = json.loads(kept.body)
        table = access_table(
            body["territory"], body["communes"], offer, minutes, lang, query, beyond_only=beyond
        )
        return _rendered(table, fmt, lang)

    key = ("table.access", code, offer, minutes, lang, fmt, beyond, kept.etag)
    return state.results.get_or_compute(key, render)


def _referral_file(state: AppState, code: str, minutes: float, fmt: str, lang: str) -> CachedBody:
    kept = kept_answer(state, lambda index: referral_asked(index, code, minutes))
    query = f"/api/access/{code}/referral?threshold={minutes:g}"

    def render() -> CachedBody:
        body = json.loads(kept.body)
        table = referral_table(body["territory"], body["essp"], minutes, lang, query)
        return _rendered(table, fmt, lang)

    key = ("table.referral", code, minutes, lang, fmt, kept.etag)
    return state.results.get_or_compute(key, render)


def _norm_file(state: AppState, kind: str, code: str, fmt: str, lang: str) -> CachedBody:
    index = state.part(TerritoryIndex)
    unit = unit_or_not_found(index, code)
    with state.factory() as session:  # a read session, as `SessionDep`'s
        try:
            version = registry_version(session)

            def render() -> CachedBody:
                if kind == "needs":
                    territory, _, rows = compute_needs_table(session, unit.code, None, index)
                    query = f"/api/territories/{code}/needs"
                    table = needs_table(territory.code, rows, lang, query)
                    return _rendered(table, fmt, lang)
                sets = list(available_norm_sets().values())
                report = compute_territory_gaps(session, unit.code, sets, None, index)
                lines = [
                    {
                        **vars(g),
                        "status": g.status.value,
                        "kind": g.kind.value,
                        "population": None
                        if g.status.value == "population_unknown"
                        else g.population,
                        **gap_line_words(g),
                    }
                    for g in report.lines
                ]
                names = {s.id: {"fr": s.name_fr, "ar": s.name_ar, "en": s.name_en} for s in sets}
                query = f"/api/territories/{code}/gaps?limit=5000"
                table = gaps_table(report.territory.code, lines, names, lang, query)
                return _rendered(table, fmt, lang)

            return state.results.get_or_compute(("table", kind, code, lang, fmt, version), render)
        finally:
            session.rollback()


@router.get(
    "/territories/{code}/tables/{kind}",
    response_model=TableRead,
    responses=_FILE_RESPONSES,
    summary="A territory's per-commune table (needs, gaps, access, referral) as JSON, CSV or XLSX",
)
async def commune_table(
    code: TerritoryCodePath,
    request: Request,
    _: Public,
    kind: Annotated[str, Path(max_length=16, description="needs | gaps | access | referral")],
    format: Annotated[str, Query(max_length=8, description="json | csv | xlsx")] = "json",
    lang: Annotated[
        str | None, Query(max_length=8, description="fr | ar | en (default: Accept-Language)")
    ] = None,
    offer: Annotated[
        str,
        Query(
            max_length=16,
            description="access: primary | secondary (general hospitals) | tertiary | specialty",
        ),
    ] = DEFAULT_OFFER,
    minutes: Annotated[
        str, Query(max_length=16, description="access and referral: threshold in minutes")
    ] = f"{DEFAULT_MINUTES:g}",
    beyond: Annotated[
        bool, Query(description="access: only the communes beyond the threshold")
    ] = False,
) -> Response:
    """One row per commune (per ESSP for referral): `needs` (population, the demand drivers
    the norms derive, public offer, inhabitants per facility), `gaps` (norm gap lines),
    `access` (population, minutes, km, nearest facility of the offer and its category,
    time band, beyond the threshold: the figures of `GET /api/access/{code}`), `referral`
    (the figures of `GET /api/access/{code}/referral`). Columns carry their label in the
    asked language, their unit and kind; a derived figure says so and gives its formula
    (the CSV's comment lines, the XLSX's Sources sheet). Unknown is empty, never 0."""
    checked_choice("kind", kind, TABLE_KINDS)
    checked_choice("format", format, TABLE_FORMATS)
    language = (
        checked_choice("lang", lang, TABLE_LANGS)
        if lang is not None
        else negotiate(request.headers.get("accept-language"), "fr")
    )
    try:
        asked = float(minutes)
    except ValueError:
        raise bad_parameter("minutes", minutes, "> 0") from None
    threshold = checked_minutes(asked)
    if kind == "access":
        checked_choice("offer", offer, tuple(OFFERS))
    state: AppState = request.app.state.qurb
    if kind == "access":
        cached = await run_in_threadpool(
            _access_file, state, code, offer, threshold, format, language, beyond
        )
    elif kind == "referral":
        cached = await run_in_threadpool(_referral_file, state, code, threshold, format, language)
    else:
        cached = await run_in_threadpool(_norm_file, state, kind, code, format, language)
    response = cached.response(request, "no-cache")
    if format != "json":
        name = f"qurb-{code}-{kind}-{language}.{format}"
        response.headers["Content-Disposition"] = content_disposition(name)
    return response
