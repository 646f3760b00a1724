"""What a caravan plan is handed out as: iCalendar, GeoJSON, public notices, report page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from markupsafe import escape
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qurb.caravans.catalogue import parse_campaign, specialties
from qurb.caravans.outputs import (
    day_by_day_rows,
    notice_html,
    notices,
    plan_geojson,
    plan_ics,
    report_html,
)
from qurb.caravans.plan import CampaignPlan, PlanCampaign, PlanRoute, PlanStop
from qurb.caravans.records import record_visits
from qurb.caravans.report import campaign_report, unit_names
from qurb.caravans.service import plan_campaign, public_hours
from qurb.caravans.store import save_campaign
from qurb.kernel.actor import Actor
from qurb.platform.database import make_sessionmaker, transaction
from qurb.territory.travel import commune_graph_model
from tests.caravan_requests import BASE_FACILITY, CAPACITY, SPECIALTIES

MOROCCO = ZoneInfo("Africa/Casablanca")
# Arabic weekday names, Monday first (as date.weekday() counts).
ARABIC_WEEKDAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
# Month names, January first: the Moroccan Arabic ones (ماي, يوليوز, غشت, شتنبر…).
MONTHS = {
    "ar": [
        "يناير",
        "فبراير",
        "مارس",
        "أبريل",
        "ماي",
        "يونيو",
        "يوليوز",
        "غشت",
        "شتنبر",
        "أكتوبر",
        "نونبر",
        "دجنبر",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


def campaign() -> dict[str, Any]:
    day = date.today() + timedelta(days=14)
    start = day + timedelta(days=(7 - day.weekday()) % 7)  # a Monday
    staff = {s: 1 for s in SPECIALTIES}
    return {
        "name": "Caravane de test Boulemane",
        "territory": "Boulemane",
        "start": start,
        "end": start + timedelta(days=11),
        "rest_days": ["saturday", "sunday"],
        "specialties": list(SPECIALTIES),
        "partners": [{"name": "Conseil provincial", "role": "council"}],
        "bases": [{"name": "Missour", "facility": BASE_FACILITY}],
        "teams": [{"name": "A", "staff": staff}, {"name": "B", "staff": staff}],
        "units": [
            {"name": "U1", "base": "Missour", "team": "A", "capacity": CAPACITY},
            {"name": "U2", "base": "Missour", "team": "B", "capacity": CAPACITY},
        ],
    }


@pytest.fixture(scope="module")
def plan(national_engine: Engine) -> Iterator[CampaignPlan]:
    session = make_sessionmaker(national_engine)()
    try:
        yield plan_campaign(
            session,
            parse_campaign(campaign()),
            commune_graph_model(session),
            date.today(),
            time_limit_s=1,
            seed=1,
        )
    finally:
        session.rollback()
        session.close()


def visits(plan: CampaignPlan) -> list[dict[str, Any]]:
    return [s for day in plan.stored_json()["days"] for s in day["stops"]]


def test_ics_has_one_event_per_visit_in_moroccan_time(plan: CampaignPlan) -> None:
    calendar = Calendar.from_ical(plan_ics(plan, "cv-test"))
    events = list(calendar.walk("VEVENT"))
    planned = visits(plan)
    assert len(events) == len(planned) == plan.stored_json()["totals"]["visits"]
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    assert all(uid.startswith("cv-test-") for uid in uids)
    by_uid = {str(e["UID"]): e for e in events}
    for v in planned:
        event = by_uid[f"cv-test-{v['number']}@qurb"]
        start = event.decoded("DTSTART")
        end = event.decoded("DTEND")
        assert isinstance(start, datetime) and start.utcoffset() == timedelta(0)
        local_start, local_end = start.astimezone(MOROCCO), end.astimezone(MOROCCO)
        assert local_start.date().isoformat() == v["date"]
        assert local_start.strftime("%H:%M") == v["start"]
        assert local_end.strftime("%H:%M") == v["departure"]
        assert v["name_fr"] in str(event["SUMMARY"])
    assert not list(calendar.walk("VTIMEZONE"))  # UTC times need no time-zone table


def test_ics_description_in_the_language_asked(plan: CampaignPlan) -> None:
    stop = plan.stops[0]
    opens, closes = stop.opening
    gp = stop.expected["general_medicine"]
    catalogue = specialties()["general_medicine"]
    words = {
        "fr": (
            f"; visite {stop.visit}; consultations {opens}–{closes} (heure du Maroc); "
            "patients attendus: ",
            f"{catalogue['label_fr']}: {gp}",
        ),
        "ar": (
            f"؛ الزيارة {stop.visit}؛ الفحوصات {opens}–{closes} (بتوقيت المغرب)؛ "
            "المرضى المتوقعون: ",
            f"{catalogue['label_ar']}: {gp}",
        ),
        "en": (
            f"; visit {stop.visit}; consultations {opens}–{closes} (Morocco time); "
            "expected patients: ",
            f"General medicine: {gp}",
        ),
    }
    for lang, (sentence, expected) in words.items():
        calendar = Calendar.from_ical(plan_ics(plan, "cv-test", lang=lang))
        uid = f"cv-test-{stop.number}@qurb"
        event = next(e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid)
        description = str(event["DESCRIPTION"])
        assert description.startswith(f"{stop.unit} ({stop.team}){sentence}"), description
        assert expected in description, (lang, description)
    assert "general_medicine" not in description


def test_ics_times_follow_morocco_s_ramadan_clock() -> None:
    # Morocco keeps UTC+1 but goes back to UTC+0 during Ramadan (7 Feb – 14 Mar 2027).
    stop = {
        "number": 1,
        "name_fr": "Tissaf",
        "label": "Tissaf",
        "code": "03.131.07.09",
        "lat": 33.4,
        "lon": -4.0,
        "unit": "U1",
        "team": "A",
        "visit": "1/1",
        "expected": {},
        "start": "10:00",
        "departure": "15:00",
    }
    stops = [
        PlanStop.model_construct(**stop, date=date(2027, 1, 15)),
        PlanStop.model_construct(**stop | {"number": 2}, date=date(2027, 2, 15)),
    ]
    plan = CampaignPlan.model_construct(
        campaign=PlanCampaign.model_construct(name="C", specialties=[]),
        days=[PlanRoute.model_construct(stops=stops)],
    )
    events = list(Calendar.from_ical(plan_ics(plan, "cv")).walk("VEVENT"))
    utc = [e.decoded("DTSTART").strftime("%Y-%m-%d %H:%M") for e in events]
    assert utc == ["2027-01-15 09:00", "2027-02-15 10:00"]


def test_public_hours_leave_room_to_install_and_pack() -> None:
    # Team 10:00–15:00 with 30 min of setup: open from 10:15 to 14:45, on quarter hours.
    assert public_hours(600, 900, 30) == ("10:15", "14:45")
    assert public_hours(602, 898, 30) == ("10:30", "14:30")
    assert public_hours(600, 630, 30) == ("10:00", "10:30")  # too short: the team's window


def test_geojson_routes_start_and_end_at_the_base(plan: CampaignPlan) -> None:
    layer = plan_geojson(plan).model_dump(mode="json")
    assert layer["type"] == "FeatureCollection"
    lines = [f for f in layer["features"] if f["geometry"]["type"] == "LineString"]
    points = [f for f in layer["features"] if f["geometry"]["type"] == "Point"]
    assert len(lines) + len(points) == len(layer["features"])
    assert len(lines) == len(plan.stored_json()["days"])
    assert len(points) == plan.stored_json()["totals"]["visits"]
    base = plan.stored_json()["campaign"]["bases"][0]
    for line, day in zip(lines, plan.stored_json()["days"], strict=True):
        coords = line["geometry"]["coordinates"]
        assert len(coords) == len(day["stops"]) + 2
        for end in (coords[0], coords[-1]):
            assert end == [
                pytest.approx(base["lon"], abs=1e-6),
                pytest.approx(base["lat"], abs=1e-6),
            ]
        assert coords[1:-1] == [[s["lon"], s["lat"]] for s in day["stops"]]
        assert line["properties"]["kind"] == "route"
        assert line["properties"]["stops"] == len(day["stops"])
    for point, v in zip(points, visits(plan), strict=True):
        assert point["geometry"]["coordinates"] == [v["lon"], v["lat"]]
        props = point["properties"]
        assert props["kind"] == "stop" and props["code"] == v["code"]
        assert props["date"] == v["date"] and props["number"] == v["number"]
        assert props["expected_general_medicine"] == v["expected"]["general_medicine"]


def test_notice_in_french_and_arabic(plan: CampaignPlan) -> None:
    first = visits(plan)[0]
    page = notice_html(plan, first["code"])
    assert first["name_fr"] in page and first["name_ar"] in page
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    # Written to a file, the notice carries its style (no server to link it from).
    assert "<style>" in page and "section[dir=rtl]" in page and '<link rel="stylesheet"' not in page
    for v in visits(plan):
        if v["code"] == first["code"]:
            assert ARABIC_WEEKDAYS[date.fromisoformat(v["date"]).weekday()] in page
            opens, closes = v["public_hours"]
            assert f'<bdi dir="ltr">{opens} – {closes}</bdi>' in page
    catalogue = specialties()
    for s in SPECIALTIES:
        assert catalogue[s]["label_fr"] in page and catalogue[s]["label_ar"] in page
    assert "Conseil provincial" in page
    # A visit on another weekday than the commune's would be a wrong date on the notice.
    other_days = {date.fromisoformat(v["date"]).weekday() for v in visits(plan)} - {
        date.fromisoformat(v["date"]).weekday() for v in visits(plan) if v["code"] == first["code"]
    }
    for weekday in other_days:
        assert ARABIC_WEEKDAYS[weekday] not in page


def test_notices_one_per_commune_visited(plan: CampaignPlan) -> None:
    pages = notices(plan)
    assert set(pages) == {v["code"] for v in visits(plan)}
    assert len(pages) == plan.stored_json()["totals"]["communes_visited"]
    with pytest.raises(KeyError):
        notice_html(plan, "03.131.01.03")  # Missour: urban, not a candidate
    with pytest.raises(KeyError):
        notice_html(plan, "99.999.99.99")


def test_day_by_day_rows(plan: CampaignPlan) -> None:
    rows = day_by_day_rows(plan)
    assert len(rows) == plan.stored_json()["totals"]["visits"]
    keys = [(r["date"], r["unit"], r["start"]) for r in rows]
    assert keys == sorted(keys)
    assert sorted(r["number"] for r in rows) == list(range(1, len(rows) + 1))
    assert all(f"expected_{s}" in r for r in rows for s in SPECIALTIES)


def test_report_page_shows_the_totals(
    scratch_factory: sessionmaker[Session], plan: CampaignPlan
) -> None:
    spec = parse_campaign(campaign())
    after = spec.end + timedelta(days=1)
    rows = [
        (2, {"stop": "1", "kind": "consultation", "item": "paediatrics", "count": "37"}),
        (3, {"stop": "2", "kind": "consultation", "item": "general_medicine", "count": "41"}),
        (
            4,
            {
                "stop": "2",
                "kind": "referral",
                "item": "general_medicine",
                "count": "3",
                "facility": BASE_FACILITY,
            },
        ),
    ]
    with transaction(scratch_factory) as session:
        campaign_id = save_campaign(session, Actor.local("test"), spec, plan)
        record_visits(session, Actor.local("test"), campaign_id, rows, after)
    with transaction(scratch_factory) as session:
        typed = campaign_report(session, campaign_id)
        names = {lang: unit_names(session, typed, lang) for lang in ("fr", "ar", "en")}
    pages = {lang: report_html(typed, lang, names=names[lang]) for lang in names}
    page = pages["fr"]
    report = typed.model_dump(mode="json")
    totals = report["totals"]
    assert totals["done"] == 78 and totals["referrals"] == 3
    visits_planned = plan.stored_json()["totals"]["visits"]
    assert f"Visites enregistrées : 2 / {visits_planned}" in page
    assert f"consultations : 78 réalisées pour {totals['planned']} attendues" in page
    # Expected patients are estimates: marked, with the formula in the page's language.
    formula = (
        "groupe cible de la commune (estimé à partir des tranches d&#39;âge du HCP) × taux "
        "de fréquentation"
    )
    assert page.count(f'<abbr class=estimate-mark title="{formula}">*</abbr>') == 3
    assert f"* Estimation, pas un chiffre publié : <bdi>{formula}</bdi>" in page
    assert page.count("<td class=estimate>") == len(report["stops"]) + len(report["by_specialty"])
    assert "références : 3</p>" in page
    assert report["referrals"][0]["facility"] in page
    assert page.count("<tr>") >= len(report["stops"]) + 1

    arabic = pages["ar"]
    assert '<html lang="ar" dir="rtl">' in arabic
    assert f"الزيارات المسجلة: 2 / {visits_planned}" in arabic
    # 78 takes Arabic's "many" form (11 to 99): a singular noun after the number.
    assert f"الاستشارات: 78 استشارة منجزة من أصل {totals['planned']} متوقعة" in arabic
    assert "الإحالات: 3</p>" in arabic and "حسب التخصص" in arabic
    reached = {1: "جماعة واحدة مستفيدة (", 2: "جماعتان مستفيدتان ("}
    assert reached[totals["communes_reached"]] in arabic
    assert "Visites" not in arabic and "réalisées" not in arabic
    # The territory by its name (Boulemane, in Arabic بولمان), not its code.
    assert f"{typed.campaign.end[:4]} · بولمان</p>" in arabic
    assert f"{typed.campaign.end[:4]} · Boulemane</p>" in page
    english = pages["en"]
    assert '<html lang="en" dir="ltr">' in english
    assert f"Visits recorded: 2 / {visits_planned}" in english
    assert f"consultations: 78 done for {totals['planned']} expected" in english
    assert "referrals: 3</p>" in english and "By specialty" in english
    assert '<html lang="fr" dir="ltr">' in page
    # Dates with CLDR's month names (Moroccan ones in Arabic), communes and specialties
    # by their names in the language, never a raw specialty code.
    catalogue = specialties()
    start = spec.start
    by_code = {stop.code: stop for stop in plan.stops}
    for lang, shown in pages.items():
        assert f"{start.day} {MONTHS[lang][start.month - 1]} {start.year}" in shown, lang
        for row in report["stops"]:
            stop = by_code[row["code"]]
            name = stop.name_ar if lang == "ar" else stop.name_fr
            assert f"<td>{escape(name)}</td>" in shown, lang
        for s in SPECIALTIES:
            assert f"<td>{catalogue[s][f'label_{lang}']}</td>" in shown, (lang, s)
            assert f"<td>{s}</td>" not in shown, (lang, s)
    assert by_code[report["stops"][0]["code"]].name_ar not in page
