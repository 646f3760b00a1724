"""`qurb conventions workbook` and `qurb conventions import-workbook` on the real
territory tree: the workbook written, imported back unchanged (0 changed), an amount
changed (1 changed, the summary per sheet), a bad row named with its cell (exit 2,
nothing written)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.conventions.model import ConventionFields, PartyIn
from qurb.conventions.money_model import ContributionIn
from qurb.conventions.money_service import add_contribution, list_contributions
from qurb.conventions.partial_dates import PartialDate
from qurb.conventions.service import create_convention
from qurb.identity.permissions import Role
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from tests.accounts import add_account, add_partner
from tests.partners import write_territories

runner = CliRunner()
COUNCIL = "conseil-rabat"
FIELDS = ConventionFields(
    reference="RABAT-BOOK",
    title_fr="Convention de financement",
    start_on=PartialDate(2026, 1, 1),
    end_on=PartialDate(2027, 12, 31),
    territories=("04.421",),
)


def test_a_workbook_out_and_back_in_on_the_command_line(
    region_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    factory = write_territories(region_engine)
    db = region_engine.url.render_as_string(hide_password=False)
    add_partner(factory, COUNCIL, "provincial_council", "04.421")
    by = Actor.local("secretariat")
    with transaction(factory) as s:
        cid = create_convention(s, by, FIELDS, (PartyIn(COUNCIL, "financer"),)).id
        add_contribution(s, by, cid, ContributionIn(COUNCIL, "money", 2026, amount="500000"))
    secretariat = add_account(factory, "secretariat", Role.CONVENTION_SECRETARIAT)
    monkeypatch.setenv("QURB_TOKEN", secretariat.token)
    path = tmp_path / "rabat.xlsx"

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["conventions", *args, "--db", db])
        return result.exit_code, result.output

    code, output = run("workbook", "RABAT-BOOK", "-o", str(path))
    assert code == 0 and "Workbook written" in output, output
    code, output = run("import-workbook", "RABAT-BOOK", str(path))
    assert code == 0, output
    assert "Convention RABAT-BOOK: rows created or updated: 0." in output
    book = openpyxl.load_workbook(path)
    book["contributions"]["G3"] = 650000
    book.save(path)
    code, output = run("import-workbook", str(cid), str(path))
    assert code == 0, output
    assert "rows created or updated: 1." in output and "contributions" in output
    book["contributions"]["E3"] = "next year"
    book.save(path)
    code, output = run("import-workbook", "RABAT-BOOK", str(path))
    assert code == 2
    assert "contributions!E3" in output and "next year" in output, output
    with factory() as s:
        assert [str(c.values.amount) for c in list_contributions(s, cid)] == ["650000.00"]
