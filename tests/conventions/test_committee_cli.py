"""`qurb conventions rule|meeting|meetings|actions|minutes` on the real territory tree
(SQLite and PostgreSQL): the Fès example imported, its rule set, a meeting recorded from
a TOML file as the token's account (one naming an article the convention lacks refused
by name, nothing written), listed with its quorum and next meeting due, its actions, and
its minutes written in Arabic, right to left."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.identity.permissions import Role
from tests.accounts import add_account
from tests.partners import write_territories

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "conventions"
MEETING = """held_on = 2026-03-31
place = "Fès"
source = "Feuille de présence signée."

[[attendance]]
presence = "present"
account_id = {account}

[[attendance]]
presence = "present"
guest_name = "Dr Invité"

[[agenda]]
title = "Bilan"
{article}

[[decisions]]
text = "Livrer l'échographe"
owner_partner_id = "chu-hassan-ii-de-fes"
deadline = 2026-06-30
"""


def test_a_meeting_recorded_listed_and_its_minutes_written(
    region_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    factory = write_territories(region_engine)
    db = region_engine.url.render_as_string(hide_password=False)
    secretariat = add_account(factory, "secretariat", Role.CONVENTION_SECRETARIAT)
    monkeypatch.setenv("QURB_TOKEN", secretariat.token)

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["conventions", *args, "--db", db])
        return result.exit_code, result.output

    code, output = run("import", str(EXAMPLES / "fes-council-chu.toml"))
    assert code == 0, output
    reference = "EXAMPLE-FES-COUNCIL-CHU"
    code, output = run("rule", reference, "--every-months", "6", "--quorum", "3")
    assert code == 0 and "next meeting due: unknown" in output, output  # no start, no meeting
    bad = tmp_path / "bad.toml"
    bad.write_text(
        MEETING.format(account=secretariat.account_id, article="article_number = 9"),
        encoding="utf-8",
    )
    code, output = run("meeting", reference, str(bad))
    assert code == 2 and "agenda[0].article_number" in output and "no article 9" in output
    good = tmp_path / "meeting.toml"
    good.write_text(MEETING.format(account=secretariat.account_id, article=""), encoding="utf-8")
    code, output = run("meeting", reference, str(good))
    assert code == 0, output
    assert "meeting 1 recorded; the quorum is not reached" in output

    code, output = run("meetings", reference, "--format", "json")
    assert code == 0, output
    [row] = json.loads(output)["rows"]
    assert (row["number"], row["held_on"], row["present"], row["quorum"]) == (
        1,
        "2026-03-31",
        1,
        3,
    )
    assert row["quorum_reached"] is False
    code, output = run("meetings", reference)
    assert "next meeting due: 2026-09-30" in output, output
    code, output = run("actions", reference, "--status", "open", "--format", "json")
    [action] = json.loads(output)["rows"]
    assert (action["owner"], action["deadline"], action["status"]) == (
        "chu-hassan-ii-de-fes",
        "2026-06-30",
        "open",
    )
    minutes = tmp_path / "pv.html"
    code, output = run("minutes", reference, "1", "--lang", "ar", "--out", str(minutes))
    assert code == 0, output
    page = minutes.read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in page and "محضر الاجتماع رقم 1" in page
    code, output = run("minutes", reference, "1", "--lang", "en", "--out", str(minutes))
    assert code == 2 and "--lang" in output, output
