"""`qurb partners` on a copy of the national database: the composition root hands the
registry's facilities to the import (a real CHU unit is accepted, an unknown id refused
naming its row), the audit chain verifies after the import, and list, show and export
read back what was written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.audit import service as audit
from qurb.audit.keys import KEY_FILE_VARIABLE
from qurb.identity.permissions import Role
from qurb.platform.database import make_engine
from tests.accounts import add_account

runner = CliRunner()
HEADER = ["id", "kind", "name_fr", "name_ar", "territory_code", "facility_id", "contact_name"]
CHU = [
    "chu-hassan-ii-fes",
    "chu",
    "Centre hospitalier universitaire Hassan II de Fès",
    "المركز الاستشفائي الجامعي الحسن الثاني بفاس",
    "03",
    "hosp-03.231.01.05-hopital-des-specialites",  # a CHU unit of the registry
    "Secrétariat de la direction",
]
COUNCIL = [
    "conseil-prefectoral-casablanca",
    "provincial_council",
    "Conseil préfectoral de Casablanca",
    "مجلس عمالة الدار البيضاء",
    "06.141",
    "",
    "",
]


@pytest.fixture(autouse=True)
def audit_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(tmp_path / "audit.key"))


def _facility_entries(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = audit.count(session) - len(
            audit.entries(session, audit.EntryFilter(entity_kind="partner"))
        )
    engine.dispose()
    return count


def _csv(path: Path, *rows: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_import_list_show_export_and_the_audit_chain(
    scratch_db: str,
    scratch_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = _csv(tmp_path / "partners.csv", CHU, COUNCIL)
    checked = runner.invoke(app, ["partners", "import", str(path), "--check", "--db", scratch_db])
    assert checked.exit_code == 0, checked.output
    assert "Checked 2 partners" in checked.output
    assert not (tmp_path / "audit.key").exists()  # a check makes no key
    listed = runner.invoke(app, ["partners", "list", "--format", "json", "--db", scratch_db])
    assert json.loads(listed.stdout)["rows"] == []

    # Writing needs an account's token: partners.admin over each partner's territory.
    unsigned = runner.invoke(app, ["partners", "import", str(path), "--db", scratch_db])
    assert unsigned.exit_code == 2 and "run `qurb login`" in unsigned.output
    amina = add_account(scratch_factory, "amina", Role.PARTNER_ADMINISTRATOR)
    monkeypatch.setenv("QURB_TOKEN", amina.token)
    done = runner.invoke(app, ["partners", "import", str(path), "--db", scratch_db])
    assert done.exit_code == 0, done.output
    assert "Imported 2 partners" in done.output
    with scratch_factory() as session:
        written = audit.entries(session, audit.EntryFilter(entity_kind="partner"))
    assert {(e.action, e.actor, e.actor_kind) for e in written} == {
        ("partner.create", str(amina.account_id), "account")
    }
    assert all(e.grant_id is not None for e in written)
    verified = runner.invoke(app, ["audit", "verify", "--db", scratch_db])
    assert verified.exit_code == 0, verified.output
    loaded = _facility_entries(scratch_db)  # the dataset load's, one per facility
    assert f"{loaded + 2} entries, chain intact" in verified.output

    in_region = runner.invoke(
        app, ["partners", "list", "-t", "Casablanca-Settat", "-f", "csv", "--db", scratch_db]
    )
    assert in_region.exit_code == 0, in_region.output
    rows = list(csv.DictReader(line for line in in_region.stdout.splitlines() if line[:1] != "#"))
    assert [(r["id"], r["territory_code"], r["active"]) for r in rows] == [
        ("conseil-prefectoral-casablanca", "06.141", "true")
    ]
    table = runner.invoke(app, ["partners", "list", "--db", scratch_db])
    assert "2 partners" in table.stdout

    shown = runner.invoke(
        app, ["partners", "show", "chu-hassan-ii-fes", "--db", scratch_db], env={"QURB_LANG": "fr"}
    )
    assert shown.exit_code == 0, shown.output
    assert "kind: Centre hospitalier universitaire (CHU) (chu)" in shown.stdout
    assert "facility_id: hosp-03.231.01.05-hopital-des-specialites" in shown.stdout
    assert "Secrétariat de la direction" in shown.stdout

    out = tmp_path / "export.json"
    exported = runner.invoke(
        app, ["partners", "export", "-f", "json", "-o", str(out), "--db", scratch_db]
    )
    assert exported.exit_code == 0, exported.output
    written = json.loads(out.read_text(encoding="utf-8"))
    assert [r["id"] for r in written["rows"]] == [
        "chu-hassan-ii-fes",
        "conseil-prefectoral-casablanca",
    ]
    assert written["rows"][0]["contacts"] == [
        {"name": "Secrétariat de la direction", "function": None, "email": None, "phone": None}
    ]


@pytest.mark.usefixtures("cli_token")
def test_an_unknown_facility_is_refused_naming_its_row(scratch_db: str, tmp_path: Path) -> None:
    unknown = [*CHU[:5], "hosp-03.231.01.05-nowhere", ""]
    path = _csv(tmp_path / "partners.csv", COUNCIL, unknown)
    refused = runner.invoke(app, ["partners", "import", str(path), "--db", scratch_db])
    assert refused.exit_code == 2
    assert "row 3, field 'facility_id'" in refused.output
    assert "no facility of the registry has the id 'hosp-03.231.01.05-nowhere'" in refused.output
    listed = runner.invoke(app, ["partners", "list", "--all", "-f", "json", "--db", scratch_db])
    assert json.loads(listed.stdout)["rows"] == []


def test_show_an_unknown_partner_in_arabic(scratch_db: str) -> None:
    shown = runner.invoke(
        app, ["partners", "show", "chu-x", "--db", scratch_db], env={"QURB_LANG": "ar"}
    )
    assert shown.exit_code == 2
    assert "لا يوجد شريك بالمعرّف 'chu-x'." in shown.output
