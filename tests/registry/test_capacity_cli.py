"""`qurb capacity` and `qurb equipment` on the small region (SQLite and PostgreSQL): values
set as the token's account and read back as a table, CSV and JSON; a non-numeric count
and an unknown profession named; an editor of another territory refused; equipment
added, moved down, retired, and its history."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from tests.accounts import add_account
from tests.regions import HP_TIZGUI

runner = CliRunner()
SET = [
    "capacity",
    "set",
    HP_TIZGUI,
    "--beds",
    "120",
    "--staff",
    "doctor_general=3",
    "--staff",
    "doctor_specialist=5",
    "--staff",
    "nurse=unknown",
    "--specialists",
    "paediatrics=1",
    "--hours",
    "24/7",
    "--source",
    "Inventaire 2026",
    "--as-of",
    "2026-11-30",
]


def _said(result: object) -> str:
    return " ".join(str(getattr(result, "output", "")).split())


@pytest.fixture
def db(
    small_region_db: Callable[..., sessionmaker[Session]],
    region_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    factory = small_region_db()
    editor = add_account(factory, "editor", Role.REGISTRY_EDITOR)
    monkeypatch.setenv("QURB_TOKEN", editor.token)
    monkeypatch.setenv("QURB_LANG", "en")
    return region_engine.url.render_as_string(hide_password=False)


def test_capacity_set_show_and_history(db: str) -> None:
    result = runner.invoke(app, [*SET, "--db", db])
    assert result.exit_code == 0, result.output
    assert _said(result) == f"Capacity of {HP_TIZGUI} entered: 120 beds, 8 doctors (version 2)"
    shown = runner.invoke(app, ["capacity", "show", HP_TIZGUI, "-f", "json", "--db", db])
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.output)
    assert document["metadata"] == {
        "facility_id": HP_TIZGUI,
        "beds": 120,
        "doctors": 8,
        "version": 2,
    }
    rows = {r["measure"]: r for r in document["rows"]}
    assert rows["staff.nurse"]["count"] is None  # entered as unknown
    assert rows["specialists.paediatrics"]["count"] == 1 and rows["hours"]["text"] == "24/7"
    assert rows["beds"]["entered_by"] == "editor" and rows["beds"]["source"] == "Inventaire 2026"
    assert "entries made in this registry" in document["attribution"]
    table = runner.invoke(app, ["capacity", "show", HP_TIZGUI, "--db", db])
    assert "120 beds, 8 doctors" in _said(table)
    csv = runner.invoke(app, ["capacity", "history", HP_TIZGUI, "-f", "csv", "--db", db])
    lines = [line for line in csv.output.splitlines() if not line.startswith("#")]
    assert lines[0] == "measure,count,text,as_of,source,entered_by,entered_at,import_id"
    assert len(lines) == 1 + 6  # beds, three professions, one specialty, hours


def test_bad_counts_and_lists_are_named_and_nothing_written(db: str) -> None:
    bad = runner.invoke(
        app,
        [
            "capacity",
            "set",
            HP_TIZGUI,
            "--staff",
            "nurse=many",
            "--staff",
            "plumber",
            "--source",
            "s",
            "--as-of",
            "2026-11-30",
            "--db",
            db,
        ],
    )
    assert bad.exit_code != 0
    said = _said(bad)
    assert "field 'staff.nurse': 'many' is not a whole number" in said, said
    assert "'plumber' is not code=N" in said
    unknown = runner.invoke(
        app,
        [
            *("capacity", "set", HP_TIZGUI, "--staff", "surgeon=2", "--beds", "4000"),
            *("--source", "s", "--as-of", "2026-11-30", "--db", db),
        ],
    )
    assert unknown.exit_code != 0
    assert "unknown profession 'surgeon'" in _said(unknown)
    assert "4,000 is above the bound of 3,000 per facility" in _said(unknown)
    shown = runner.invoke(app, ["capacity", "show", HP_TIZGUI, "-f", "json", "--db", db])
    assert json.loads(shown.output)["rows"] == []


def test_an_editor_of_another_territory_is_refused(
    db: str,
    small_region_db: Callable[..., sessionmaker[Session]],
    region_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from qurb.platform.database import make_sessionmaker

    factory = make_sessionmaker(region_engine)
    # A grant over one commune (Aït Lhou) of the province: the hospital is in Tizgui.
    other = add_account(factory, "other", Role.REGISTRY_EDITOR, Scope(territories=["99.991.03.05"]))
    monkeypatch.setenv("QURB_TOKEN", other.token)
    refused = runner.invoke(app, [*SET, "--db", db])
    assert refused.exit_code != 0 and "it needs registry.edit over it" in _said(refused)
    added = runner.invoke(
        app,
        ["equipment", "add", HP_TIZGUI, "--kind", "xray", "--source", "s", "--db", db],
    )
    assert added.exit_code != 0 and "it needs registry.edit over it" in _said(added)


def test_equipment_add_down_retired_list_and_history(db: str) -> None:
    added = runner.invoke(
        app,
        [
            *("equipment", "add", HP_TIZGUI, "--kind", "ultrasound", "--source", "inventaire"),
            *("--model", "Logiq", "--in-service", "2020-03-01", "--db", db),
        ],
    )
    assert added.exit_code == 0, added.output
    assert _said(added) == f"Added equipment 1 (ultrasound) to {HP_TIZGUI}"
    down = runner.invoke(app, ["equipment", "status", "1", "--status", "down", "--db", db])
    assert down.exit_code != 0
    assert "say why the equipment is down" in _said(down)
    down = runner.invoke(
        app,
        [
            *("equipment", "status", "1", "--status", "down", "--reason", "sonde"),
            *("--since", "2026-11-01", "--if-version", "1", "--db", db),
        ],
    )
    assert _said(down) == "Equipment 1 is now down (version 2)"
    retired = runner.invoke(
        app, ["equipment", "status", "1", "--status", "retired", "--on", "2026-12-01", "--db", db]
    )
    assert retired.exit_code == 0, retired.output
    again = runner.invoke(app, ["equipment", "status", "1", "--status", "working", "--db", db])
    assert 'does not move from "retired" to "working"' in _said(again)
    listed = runner.invoke(
        app, ["equipment", "list", "--territory", "99.991", "-f", "csv", "--db", db]
    )
    rows = [line for line in listed.output.splitlines() if not line.startswith("#")]
    assert rows[1].startswith(f"1,{HP_TIZGUI},ultrasound,Logiq,,2020-03-01,retired,")
    history = runner.invoke(app, ["equipment", "history", "1", "-f", "json", "--db", db])
    changes = json.loads(history.output)["rows"]
    assert [(c["action"], c["after"]["status"], c["by"]) for c in changes] == [
        ("add", "working", "editor"),
        ("update", "down", "editor"),
        ("update", "retired", "editor"),
    ]


def test_the_measures_list_their_labels_and_sources(db: str) -> None:
    shown = runner.invoke(app, ["capacity", "measures", "--lang", "fr", "-f", "json"])
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.output)
    rows = {(r["list"], r["code"]): r for r in document["rows"]}
    assert rows[("equipment_kinds", "mri")]["name"] == "IRM"
    assert rows[("professions", "midwife")]["name"] == "Sages-femmes"
    assert "Santé en chiffres" in document["metadata"]["sources"]["professions"]
    assert document["metadata"]["bounds"] == {"beds_max": 3000, "staff_max": 10000}
