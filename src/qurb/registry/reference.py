"""Reference tables: norm sets with their sources, facility categories, service names, the
app's config."""

from __future__ import annotations

from fastapi import APIRouter

from qurb.platform.access import Public
from qurb.registry.facility_services import (
    GENERAL_HOSPITAL,
    MATERNITY,
    SPECIALTY_CLASSES,
    known_services,
)
from qurb.registry.model import categories
from qurb.registry.schemas import CategoryRead, ServiceRead

router = APIRouter(prefix="/api", tags=["reference"])


@router.get("/categories", response_model=list[CategoryRead], summary="Facility categories")
def category_list(_: Public) -> list[CategoryRead]:
    return [
        CategoryRead(
            code=c.code,
            family=c.family,
            level=c.level.value,
            name_fr=c.name_fr,
            name_ar=c.name_ar,
            name_en=c.name_en,
            services=sorted(c.services),
        )
        for c in categories().values()
    ]


@router.get("/services", response_model=list[ServiceRead], summary="Service names")
def service_list(_: Public) -> list[ServiceRead]:
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
