"""A new referral checked before it is written: every problem of it named by its field
(the import names its row too), nothing guessed.

A destination must offer the service asked for (the registry's services of that facility:
its category's defaults and its reviewed per-facility lines); a pathway and step, when
given, must name a level of the pathway whose service is the one asked for; the commune
of residence is required and must be a commune's HCP code; the origin is a facility or a
caravan stop, one of the two."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

from qurb.kernel.errors import FieldError, NotFound
from qurb.kernel.i18n import problem
from qurb.referrals.model import AGE_BANDS, SEXES, TEXT_MAX, Kind, Urgency
from qurb.referrals.pathways import pathways
from qurb.registry.facility_services import facility_services, known_services
from qurb.registry.model import Facility
from qurb.registry.model import Status as FacilityStatus
from qurb.registry.service import get_facility
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex

# The caravans' visits, read by name and never written: the caravans sit above the
# referrals (they send referrals), so this package does not import them.
_STOPS = table("caravan_stops", column("id"), column("commune_code"))


@dataclass(frozen=True)
class NewReferral:
    """What a sender gives. `commune_code`: the patient's commune of residence (HCP code)."""

    service: str
    destination_facility_id: str
    commune_code: str | None
    origin_facility_id: str | None = None
    origin_stop_id: int | None = None
    pathway: str | None = None
    step: int | None = None
    specialty: str | None = None
    age_band: str | None = None
    sex: str | None = None
    reason: str | None = None
    urgency: str = Urgency.ROUTINE.value
    kind: str = Kind.REFERRAL.value
    origin_record_id: int | None = None
    parent_id: int | None = None


@dataclass
class Checked:
    """The facts a valid referral is written with."""

    destination: Facility | None = None
    origin: Facility | None = None
    origin_commune: str | None = None  # the origin facility's or the stop's commune
    region_code: str | None = None
    errors: list[FieldError] = field(default_factory=list)


def _facility(session: Session, facility_id: str | None) -> Facility | None:
    if not facility_id:
        return None
    try:
        return get_facility(session, facility_id)
    except NotFound:
        return None


def offers(facility: Facility, service: str) -> bool:
    """Whether the facility offers the service (the registry's per-facility services)."""
    return service in facility_services(facility.category, facility.services)


def _destination(session: Session, new: NewReferral, index: TerritoryIndex, out: Checked) -> None:
    if new.service not in known_services():
        out.errors.append(problem("service", "referral_unknown_service", value=new.service))
        return
    destination = _facility(session, new.destination_facility_id)
    if destination is None:
        out.errors.append(
            problem("destination", "referral_no_facility", id=new.destination_facility_id)
        )
        return
    if destination.status == FacilityStatus.CLOSED.value:
        out.errors.append(problem("destination", "referral_facility_closed", id=destination.id))
        return
    if not offers(destination, new.service):
        out.errors.append(
            problem(
                "destination",
                "referral_service_not_offered",
                facility=destination.id,
                service=new.service,
            )
        )
        return
    out.destination = destination
    region = index.ancestor_at(destination.commune_code, TerritoryLevel.REGION)
    out.region_code = region.code if region is not None else destination.province_code


def _pathway(new: NewReferral, out: Checked) -> None:
    if new.pathway is None:
        if new.step is not None:
            out.errors.append(problem("step", "referral_step_without_pathway"))
        return
    found = pathways().get(new.pathway)
    if found is None:
        choices = sorted(pathways())
        out.errors.append(
            problem("pathway", "referral_unknown_pathway", value=new.pathway, choices=choices)
        )
        return
    services = [lv.service for lv in found.levels]
    if new.step is None:
        if new.service not in services:
            out.errors.append(
                problem(
                    "service", "referral_not_on_pathway", service=new.service, pathway=new.pathway
                )
            )
        return
    if not 0 <= new.step < len(services):
        out.errors.append(
            problem("step", "referral_bad_step", step=new.step, last=len(services) - 1)
        )
    elif services[new.step] != new.service:
        out.errors.append(
            problem(
                "step",
                "referral_step_service",
                step=new.step,
                expected=services[new.step],
                service=new.service,
            )
        )


def _origin(session: Session, new: NewReferral, out: Checked) -> None:
    if (new.origin_facility_id is None) == (new.origin_stop_id is None):
        out.errors.append(problem("origin", "referral_one_origin"))
        return
    if new.origin_facility_id is not None:
        origin = _facility(session, new.origin_facility_id)
        if origin is None:
            out.errors.append(problem("origin", "referral_no_facility", id=new.origin_facility_id))
            return
        out.origin, out.origin_commune = origin, origin.commune_code
        return
    commune = session.scalar(select(_STOPS.c.commune_code).where(_STOPS.c.id == new.origin_stop_id))
    if commune is None:
        out.errors.append(problem("origin", "referral_no_stop", id=new.origin_stop_id))
        return
    out.origin_commune = commune


def _values(new: NewReferral, index: TerritoryIndex, out: Checked) -> None:
    commune = (new.commune_code or "").strip()
    if not commune:
        out.errors.append(problem("commune", "referral_commune_required"))
    elif commune not in index.by_code or index.by_code[commune].level is not TerritoryLevel.COMMUNE:
        out.errors.append(problem("commune", "referral_not_a_commune", value=commune))
    if new.age_band is not None and new.age_band not in AGE_BANDS:
        out.errors.append(
            problem("age_band", "referral_choice", value=new.age_band, choices=list(AGE_BANDS))
        )
    if new.sex is not None and new.sex not in SEXES:
        out.errors.append(problem("sex", "referral_choice", value=new.sex, choices=list(SEXES)))
    if new.urgency not in {u.value for u in Urgency}:
        choices = [u.value for u in Urgency]
        out.errors.append(problem("urgency", "referral_choice", value=new.urgency, choices=choices))
    if new.kind not in {k.value for k in Kind}:
        out.errors.append(
            problem("kind", "referral_choice", value=new.kind, choices=[k.value for k in Kind])
        )
    if new.reason is not None and len(new.reason) > TEXT_MAX:
        out.errors.append(
            problem("reason", "referral_text_too_long", length=len(new.reason), limit=TEXT_MAX)
        )


def check_new(session: Session, new: NewReferral, index: TerritoryIndex) -> Checked:
    """Every problem of a new referral (`errors`), or the facts to write it with."""
    out = Checked()
    _values(new, index, out)
    _destination(session, new, index, out)
    _pathway(new, out)
    _origin(session, new, out)
    return out
