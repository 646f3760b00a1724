"""A campaign's report (planned against done per visit, population reached) and the
referrals its visits sent to the registry's facilities."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.caravans._tables import CaravanCampaignRow, CaravanRecordRow, CaravanStopRow
from qurb.caravans.store import get_campaign, spec_list
from qurb.caravans.summaries import CampaignReport, ReferralLine
from qurb.registry.lookups import facility_briefs
from qurb.territory.lookups import unit_briefs


def campaign_report(session: Session, campaign_id: str) -> CampaignReport:
    """Planned against done per visit, population reached, referrals by facility."""
    campaign = get_campaign(session, campaign_id)
    stops = session.scalars(
        select(CaravanStopRow)
        .where(CaravanStopRow.campaign_id == campaign_id)
        .order_by(CaravanStopRow.number)
    ).all()
    records = session.scalars(
        select(CaravanRecordRow).where(CaravanRecordRow.stop_id.in_([s.id for s in stops]))
    ).all()
    by_stop: dict[int, list[CaravanRecordRow]] = defaultdict(list)
    for r in records:
        by_stop[r.stop_id].append(r)
    units = unit_briefs(session, {s.commune_code for s in stops})
    names = {code: unit.name_fr for code, unit in units.items()}
    population = {code: unit.population_2024 for code, unit in units.items()}
    specialties_ = [str(s) for s in spec_list(campaign.spec, "specialties")]
    rows = []
    reached: set[str] = set()
    totals = {"planned": 0, "done": 0, "screenings": 0, "medicines": 0, "referrals": 0}
    by_specialty = {s: {"planned": 0, "done": 0} for s in specialties_}
    by_sex_age: dict[str, int] = defaultdict(int)
    by_item: dict[str, dict[str, int]] = {"screening": {}, "medicine": {}}
    for stop in stops:
        got = by_stop.get(stop.id, [])
        done: dict[str, int] = defaultdict(int)
        for r in got:
            if r.kind == "consultation":
                done[r.item] += r.count
                by_sex_age[f"{r.sex or '?'} {r.age_band or '?'}"] += r.count
            elif r.kind in by_item:
                by_item[r.kind][r.item] = by_item[r.kind].get(r.item, 0) + r.count
        planned = {s: int(stop.expected.get(s, 0)) for s in specialties_}
        screenings = sum(r.count for r in got if r.kind == "screening")
        medicines = sum(r.count for r in got if r.kind == "medicine")
        referrals = sum(r.count for r in got if r.kind == "referral")
        if sum(done.values()) > 0:
            reached.add(stop.commune_code)
        for s in specialties_:
            by_specialty[s]["planned"] += planned[s]
            by_specialty[s]["done"] += done.get(s, 0)
        totals["planned"] += sum(planned.values())
        totals["done"] += sum(done.values())
        totals["screenings"] += screenings
        totals["medicines"] += medicines
        totals["referrals"] += referrals
        rows.append(
            {
                "number": stop.number,
                "date": stop.visit_date.isoformat(),
                "code": stop.commune_code,
                "commune": names.get(stop.commune_code, stop.commune_code),
                "label": stop.label,
                "unit": stop.unit,
                "planned": sum(planned.values()),
                "done": sum(done.values()) if got else None,  # None: nothing recorded yet
                "screenings": screenings,
                "medicines": medicines,
                "referrals": referrals,
                "recorded": bool(got),
                **{f"planned_{s}": planned[s] for s in specialties_},
                **{f"done_{s}": done.get(s, 0) for s in specialties_},
            }
        )
    referral_rows = referrals_by_facility(session, campaign_id)
    report = {
        "campaign": {
            "id": campaign.id,
            "name": campaign.name,
            "territory": campaign.territory,
            "start": campaign.start.isoformat(),
            "end": campaign.end.isoformat(),
        },
        "stops": rows,
        "totals": {
            **totals,
            "visits_planned": len(stops),
            "visits_recorded": sum(1 for r in rows if r["recorded"]),
            "communes_reached": len(reached),
            "population_of_communes_reached": int(sum(population.get(c) or 0 for c in reached)),
        },
        "by_specialty": by_specialty,
        "consultations_by_sex_age": dict(sorted(by_sex_age.items())),
        "screenings_by_item": dict(sorted(by_item["screening"].items())),
        "medicines_by_item": dict(sorted(by_item["medicine"].items())),
        "referrals": referral_rows,
    }
    return CampaignReport.model_validate(report)


def unit_names(session: Session, report: CampaignReport, lang: str) -> dict[str, str]:
    """code → the name in `lang` of each commune the report visits, and the campaign's
    territory (as the campaign names it) → its name: the Arabic name in Arabic where the
    census has one, the official (French) name otherwise."""
    units = unit_briefs(session, {s.code for s in report.stops})
    names = {
        code: (unit.name_ar or unit.name_fr) if lang == "ar" else unit.name_fr
        for code, unit in units.items()
    }
    territory = get_campaign(session, report.campaign.id).plan.campaign.territory
    shown = (territory.name_ar or territory.name_fr) if lang == "ar" else territory.name_fr
    return {**names, report.campaign.territory: shown}


def referrals_by_facility(
    session: Session, campaign_id: str | None = None, facility_id: str | None = None
) -> list[ReferralLine]:
    """Referrals issued by caravans, grouped by receiving facility and service."""
    keys = (
        CaravanRecordRow.facility_id,
        CaravanRecordRow.service,
        CaravanRecordRow.item,
        CaravanStopRow.campaign_id,
        CaravanCampaignRow.name,
    )
    query = (
        select(
            *keys,
            func.sum(CaravanRecordRow.count),
            func.min(CaravanStopRow.visit_date),
            func.max(CaravanStopRow.visit_date),
        )
        .join(CaravanStopRow, CaravanStopRow.id == CaravanRecordRow.stop_id)
        .join(CaravanCampaignRow, CaravanCampaignRow.id == CaravanStopRow.campaign_id)
        .where(CaravanRecordRow.kind == "referral", CaravanRecordRow.facility_id.is_not(None))
        .group_by(*keys)
        .order_by(CaravanRecordRow.facility_id, CaravanRecordRow.item)
    )
    if campaign_id is not None:
        query = query.where(CaravanStopRow.campaign_id == campaign_id)
    if facility_id is not None:
        query = query.where(CaravanRecordRow.facility_id == facility_id)
    found = session.execute(query).all()
    facilities = facility_briefs(session, {row[0] for row in found if row[0] is not None})
    return [
        ReferralLine(
            facility_id=fid,
            facility=facilities[fid].name,
            category=facilities[fid].category,
            service=service,
            specialty=item,
            campaign_id=cid,
            campaign=cname,
            referrals=int(total),
            first_visit=first.isoformat(),
            last_visit=last.isoformat(),
        )
        for fid, service, item, cid, cname, total, first, last in found
        if fid in facilities
    ]
