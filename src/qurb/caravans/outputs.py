"""What a caravan plan is handed out as: a map layer, an iCalendar file, a public notice
per commune in French and Arabic, and a printable report in the reader's language. Their
words come from the catalogues (`data/locales`), their dates from CLDR.

Route lines join the stops in visiting order with straight segments: the commune-graph
model knows travel times between communes, not the road geometry.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from qurb.caravans.catalogue import caravan_figure, specialties
from qurb.caravans.plan import CampaignPlan
from qurb.caravans.summaries import CampaignReport
from qurb.kernel import clock
from qurb.kernel.attribution import MODEL_SOURCES, Attribution, metadata_comment_lines
from qurb.kernel.i18n import LANGS, data_label, translate
from qurb.platform.csv_cells import csv_cell
from qurb.platform.geojson import FeatureCollection
from qurb.platform.templating import DOCUMENT_CSS_URL, render

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


def specialty_names(codes: list[str], lang: str) -> dict[str, str]:
    """code → the specialty's name in the language, from the caravan catalogue
    (`caravan.toml`: label_fr, label_ar, label_en); a code it no longer holds stays as is."""
    catalogue = specialties()
    return {c: data_label(catalogue[c], lang, "label") if c in catalogue else c for c in codes}


def plan_ics(
    plan: CampaignPlan, campaign_id: str, now: datetime | None = None, lang: str = "fr"
) -> bytes:
    """One event per visit, for the teams' and partners' calendars, described in `lang`.
    Times are written in UTC: Morocco's clock changes around Ramadan every year, and a
    calendar that trusts an embedded time-zone table would be an hour off where the table
    stops."""
    from icalendar import Calendar, Event, vText

    stamp = (now or clock.now()).astimezone(UTC)
    known = specialty_names([s.code for s in plan.campaign.specialties], lang)
    labels = {s.code: s.label(lang) or known[s.code] for s in plan.campaign.specialties}
    separator = translate(lang, "list.separator")
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
        commune = stop.name_ar if lang == "ar" and stop.name_ar else stop.name_fr
        event.add("summary", f"{plan.campaign.name} — {commune}")
        event.add("dtstart", _local(stop.date, stop.start).astimezone(UTC))
        event.add("dtend", _local(stop.date, stop.departure).astimezone(UTC))
        event.add("dtstamp", stamp)
        event.add("location", f"{stop.label}, {commune} ({stop.code})")
        event.add("geo", (stop.lat, stop.lon))
        expected = separator.join(
            f"{labels[s]}: {n}" for s, n in stop.expected.items() if s in labels
        )
        opens, closes = stop.opening
        values = {"unit": stop.unit, "team": stop.team, "visit": stop.visit}
        values |= {"opens": opens, "closes": closes, "expected": expected}
        event.add("description", translate(lang, "calendar.description", values))
        calendar.add_component(event)
    return bytes(calendar.to_ical())


TEMPLATES = Path(__file__).resolve().parent / "templates"


def _document(name: str, served: bool, lang: str = "fr", **context: Any) -> str:
    """A printable document on the base layout, in `lang` (its direction follows): served,
    it links the document style sheet; written to a file, it carries that style inline."""
    return render(
        TEMPLATES,
        name,
        lang=lang,
        stylesheets=[DOCUMENT_CSS_URL] if served else [],
        inline_document_style=not served,
        **context,
    )


def notice_html(plan: CampaignPlan, code: str, *, served: bool = False) -> str:
    """The public notice of one commune: dates, place, hours, specialties, in French and
    in Arabic (right to left), printable."""
    visits = [s for s in plan.stops if s.code == code]
    if not visits:
        raise KeyError(code)
    return _document(
        "notice.html",
        served,
        campaign=plan.campaign,
        visits=visits,
        first=visits[0],
    )


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


def report_html(
    report: CampaignReport,
    lang: str = "fr",
    *,
    names: Mapping[str, str] | None = None,
    served: bool = False,
) -> str:
    """The campaign report as a printable page in `lang` (fr, ar right to left, en):
    planned against done, consultations by sex and age, screenings and medicines by item,
    referrals. `names` names the territory and the communes (code → name) in that
    language (`report.unit_names`); a commune it leaves out keeps its French name, a
    territory its code. The report's `labels` (`report_labels.labelled`), when it has
    them, name its codes (screenings, sexes and ages, facilities); a code without a
    label is shown as recorded."""
    if lang not in LANGS:
        raise ValueError(f"no report in {lang!r}: one of {', '.join(LANGS)}")
    by_facility: dict[str, int] = defaultdict(int)
    facilities = {}
    labels = report.labels
    for line in report.referrals:
        by_facility[line.facility_id] += line.referrals
        facilities[line.facility_id] = f"{line.facility} ({line.category})"
    if labels is not None:
        facilities |= labels.facilities
    return _document(
        "report.html",
        served,
        lang,
        campaign=report.campaign,
        names=dict(names or {}),
        specialty_names=specialty_names(list(report.by_specialty), lang),
        totals=report.totals,
        stops=report.stops,
        by_specialty=report.by_specialty,
        by_sex_age=[
            (labels.sex_age.get(k, k) if labels else k, n)
            for k, n in report.consultations_by_sex_age.items()
        ],
        screenings=[
            (labels.screenings.get(k, k) if labels else k, n)
            for k, n in report.screenings_by_item.items()
        ],
        medicines=list(report.medicines_by_item.items()),
        referrals=[(facilities[f], n) for f, n in sorted(by_facility.items())],
        # The formula in the report's language; exports keep the definitions' English.
        formula=translate(lang, "label.formula.expected_attendance"),
    )
