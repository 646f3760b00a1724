"""Reference tables: norm sets with their sources, facility categories, service names, the
app's config."""

from __future__ import annotations

from fastapi import APIRouter

from qurb.norms.norm_sets import available_norm_sets
from qurb.norms.schemas import NormRuleRead, NormSetRead
from qurb.platform.access import Public

router = APIRouter(prefix="/api", tags=["reference"])


@router.get("/norms", response_model=list[NormSetRead], summary="Norm sets and their sources")
def norms(_: Public) -> list[NormSetRead]:
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
