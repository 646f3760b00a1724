"""`qurb caravan` as a planner uses it: plan, outputs, list, record, report, priority."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from tests.accounts import Someone, add_account

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout alone, and stdout with stderr."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.output


def campaign_toml(start: date | None = None, extra: str = "") -> str:
    """Two working weeks of two units from Missour hospital, as a planner writes it."""
    if start is None:
        day = date.today() + timedelta(days=14)
        start = day + timedelta(days=(7 - day.weekday()) % 7)  # a Monday
    end = start + timedelta(days=11)
    capacity = (
        "{ general_medicine = 120, gynaecology_obstetrics = 40, paediatrics = 50, "
        "ophthalmology = 50 }"
    )
    staff = (
        "{ general_medicine = 1, gynaecology_obstetrics = 1, paediatrics = 1, ophthalmology = 1 }"
    )
    return f"""name = "Caravane de test Boulemane"
territory = "Boulemane"
start = {start.isoformat()}
end = {end.isoformat()}
rest_days = ["saturday", "sunday"]
specialties = ["general_medicine", "gynaecology_obstetrics", "paediatrics", "ophthalmology"]
{extra}

[hours]
start = 08:30:00
end = 17:00:00

[[partners]]
name = "Délégation provinciale de la santé"

[[bases]]
name = "Missour"
facility = "hosp-03.131.01.03-marche-verte"

[[teams]]
name = "A"
staff = {staff}

[[teams]]
name = "B"
staff = {staff}

[[units]]
name = "U1"
base = "Missour"
team = "A"
capacity = {capacity}

[[units]]
name = "U2"
base = "Missour"
team = "B"
capacity = {capacity}
"""


def write(tmp_path: Path, text: str, name: str = "campaign.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_plan_as_json_with_calendar_and_notices(scratch_db: str, tmp_path: Path) -> None:
    toml = write(tmp_path, campaign_toml())
    ics, notices = tmp_path / "plan.ics", tmp_path / "notices"
    code, stdout, output = run(
        "caravan",
        "plan",
        toml,
        "--format",
        "json",
        "--no-save",
        "--time-limit",
        "1",
        "--ics",
        str(ics),
        "--notices",
        str(notices),
        "--db",
        scratch_db,
    )
    assert code == 0, output
    plan = json.loads(stdout)
    assert plan["id"] is None
    planned = [s for day in plan["days"] for s in day["stops"]]
    assert len(planned) == plan["totals"]["visits"] > 0
    events = list(Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))
    assert len(events) == plan["totals"]["visits"]
    pages = sorted(p.name for p in notices.iterdir())
    assert pages == sorted(f"notice-{c}.html" for c in {s["code"] for s in planned})
    assert len(pages) == plan["totals"]["communes_visited"]
    assert f"{len(pages)} public notices" in output
    # Not saved.
    code, stdout, _ = run("caravan", "list", "--format", "json", "--db", scratch_db)
    assert code == 0 and json.loads(stdout)["rows"] == []


def test_plan_refuses_a_bad_file_naming_the_field(scratch_db: str, tmp_path: Path) -> None:
    bad_key = write(tmp_path, campaign_toml(extra='colour = "blue"'), "bad-key.toml")
    code, _, output = run("caravan", "plan", bad_key, "--no-save", "--db", scratch_db)
    assert code == 2, output
    assert "colour" in output and "Traceback" not in output
    past = write(tmp_path, campaign_toml(start=date.today() - timedelta(days=7)), "past.toml")
    code, _, output = run("caravan", "plan", past, "--no-save", "--db", scratch_db)
    assert code == 2, output
    assert "start:" in output and "in the past" in output
    broken = write(tmp_path, "name = \n", "broken.toml")
    code, _, output = run("caravan", "plan", broken, "--db", scratch_db)
    assert code == 2 and "not valid TOML" in output
    code, _, output = run("caravan", "plan", str(tmp_path / "missing.toml"), "--db", scratch_db)
    assert code == 2 and "no such file" in output
    no_unit = write(tmp_path, campaign_toml().replace('team = "B"', 'team = "C"'), "team.toml")
    code, _, output = run("caravan", "plan", no_unit, "--no-save", "--db", scratch_db)
    assert code == 2 and "units[1] (U2).team: no team named 'C'" in output
    # Saving a plan needs an account's token (none here): refused before the solver runs.
    unsigned = write(tmp_path, campaign_toml(), "unsigned.toml")
    code, _, output = run("caravan", "plan", unsigned, "--db", scratch_db)
    assert code == 2 and "run `qurb login`" in output, output
    code, stdout, _ = run("caravan", "list", "-f", "json", "--db", scratch_db)
    assert json.loads(stdout)["rows"] == []


def test_saved_campaign_listed_recorded_and_reported(
    scratch_db: str,
    scratch_factory: sessionmaker[Session],
    cli_token: Someone,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    amina = cli_token
    toml = write(tmp_path, campaign_toml())
    code, stdout, output = run(
        "caravan", "plan", toml, "-f", "json", "--time-limit", "1", "--db", scratch_db
    )
    assert code == 0, output
    plan = json.loads(stdout)
    campaign_id = plan["id"]
    assert campaign_id.startswith("cv-caravane-de-test")
    code, stdout, output = run("caravan", "list", "--db", scratch_db)
    assert code == 0 and campaign_id in stdout and "Caravane de test Boulemane" in stdout
    # The plan as CSV names its expected_* columns as estimates, with their formula.
    code, stdout, output = run("caravan", "show", campaign_id, "-f", "csv", "--db", scratch_db)
    assert code == 0, output
    formula = "target group of the commune (estimated from HCP age bands) × attendance rate"
    header = next(line for line in stdout.splitlines() if not line.startswith("#"))
    expected = [c for c in header.split(",") if c.startswith("expected_")]
    assert expected and all(f"# estimates.{c}: {formula}" in stdout for c in expected)
    # The calendar in the language of --lang: Arabic words, the communes' Arabic names.
    monkeypatch.setenv("QURB_LANG", "en")  # --lang keeps its choice there: put back after
    ics = tmp_path / "ar.ics"
    args = ("caravan", "show", campaign_id, "--ics", str(ics), "--db", scratch_db)
    code, _, output = run("--lang", "ar", *args)
    assert code == 0, output
    assert f"كُتب {ics} (iCalendar،" in output
    events = list(Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))
    descriptions = [str(e["DESCRIPTION"]) for e in events]
    assert all("(بتوقيت المغرب)" in d and "الطب العام" in d for d in descriptions)
    first = plan["days"][0]["stops"][0]
    assert str(events[0]["SUMMARY"]).endswith(first["name_ar"])
    monkeypatch.setenv("QURB_LANG", "en")  # the steps below read English
    code, stdout, _ = run("caravan", "list", "-f", "json", "--db", scratch_db)
    assert [(c["id"], c["visits"]) for c in json.loads(stdout)["rows"]] == [
        (campaign_id, plan["totals"]["visits"])
    ]
    code, before, output = run("caravan", "report", campaign_id, "-f", "json", "--db", scratch_db)
    assert code == 0, output
    after_end = (date.fromisoformat(plan["campaign"]["end"]) + timedelta(days=1)).isoformat()
    bad = write(
        tmp_path,
        "stop,kind,item,sex,age_band,count\n"
        "1,consultation,general_medicine,F,15-49,10\n"
        "1,consultation,paediatrics,M,60+,3\n",
        "bad.csv",
    )
    code, _, output = run(
        "caravan", "record", campaign_id, bad, "--today", after_end, "--db", scratch_db
    )
    assert code == 2, output
    assert "row 3: age_band: paediatrics is for ages 0-4, 5-14, not 60+" in output
    assert "nothing was recorded" in output
    code, unchanged, _ = run("caravan", "report", campaign_id, "-f", "json", "--db", scratch_db)
    assert code == 0 and json.loads(unchanged) == json.loads(before)
    assert json.loads(before)["totals"]["visits_recorded"] == 0
    # The good row alone is recorded, and the report says so.
    good = write(
        tmp_path,
        "stop,kind,item,sex,age_band,count\n1,consultation,paediatrics,F,0-4,6\n",
        "good.csv",
    )
    # A planner of another region may not record there: refused, nothing recorded.
    tanger = add_account(
        scratch_factory, "tanger", Role.CARAVAN_COORDINATOR, Scope(territories=frozenset({"01"}))
    )
    monkeypatch.setenv("QURB_TOKEN", tanger.token)
    code, _, output = run(
        "caravan", "record", campaign_id, good, "--today", after_end, "--db", scratch_db
    )
    assert code == 2 and "needs caravans.record over it" in output, output
    code, unchanged, _ = run("caravan", "report", campaign_id, "-f", "json", "--db", scratch_db)
    assert json.loads(unchanged) == json.loads(before)
    monkeypatch.setenv("QURB_TOKEN", amina.token)
    code, _, output = run(
        "caravan", "record", campaign_id, good, "--today", after_end, "--db", scratch_db
    )
    assert code == 0 and "Recorded" in output, output
    code, stdout, _ = run("caravan", "report", campaign_id, "-f", "json", "--db", scratch_db)
    report = json.loads(stdout)
    assert report["totals"]["done"] == 6 and report["stops"][0]["done"] == 6
    # The printable page in the language of --lang (which the command line keeps in
    # $QURB_LANG: set here so that the test leaves it as it was).
    monkeypatch.setenv("QURB_LANG", "fr")
    first = plan["days"][0]["stops"][0]
    for lang, words in (("ar", "الزيارات المسجلة: 1 / "), ("en", "Visits recorded: 1 / ")):
        page_file = tmp_path / f"report-{lang}.html"
        args = ("--lang", lang, "caravan", "report", campaign_id, "--html", str(page_file))
        code, stdout, output = run(*args, "--db", scratch_db)
        assert code == 0, output
        assert words in stdout  # the table's totals line too
        page = page_file.read_text(encoding="utf-8")
        assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in page
        assert words in page
        assert first["name_ar" if lang == "ar" else "name_fr"] in page
    code, _, output = run("caravan", "report", "cv-nope", "--db", scratch_db)
    assert code == 2 and "no campaign 'cv-nope'" in output


def test_priority_as_csv(scratch_db: str, tmp_path: Path) -> None:
    toml = write(tmp_path, campaign_toml())
    code, stdout, output = run("caravan", "priority", toml, "-f", "csv", "--db", scratch_db)
    assert code == 0, output
    comments = [line for line in stdout.splitlines() if line.startswith("#")]
    assert comments[0].startswith("# Sources: Haut-Commissariat au Plan")
    lines = list(csv.reader(line for line in io.StringIO(stdout) if not line.startswith("#")))
    assert len(lines) == 17 + 1
    header, rows = lines[0], [dict(zip(lines[0], r, strict=True)) for r in lines[1:]]
    assert header[:3] == ["rank", "code", "commune"]
    assert "beyond_threshold_contribution" in header and "expected_paediatrics" in header
    assert [int(r["rank"]) for r in rows] == list(range(1, 18))
    assert all(r["code"].startswith("03.131.") for r in rows)
    # Expected patients are estimates, with the catalogue's formula; the minutes are the
    # model's; the gap part of the default norm (a national average) is no shortfall.
    formula = "target group of the commune (estimated from HCP age bands) × attendance rate"
    assert f"# estimates.expected_paediatrics: {formula}" in comments
    assert "# model: commune-graph" in comments
    assert any(c.startswith("# measure.en: Modelled car times") for c in comments)
    assert any(c.startswith("# minutes_to_essp: the model's minutes") for c in comments)
    (gap_note,) = [c for c in comments if c.startswith("# norm_gap: ")]
    assert "not a shortfall" in gap_note and "maroc-ratios-2023/essp-per-12300" in gap_note
    assert "norm_gap" in header and {r["norm_kind"] for r in rows} == {"reference_ratio"}
    table = run("caravan", "priority", toml, "--db", scratch_db)[1]
    assert "min to ESSP: the model's minutes to the nearest ESSP" in table
    assert "commune reference points" in table
