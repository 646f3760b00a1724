"""Reference tables: norm sets with their sources, facility categories, service names, the
app's config."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from qurb.app.schemas import AppConfigRead, FigureDefinitionRead
from qurb.indicators.schemas import TextRead
from qurb.platform.access import Public
from qurb.platform.http import SessionDep, SettingsDep
from qurb.platform.tables import DatasetMetaRow

router = APIRouter(prefix="/api", tags=["reference"])


LANGUAGES = ["fr", "ar", "en"]


@router.get(
    "/definitions",
    response_model=list[FigureDefinitionRead],
    summary="Every figure shown: definition, formula, source, date and kind",
)
def definitions(_: Public) -> list[FigureDefinitionRead]:
    from qurb.app.features import figures  # features lists this router

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
        for f in figures()
    ]


@router.get("/config", response_model=AppConfigRead, summary="What the page needs to know")
def config(_: Public, session: SessionDep, settings: SettingsDep) -> AppConfigRead:
    meta = {k: v for k, v in session.execute(select(DatasetMetaRow.key, DatasetMetaRow.value))}
    return AppConfigRead(
        tile_url=settings.tile_url,
        tile_attribution=settings.tile_attribution,
        dataset_sha256=meta.get("dataset_sha256"),
        loaded_at=meta.get("loaded_at"),
        languages=LANGUAGES,
    )
