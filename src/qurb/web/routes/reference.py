"""Reference tables: norm sets with their sources, facility categories, service names, the
app's config."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from qurb.domain.definitions import figure_definitions
from qurb.domain.facility import categories
from qurb.domain.facility_services import (
    GENERAL_HOSPITAL,
    MATERNITY,
    SPECIALTY_CLASSES,
    known_services,
)
from qurb.services.norms import available_norm_sets
from qurb.storage.models import DatasetMetaRow
from qurb.web.deps import SessionDep, SettingsDep
from qurb.web.schemas import (
    AppConfigRead,
    CategoryRead,
    FigureDefinitionRead,
    NormRuleRead,
    NormSetRead,
    ServiceRead,
    TextRead,
)

router = APIRouter(prefix="/api", tags=["reference"])

LANGUAGES = ["fr", "ar", "en"]


@router.get("/norms", response_model=list[NormSetRead], summary="Norm sets and their sources")
def norms() -> list[NormSetRead]:
    return [
        NormSetRead(
            id=s.id,
            version=s.version,
            kind=s.kind.value,
            name_fr=s.name_fr,
            name_ar=s.name_ar,
            name_en=s.name_en,
            source=s.source,
            notes=s.notes,
            rules=[
                NormRuleRead(
                    id=r.id,
                    label_fr=r.label_fr,
                    label_ar=r.label_ar,
                    label_en=r.label_en,
                    population=r.population.value,
                    per_population=r.per_population,
                    facilities=r.facilities,
                    supply=r.supply.value,
                    scale=r.scale.value,
                    missing_category=r.missing_category,
                )
                for r in s.rules
            ],
        )
        for s in available_norm_sets().values()
    ]


@router.get(
    "/definitions",
    response_model=list[FigureDefinitionRead],
    summary="Every figure shown: definition, formula, source, date and kind",
)
def definitions() -> list[FigureDefinitionRead]:
    return [
        FigureDefinitionRead(
            id=f.id,
            group=f.group,
            kind=f.kind.value,
            name=TextRead(**f.name),
            definition=TextRead(**f.definition),
            formula=f.formula,
            source=f.source,
            date=f.date,
            fields=list(f.fields),
        )
        for f in figure_definitions()
    ]


@router.get("/categories", response_model=list[CategoryRead], summary="Facility categories")
def category_list() -> list[CategoryRead]:
    return [
        CategoryRead(
            code=c.code,
            family=c.family,
            level=c.level.value,
            name_fr=c.name_fr,
            name_ar=c.name_ar,
            services=sorted(c.services),
        )
        for c in categories().values()
    ]


@router.get("/services", response_model=list[ServiceRead], summary="Service names")
def service_list() -> list[ServiceRead]:
    """Every service a facility may offer, in French, Arabic and English; `tier` marks the
    services that class a hospital (general, a specialty, maternity)."""
    tiers = {
        GENERAL_HOSPITAL: "general",
        MATERNITY: "maternity",
        **dict.fromkeys(SPECIALTY_CLASSES, "specialty"),
    }
    return [
        ServiceRead(
            code=s.code,
            name_fr=s.name_fr,
            name_ar=s.name_ar,
            name_en=s.name_en,
            tier=tiers.get(s.code),
        )
        for s in known_services().values()
    ]


@router.get("/config", response_model=AppConfigRead, summary="What the page needs to know")
def config(session: SessionDep, settings: SettingsDep) -> AppConfigRead:
    meta = {k: v for k, v in session.execute(select(DatasetMetaRow.key, DatasetMetaRow.value))}
    return AppConfigRead(
        local_mode=settings.local_mode,
        tile_url=settings.tile_url,
        tile_attribution=settings.tile_attribution,
        dataset_sha256=meta.get("dataset_sha256"),
        loaded_at=meta.get("loaded_at"),
        default_user=settings.default_user,
        languages=LANGUAGES,
    )
