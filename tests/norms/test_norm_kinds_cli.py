"""Gaps to norms and to national averages are worded apart on the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from qurb.app.cli import app

runner = CliRunner()


def test_fes_gap_to_the_essp_ratio_is_a_distance_from_the_national_average(
    scratch_db: str,
) -> None:
    result = runner.invoke(app, ["gaps", "-t", "Fès-Meknès", "-f", "csv", "--db", scratch_db])
    assert result.exit_code == 0, result.output
    body = "".join(ln for ln in io.StringIO(result.output) if not ln.startswith("#"))
    rows = list(csv.DictReader(io.StringIO(body)))
    fes = next(r for r in rows if r["code"] == "03.231.01.0" and r["rule"] == "essp-per-12300")
    # 1,167,842 / 12,300 = 94.95 ESSP at the national ratio; Fès has 34: 61 below it, and
    # 1,167,842 − 34 × 12,300 = 749,642 inhabitants beyond the ratio.
    assert fes["kind"] == "reference_ratio" and fes["missing"] == "61"
    assert fes["gap_en"] == (
        "61 ESSP below the national average; 749,642 inhabitants beyond the national average ratio"
    )
    assert fes["gap_fr"].startswith("61 ESSP sous la moyenne nationale")
    assert fes["gap_ar"].startswith("61 ESSP دون المعدل الوطني")
    # A line of the 1987 rural norms is a shortfall.
    rural = next(r for r in rows if r["norm_set"] == "maroc-rural-1987")
    assert rural["kind"] == "norm" and rural["gap_en"].startswith(f"missing {rural['missing']} ")
    table = runner.invoke(app, ["gaps", "-t", "Fès-Meknès", "--db", scratch_db, "--limit", "3"])
    title = " ".join(table.output.split())  # the table wraps its title
    assert "national averages: 1" in title and "ESSP below the average" in title
    assert "norms: missing" in title


def test_norms_listing_gives_each_sets_kind() -> None:
    result = runner.invoke(app, ["norms", "-f", "json"])
    kinds = {r["id"]: r["kind"] for r in json.loads(result.output)["rows"]}
    assert kinds == {
        "maroc-rural-1987": "norm",
        "maroc-ratios-2023": "reference_ratio",
        "who-emonc-2009": "norm",
    }


def test_a_user_norm_file_without_kind_is_refused(scratch_db: str, tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        'id = "mine"\nversion = "2"\nname_fr = "Mes normes"\nsource = "Délégation"\n'
        '[[rule]]\nid = "dr"\nlabel_fr = "1 DR"\ncategories = ["DR"]\n'
        'population = "rural"\nper_population = 15000\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["gaps", "-t", "Ifrane", "--norms", str(path), "--db", scratch_db])
    assert result.exit_code == 2
    assert "mine.toml: missing field 'kind'" in result.output.replace("\n", "")
    assert "Traceback" not in result.output


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "caravan-boulemane.toml"


def test_caravan_priority_words_its_gap_part_by_the_norms_kind(
    scratch_db: str, tmp_path: Path
) -> None:
    # The bundled example scores on 1 ESSP per 12,300 inhabitants: a national average.
    result = runner.invoke(app, ["caravan", "priority", str(EXAMPLE), "--db", scratch_db])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "below nat. avg" in flat and "norm gap" not in flat
    assert "beyond the national average ratio maroc-ratios-2023/essp-per-12300" in flat
    # The same campaign scored on the 1987 rural norm: people unserved under a norm.
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "[settings]" not in text
    normed = tmp_path / "normed.toml"
    normed.write_text(
        text.replace(
            "[hours]",
            '[settings]\nnorm = "maroc-rural-1987/first-contact-per-15000"\n\n[hours]',
            1,
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["caravan", "priority", str(normed), "--db", scratch_db])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "norm gap" in flat and "below nat. avg" not in flat
    assert "the reach of the norm maroc-rural-1987/first-contact-per-15000" in flat
