"""Travel time to care on the bundled commune-graph model: access per commune, summaries,
referral from each ESSP and the Ministry's distance bands (public: each answer kept encoded
and gzipped, keyed by territory, parameters, registry version and travel model). The
what-if (`POST /api/access/what-if`) is served by `qurb.siting.what_if_api`, which can
keep it as a scenario."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from qurb.access.referral import compute_referrals
from qurb.access.schemas import (
    AccessRead,
    AccessSummaryRead,
    CatchmentRead,
    CatchmentsRead,
    CommuneAccessRead,
    DistanceRead,
    DistanceSummaryRead,
    Level,
    ReferralRead,
    ReferralsRead,
    Supply,
    SupplyKnownRead,
    Tier,
    TwoStepCommuneRead,
    TwoStepRead,
    Words,
    rows_as,
)
from qurb.access.service import (
    DEFAULT_THRESHOLDS_MINUTES,
    ESSP_SELECTOR,
    WHOLE_COMMUNE_NOTE,
    DestinationReader,
    compute_access,
    compute_distance_access,
    distance_group_rows,
    group_rows,
)
from qurb.access.weighted import (
    SupplyKnown,
    compute_2sfca_report,
    compute_catchment_report,
)
from qurb.algo.commune_graph import CommuneGraphModel
from qurb.algo.commune_graph_inputs import CommuneGraphParameters
from qurb.norms.model import SupplyMeasure
from qurb.norms.service import capacity_known_text
from qurb.platform.access import Public
from qurb.platform.cache import CachedBody
from qurb.platform.http import NameText, TerritoryPath
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.platform.state import AppState
from qurb.registry.pages import registry_version
from qurb.registry.points import Destinations, FacilitySelector, read_destinations
from qurb.territory.service import TerritoryIndex
from qurb.territory.travel import (
    COMMUNE_GRAPH_FILE,
    commune_graph_model,
    read_commune_graph_params,
)

router = APIRouter(prefix="/api", tags=["access"], responses=ERROR_RESPONSES)


def _selector(
    level: Level | None = None,
    category: Annotated[list[NameText] | None, Query()] = None,
    service: Annotated[list[NameText] | None, Query()] = None,
    tier: Tier | None = None,
) -> FacilitySelector:
    """The offer a route asks about, from its query (a dependency the routes share)."""
    return FacilitySelector.from_options(
        (level,) if level else (), category or (), service or (), tier
    )


Offer = Annotated[FacilitySelector, Depends(_selector)]


def _reader(state: AppState, session: Session, version: int) -> DestinationReader:
    """The facilities a selector picks, read once per registry version."""

    def read(selector: FacilitySelector) -> Destinations:
        key = ("access.destinations", selector, version)
        return state.results.get_or_compute(key, lambda: read_destinations(session, selector))

    return read


_params_lock = threading.Lock()
_params: dict[tuple[int, int], CommuneGraphParameters] = {}


def _travel_model(session: Session) -> tuple[CommuneGraphModel, tuple[Hashable, ...]]:
    """The bundled commune-graph model of this database and its identity: its parameters
    and the instance (built once per database and parameter set and kept for the life of
    the process, so its id is never another's). The parameter file is read again only
    when it changes on disk (a request then skips parsing it)."""
    stat = COMMUNE_GRAPH_FILE.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _params_lock:
        params = _params.get(stamp)
    if params is None:
        params = read_commune_graph_params(COMMUNE_GRAPH_FILE)
        with _params_lock:
            _params.clear()
            _params[stamp] = params
    model = commune_graph_model(session, params)
    return model, (model.name, params, id(model))


@dataclass(frozen=True)
class _Asked:
    """What one request asks, once its territory is resolved: the key of its answer
    (without the registry version and the model, added at each request) and how to
    compute that answer."""

    key: tuple[Hashable, ...]
    answer: Callable[[Session, CommuneGraphModel, DestinationReader], BaseModel]


async def _answer(request: Request, ask: Callable[[TerritoryIndex], _Asked]) -> Response:
    """The answer kept for what is asked, encoded once as the route's response model (the
    same bytes), with its ETag and gzipped copy: 304 when the client has it. All the
    database work is one trip to the thread pool (a kept answer costs two small queries,
    the registry version and the dataset's identity)."""
    state: AppState = request.app.state.qurb
    cached = await run_in_threadpool(_kept, state, ask)
    return cached.response(request, "no-cache")


def _kept(state: AppState, ask: Callable[[TerritoryIndex], _Asked]) -> CachedBody:
    index = state.part(TerritoryIndex)
    asked = ask(index)
    with state.factory() as session:  # a read session, as `SessionDep`'s
        try:
            model, model_key = _travel_model(session)
            version = registry_version(session)
            read = _reader(state, session, version)

            def encode() -> CachedBody:
                body = asked.answer(session, model, read)
                return CachedBody.from_bytes(body.model_dump_json().encode())

            return state.results.get_or_compute((*asked.key, version, model_key), encode)
        finally:
            session.rollback()


@router.get("/access/{code}", response_model=AccessRead)
async def access_for(
    code: TerritoryPath,
    request: Request,
    _: Public,
    selector: Offer,
    thresholds: Annotated[list[float] | None, Query()] = None,
) -> Response:
    """Nearest facility and minutes for every commune of the territory; population beyond
    each threshold (default 30, 60, 120 min) per sub-territory and in total. `level=
    secondary` alone is a general hospital (HPr, HP, HR, the CHU's general units); `tier`
    asks for specialty hospitals, maternities, or any hospital of the level."""
    limits = tuple(float(t) for t in thresholds or DEFAULT_THRESHOLDS_MINUTES)
    return await _answer(request, lambda index: access_asked(index, code, selector, limits))


def access_asked(
    index: TerritoryIndex, code: str, selector: FacilitySelector, limits: tuple[float, ...]
) -> _Asked:
    """What `GET /access/{code}` asks (the per-commune tables ask the same, and share
    its kept answer)."""
    territory = index.resolve(code)

    def answer(session: Session, model: CommuneGraphModel, read: DestinationReader) -> AccessRead:
        report = compute_access(session, territory, selector, model, limits, index, read)
        return AccessRead(
            territory=territory.code,
            offer=report.selector.describe(),
            model=report.model,
            measure=model.measure,
            thresholds_minutes=list(report.thresholds_minutes),
            summary=rows_as(AccessSummaryRead, group_rows(report)),
            communes=rows_as(CommuneAccessRead, report.rows),
        )

    return _Asked(("access", territory.code, selector, limits), answer)


@router.get("/access/{code}/referral", response_model=ReferralsRead)
async def referral_for(
    code: TerritoryPath,
    request: Request,
    _: Public,
    threshold: Annotated[float, Query(gt=0)] = 60.0,
) -> Response:
    """From each ESSP of the territory: minutes and km to the nearest HPr, HP, HR and
    general CHU unit (an oncology centre or a children's hospital is no referral hospital)."""

    return await _answer(request, lambda index: referral_asked(index, code, threshold))


def referral_asked(index: TerritoryIndex, code: str, threshold: float) -> _Asked:
    """What `GET /access/{code}/referral` asks (shared with the referral table)."""
    territory = index.resolve(code)

    def answer(
        session: Session, model: CommuneGraphModel, read: DestinationReader
    ) -> ReferralsRead:
        rows = compute_referrals(session, territory, model, threshold, index=index, read=read)
        return ReferralsRead(
            territory=territory.code,
            threshold_minutes=threshold,
            model=model.name,
            measure=model.measure,
            essp=rows_as(ReferralRead, rows),
        )

    return _Asked(("access.referral", territory.code, threshold), answer)


@router.get("/access/{code}/distance", response_model=DistanceRead)
async def distance_for(code: TerritoryPath, request: Request, _: Public) -> Response:
    """The Ministry's distance indicator: population within 5 km, 5–10 km and beyond 10 km
    of the nearest ESSP by the model's km (legs inside the communes included), per
    sub-territory and in total (`summary`, the total last), and per commune. A whole
    commune falls in the band of its distance (`note`)."""

    def ask(index: TerritoryIndex) -> _Asked:
        territory = index.resolve(code)

        def answer(
            session: Session, model: CommuneGraphModel, read: DestinationReader
        ) -> DistanceRead:
            report = compute_distance_access(
                session, territory, model, ESSP_SELECTOR, index=index, read=read
            )
            return DistanceRead(
                territory=territory.code,
                offer="ESSP",
                model=report.model,
                measure=report.measure,
                bands_km=list(report.bands_km),
                note=Words(**WHOLE_COMMUNE_NOTE),
                summary=rows_as(DistanceSummaryRead, distance_group_rows(report)),
                communes=rows_as(CommuneAccessRead, report.rows),
            )

        return _Asked(("access.distance", territory.code), answer)

    return await _answer(request, ask)


@router.get("/access/{code}/2sfca", response_model=TwoStepRead)
async def two_step_for(
    code: TerritoryPath,
    request: Request,
    _: Public,
    selector: Offer,
    supply: Supply = "facilities",
    catchment: Annotated[float, Query(gt=0, le=600)] = 60.0,
    decay: Literal["step", "gaussian"] = "step",
) -> Response:
    """Two-step floating catchment index per commune of the territory (computed on the
    whole country): facilities, or beds or doctors (`supply`), per 10,000 inhabitants
    within reach, shared with everyone else who can reach them. With beds or doctors a
    facility whose figure is unknown is left out of the supply: `known` says how many of
    the facilities within reach were left out and the share known; none known is refused
    (422, `capacity_unknown`: enter capacity first)."""

    def ask(index: TerritoryIndex) -> _Asked:
        territory = index.resolve(code)

        def answer(
            session: Session, model: CommuneGraphModel, read: DestinationReader
        ) -> TwoStepRead:
            report = compute_2sfca_report(
                session,
                territory,
                selector,
                model,
                catchment,
                decay,
                index,
                SupplyMeasure(supply),
            )
            return TwoStepRead(
                territory=territory.code,
                offer=selector.describe(),
                model=model.name,
                measure=model.measure,
                supply=supply,
                catchment_minutes=catchment,
                decay=decay,
                known=_known_read(report.known),
                communes=rows_as(TwoStepCommuneRead, report.rows),
            )

        return _Asked(("access.2sfca", territory.code, selector, supply, catchment, decay), answer)

    return await _answer(request, ask)


@router.get("/access/{code}/catchments", response_model=CatchmentsRead)
async def catchments_for(
    code: TerritoryPath,
    request: Request,
    _: Public,
    selector: Offer,
    supply: Supply = "facilities",
) -> Response:
    """Each commune of the country assigned to its nearest selected facility: the
    territory's facilities with their catchment population, and population per bed
    (`supply` facilities or beds) or per doctor where known; with beds or doctors,
    `known` says how many of the territory's facilities have the figure (none known is
    refused: 422, `capacity_unknown`)."""

    def ask(index: TerritoryIndex) -> _Asked:
        territory = index.resolve(code)

        def answer(
            session: Session, model: CommuneGraphModel, read: DestinationReader
        ) -> CatchmentsRead:
            report = compute_catchment_report(
                session, territory, selector, model, index, SupplyMeasure(supply)
            )
            rows = sorted(report.rows, key=lambda r: -r["catchment_population"])
            return CatchmentsRead(
                territory=territory.code,
                offer=selector.describe(),
                model=model.name,
                measure=model.measure,
                supply=supply,
                known=_known_read(report.known),
                facilities=rows_as(CatchmentRead, rows),
            )

        return _Asked(("access.catchments", territory.code, selector, supply), answer)

    return await _answer(request, ask)


def _known_read(known: SupplyKnown | None) -> SupplyKnownRead | None:
    if known is None:
        return None
    words = {
        lang: capacity_known_text(lang, known.measure, known.known, known.facilities) or ""
        for lang in ("fr", "ar", "en")
    }
    return SupplyKnownRead(
        measure=known.measure,
        facilities=known.facilities,
        known=known.known,
        left_out=known.left_out,
        known_share=known.share,
        words=Words(**words),
    )


def kept_answer(state: AppState, ask: Callable[[TerritoryIndex], _Asked]) -> CachedBody:
    """The kept answer (the bytes a route of this module sends) for what is asked: for the
    views that show the same figures in another shape (the per-commune tables)."""
    return _kept(state, ask)
