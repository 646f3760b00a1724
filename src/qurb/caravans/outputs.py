"""What a caravan plan is handed out as: a map layer, an iCalendar file, a public notice
per commune in French and Arabic, and a printable report.

Route lines join the stops in visiting order with straight segments: the commune-graph
model knows travel times between communes, not the road geometry.
"""

from __future__ import annotations

import csv
import html
import io
from collections import defaultdict
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from qurb.caravans.catalogue import caravan_figure
from qurb.caravans.plan import CampaignPlan, PlanStop
from qurb.caravans.summaries import CampaignReport
from qurb.kernel import clock
from qurb.kernel.attribution import MODEL_SOURCES, Attribution, metadata_comment_lines
from qurb.kernel.i18n import long_date
from qurb.platform.csv_cells import csv_cell
from qurb.platform.geojson import FeatureCollection

# A plan rests on the census (expected patients), the commune polygons (reference points,
# routes) and the travel-time model (facilities' coordinates, some from OpenStreetMap).
CARAVAN_SOURCES = Attribution(MODEL_SOURCES)

MOROCCO_TZ = ZoneInfo("Africa/Casablanca")


def expected_formula() -> str:
    """The formula of a caravan's expected patients (an estimate), from the definitions
    catalogue: printed beside every expected figure of a report or an export."""
    return caravan_figure("expected_attendance").formula


def expected_metadata(columns: list[str]) -> dict[str, Any]:
    """Export metadata naming the expected_* columns as estimates with their formula
    (`# estimates.expected_gp: …` in a CSV, as the CLI's other exports do)."""
    formula = expected_formula()
    return {"estimates": {c: formula for c in columns if c.startswith("expected_")}}


def plan_geojson(plan: CampaignPlan) -> FeatureCollection:
    """Routes (LineString per unit and day or tour) and stops (Point per visit)."""
    features: list[dict[str, Any]] = []
    for k, day in enumerate(plan.days):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": day.path},
                "properties": {
                    "kind": "route",
                    "route": k + 1,
                    "date": day.date.isoformat(),
                    "last_date": day.last_date.isoformat(),
                    "unit": day.unit,
                    "team": day.team,
                    "base": day.base,
                    "leave": day.leave,
                    "back": day.back,
                    "distance_km": day.distance_km,
                    "travel_minutes": day.travel_minutes,
                    "stops": len(day.stops),
                },
            }
        )
    for stop in plan.stops:
        shown = stop.model_dump(mode="json", exclude_unset=True, exclude={"lon", "lat", "expected"})
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [stop.lon, stop.lat]},
                "properties": {
                    "kind": "stop",
                    **shown,
                    **{f"expected_{s}": n for s, n in stop.expected.items()},
                },
            }
        )
    return FeatureCollection.model_validate(
        CARAVAN_SOURCES.annotate({"type": "FeatureCollection", "features": features})
    )


def geojson_document(collection: FeatureCollection) -> dict[str, Any]:
    """The collection as JSON, its credits before the (long) features."""
    data = collection.model_dump(mode="json")
    features = data.pop("features")
    return {**data, "features": features}


def plan_csv_text(plan: CampaignPlan) -> str:
    """The plan day by day, one row per visit, as CSV under its sources' comment lines."""
    rows = day_by_day_rows(plan)
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    notes = "".join(
        f"# {line}\n" for line in metadata_comment_lines(expected_metadata(list(columns)))
    )
    return CARAVAN_SOURCES.csv_text(notes + out.getvalue())


def _local(day: date, clock: str) -> datetime:
    hour, minute = (int(x) for x in clock.split(":"))
    return datetime.combine(day, time(hour, minute), MOROCCO_TZ)


def plan_ics(plan: CampaignPlan, campaign_id: str, now: datetime | None = None) -> bytes:
    """One event per visit, for the teams' and partners' calendars. Times are written in
    UTC: Morocco's clock changes around Ramadan every year, and a calendar that trusts an
    embedded time-zone table would be an hour off where the table stops."""
    from icalendar import Calendar, Event, vText

    stamp = (now or clock.now()).astimezone(UTC)
    labels = {s.code: s for s in plan.campaign.specialties}
    calendar = Calendar()
    calendar.add("prodid", "-//Qurb//caravanes médicales//FR")
    calendar.add("version", "2.0")
    # An X- property is written as given unless typed: the name is TEXT, escaped (a line
    # break becomes \n, ';' and ',' are quoted) like SUMMARY; the library folds long lines.
    calendar.add("x-wr-calname", vText(plan.campaign.name))
    calendar.add("x-wr-timezone", "Africa/Casablanca")
    for stop in plan.stops:
        event = Event()
        event.add("uid", f"{campaign_id}-{stop.number}@qurb")
        event.add("summary", f"{plan.campaign.name} — {stop.name_fr}")
        event.add("dtstart", _local(stop.date, stop.start).astimezone(UTC))
        event.add("dtend", _local(stop.date, stop.departure).astimezone(UTC))
        event.add("dtstamp", stamp)
        event.add("location", f"{stop.label}, {stop.name_fr} ({stop.code})")
        event.add("geo", (stop.lat, stop.lon))
        expected = ", ".join(
            f"{labels[s].label_fr}: {n}" for s, n in stop.expected.items() if s in labels
        )
        opens, closes = stop.opening
        event.add(
            "description",
            f"{stop.unit} ({stop.team}); visite {stop.visit}; consultations "
            f"{opens}–{closes} (heure du Maroc); patients attendus: {expected}",
        )
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def date_fr(day: date) -> str:
    """`lundi 11 janvier 2027`: CLDR's fr_MA names."""
    return long_date(day, "fr")


def date_ar(day: date) -> str:
    """`الاثنين 11 يناير 2027`: CLDR's ar_MA names, the month names used in Morocco."""
    return long_date(day, "ar")


_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 48rem; }}
section {{ border: 2px solid #2b6cb0; border-radius: 8px; padding: 1rem 1.5rem;
  margin-bottom: 1.5rem; }}
section[dir=rtl] {{ font-family: "Noto Naskh Arabic", "Amiri", serif; font-size: 1.15rem; }}
h1 {{ font-size: 1.5rem; margin: 0 0 .5rem; }} .free {{ font-weight: bold; color: #2f855a; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: .25rem .5rem; text-align: start; }}
td.estimate {{ font-style: italic; }} .estimate-note {{ color: #555; font-size: .9rem; }}
@media print {{ body {{ margin: 0; }} }}
</style></head><body>
{body}
</body></html>
"""


def notice_html(plan: CampaignPlan, code: str) -> str:
    """The public notice of one commune: dates, place, hours, specialties, in French and
    in Arabic (right to left), printable."""
    visits = [s for s in plan.stops if s.code == code]
    if not visits:
        raise KeyError(code)
    campaign = plan.campaign
    specialties = campaign.specialties
    partners = ", ".join(html.escape(p.name) for p in campaign.partners)
    e = html.escape

    def hours(v: PlanStop) -> str:
        opens, closes = v.opening
        return f'<bdi dir="ltr">{e(opens)} – {e(closes)}</bdi>'

    def place_ar(v: PlanStop) -> str:
        # The commune's Arabic name where the stop is its reference point; a user's site
        # keeps the name it was given, isolated so that Latin text reads left to right.
        if v.label == v.name_fr:
            return e(v.name_ar)
        return f"<bdi>{e(v.label)}</bdi>"

    rows_fr = "".join(
        f"<tr><td>{e(date_fr(v.date))}</td><td>{e(v.label)}</td><td>{hours(v)}</td></tr>"
        for v in visits
    )
    rows_ar = "".join(
        f"<tr><td>{e(date_ar(v.date))}</td><td>{place_ar(v)}</td><td>{hours(v)}</td></tr>"
        for v in visits
    )
    partners_ar = "، ".join(f"<bdi>{html.escape(p.name)}</bdi>" for p in campaign.partners)
    first = visits[0]
    fr = (
        f'<section lang="fr" dir="ltr"><h1>Caravane médicale gratuite — '
        f"{e(first.name_fr)}</h1>"
        f"<p>{e(campaign.name)}</p>"
        f'<p class="free">Consultations gratuites, ouvertes à toutes et à tous.</p>'
        f"<table><tr><th>Date</th><th>Lieu</th><th>Heures</th></tr>{rows_fr}</table>"
        f"<p>Spécialités : {', '.join(e(s.label_fr) for s in specialties)}.</p>"
        f"<p>Partenaires : {partners or '—'}.</p>"
        f"<p>Apportez votre carte d'identité nationale, votre carnet de santé et vos "
        f"ordonnances.</p></section>"
    )
    ar = (
        f'<section lang="ar" dir="rtl"><h1>قافلة طبية مجانية — {e(first.name_ar)}</h1>'
        f"<p><bdi>{e(campaign.name)}</bdi></p>"
        f'<p class="free">فحوصات مجانية ومفتوحة للجميع.</p>'
        f"<table><tr><th>التاريخ</th><th>المكان</th><th>التوقيت</th></tr>{rows_ar}</table>"
        f"<p>التخصصات: {'، '.join(e(s.label_ar) for s in specialties)}.</p>"
        f"<p>الشركاء: {partners_ar or '—'}.</p>"
        f"<p>يرجى إحضار البطاقة الوطنية ودفتر الصحة والوصفات الطبية.</p></section>"
    )
    return _PAGE.format(title=e(f"{campaign.name} — {first.name_fr}"), body=fr + ar)


def notices(plan: CampaignPlan) -> dict[str, str]:
    """code → notice HTML, one per commune visited."""
    return {code: notice_html(plan, code) for code in dict.fromkeys(s.code for s in plan.stops)}


def day_by_day_rows(plan: CampaignPlan) -> list[dict[str, Any]]:
    """One row per visit, in date order: the plan as a table."""
    rows = []
    for stop in plan.stops:
        rows.append(
            {
                "number": stop.number,
                "date": stop.date.isoformat(),
                "unit": stop.unit,
                "team": stop.team,
                "commune": stop.name_fr,
                "code": stop.code,
                "place": stop.label,
                "arrival": stop.arrival,
                "start": stop.start,
                "departure": stop.departure,
                "visit": stop.visit,
                **{f"expected_{s}": n for s, n in stop.expected.items()},
            }
        )
    return sorted(rows, key=lambda r: (r["date"], r["unit"], r["start"]))


def report_html(report: CampaignReport) -> str:
    """The campaign report as a printable page: planned against done, referrals."""
    e = html.escape
    campaign = report.campaign
    totals = report.totals
    stop_rows = "".join(
        f"<tr><td>{r.number}</td><td>{e(r.date)}</td><td>{e(r.commune)}</td>"
        f"<td>{e(r.unit)}</td><td class=estimate>{r.planned}</td>"
        f"<td>{'—' if r.done is None else r.done}</td><td>{r.screenings}</td>"
        f"<td>{r.medicines}</td><td>{r.referrals}</td></tr>"
        for r in report.stops
    )
    by_facility: dict[str, int] = defaultdict(int)
    names = {}
    for line in report.referrals:
        by_facility[line.facility_id] += line.referrals
        names[line.facility_id] = f"{line.facility} ({line.category})"
    referral_rows = "".join(
        f"<tr><td>{e(names[f])}</td><td>{n}</td></tr>" for f, n in sorted(by_facility.items())
    )
    specialty_rows = "".join(
        f"<tr><td>{e(s)}</td><td class=estimate>{v.planned}</td><td>{v.done}</td></tr>"
        for s, v in report.by_specialty.items()
    )
    # Expected patients are an estimate: marked, with the formula under the tables.
    formula = e(expected_formula())
    expected = f'<abbr class=estimate-mark title="{formula}">*</abbr>'
    footnote = (
        f"<p class=estimate-note>* Estimation, pas un chiffre publié : {formula} "
        "(taux de fréquentation supposés, hypothèses de planification).</p>"
    )
    body = (
        f"<h1>{e(campaign.name)}</h1>"
        f"<p>{e(campaign.start)} → {e(campaign.end)} · {e(campaign.territory)}</p>"
        f"<p>Visites enregistrées : {totals.visits_recorded} / {totals.visits_planned} · "
        f"consultations : {totals.done} réalisées pour {totals.planned} attendues "
        f"{expected} · "
        f"communes atteintes : {totals.communes_reached} "
        f"({totals.population_of_communes_reached} habitants) · "
        f"références : {totals.referrals}</p>"
        f"<h2>Par visite</h2><table><tr><th>N°</th><th>Date</th><th>Commune</th><th>Unité</th>"
        f"<th>Attendus {expected}</th><th>Réalisés</th><th>Dépistages</th><th>Médicaments</th>"
        f"<th>Références</th></tr>{stop_rows}</table>"
        f"<h2>Par spécialité</h2><table><tr><th>Spécialité</th><th>Attendus {expected}</th>"
        f"<th>Réalisés</th></tr>{specialty_rows}</table>{footnote}"
        f"<h2>Références par établissement d'accueil</h2><table><tr><th>Établissement</th>"
        f"<th>Références</th></tr>{referral_rows or '<tr><td colspan=2>—</td></tr>'}</table>"
    )
    return _PAGE.format(title=e(campaign.name), body=body)
