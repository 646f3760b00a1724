"""The command line's tables speak the language of --lang: their titles, headings and
notes from the catalogues, while the machine formats keep their English field names."""

from __future__ import annotations

import csv
import io

import pytest
from typer.testing import CliRunner

from qurb.app.cli import app
from tests.databases import NationalDatabase

runner = CliRunner()


@pytest.fixture(autouse=True)
def _english_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QURB_LANG", "en")  # --lang keeps its choice there: put back after


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "250", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def _headings(output: str) -> list[str]:
    """The cells of a table's first heading line (rich draws them between ┃)."""
    line = next(line for line in output.splitlines() if line.startswith("┃"))
    return [cell.strip() for cell in line.strip("┃").split("┃")]


def test_the_norm_sets_table_in_arabic_and_french() -> None:
    arabic = _run("--lang", "ar", "norms")
    assert "مجموعات المعايير — النوع norm: الخصاص نقص فعلي" in arabic
    assert _headings(arabic)[:4] == ["المعرّف", "الإصدار", "النوع", "القاعدة"]
    # A rule's label in the reader's language (the norm file gives the three).
    # (a table wraps the cell: its two lines)
    assert "│ مؤسسة للرعاية الصحية الأولية " in arabic and "│ لكل 12300 نسمة " in arabic
    french = _run("--lang", "fr", "norms")
    assert "Jeux de normes — type norm : un écart est un manque" in french
    assert _headings(french)[:4] == ["identifiant", "version", "type", "règle"]
    assert "│ 1 ESSP pour 12 300" in french
    english = _run("--lang", "en", "norms")
    assert _headings(english)[:4] == ["id", "version", "kind", "rule"]
    assert "│ 1 ESSP per 12,300" in english


def test_the_gaps_of_ifrane_in_arabic_and_french(national_db: NationalDatabase) -> None:
    db = national_db.url
    args = ("gaps", "-t", "Ifrane", "--db", db)
    arabic = _run("--lang", "ar", *args)
    # Azrou: 3 ESSP against 4.7 at the national average, the only line of Ifrane.
    assert "الخصاص بالنسبة للمعايير — Ifrane (03.271)، حسب الجماعة: عدد الأسطر 1؛" in arabic
    assert "المعدلات الوطنية: 2 ESSP دون المعدل" in arabic
    assert " 57.657 │" in arabic  # Azrou's population, grouped as ar_MA writes it
    assert _headings(arabic)[:5] == ["#", "المجال الترابي", "الرمز", "القاعدة", "معيار أو معدل"]
    assert "مجموعة reference_ratio معدل وطني وليست معيارًا" in arabic
    french = _run("--lang", "fr", *args)
    assert "Écarts aux normes — Ifrane (03.271), par commune : 1 ligne ;" in french
    assert "moyennes nationales : 2 ESSP sous la moyenne" in french
    assert " 57\u202f657 │" in french  # fr_MA groups with a narrow no-break space
    assert _headings(french)[:5] == ["#", "territoire", "code", "règle", "norme ou moyenne"]
    # The export keeps its English field names, whatever the language.
    exported = _run("--lang", "ar", *args, "-f", "csv")
    rows = list(csv.DictReader(line for line in io.StringIO(exported) if line[0] != "#"))
    assert rows[0]["code"] == "03.271.01.01" and rows[0]["missing"] == "2"


@pytest.mark.usefixtures("cli_token")
def test_a_facility_change_is_said_in_the_language(scratch_db: str) -> None:
    args = ("facilities", "add", "--name", "Douar Test", "--category", "CSR-1")
    added = _run("--lang", "ar", *args, "--commune", "Azrou", "--db", scratch_db)
    assert added.startswith("أُضيفت: user-03.271-douar-test-")
    french = _run("--lang", "fr", "facilities", "--territory", "Azrou", "--db", scratch_db)
    assert "établissements" in french.splitlines()[0]
    assert _headings(french)[:3] == ["identifiant", "nom", "catégorie"]
