"""The definitions catalogue: every figure shown has a definition, formula, source, date."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from qurb import conventions, watch
from qurb.caravans.catalogue import DEFINITIONS_FILE as CARAVAN_DEFINITIONS
from qurb.data import DEFINITIONS_FILE
from qurb.kernel.definitions import (
    DefinitionError,
    FigureKind,
    definitions_from_mapping,
    estimate_formulas,
    figure_definition,
    figure_definitions,
)
from qurb.norms.gaps import UnitSupply
from qurb.norms.service import needs_row, read_profiles
from qurb.territory.service import TerritoryIndex

ENTRY = {
    "id": "births_per_year",
    "group": "needs",
    "kind": "estimate",
    **{f"name_{lang}": "x" for lang in ("fr", "ar", "en")},
    **{f"definition_{lang}": "x" for lang in ("fr", "ar", "en")},
    "formula": "TFR ÷ 35 × women aged 15–49",
    "source": "HCP",
    "date": "2024",
}

# The conventions' figures, then the caravans', then the periodic reports' (the features'
# order).
CONVENTION_DEFINITIONS = Path(conventions.__file__).with_name("definitions.toml")
WATCH_DEFINITIONS = Path(watch.__file__).with_name("definitions.toml")
FEATURE_DEFINITIONS = (CONVENTION_DEFINITIONS, CARAVAN_DEFINITIONS, WATCH_DEFINITIONS)


def test_catalogue_loads_with_unique_ids_and_three_languages() -> None:
    figures = figure_definitions()
    assert len({f.id for f in figures}) == len(figures) > 40
    assert all(set(f.name) == set(f.definition) == {"fr", "ar", "en"} for f in figures)
    births = figure_definition("births_per_year")
    assert births.kind is FigureKind.ESTIMATE and births.formula == "TFR ÷ 35 × women aged 15–49"
    assert figure_definition("population_2024").kind is FigureKind.CENSUS
    # The Ministry's distance bands (access) and a caravan's expected attendance are there.
    for figure_id in ("population_within_5_km", "population_5_to_10_km", "population_beyond_10_km"):
        assert figure_definition(figure_id).kind is FigureKind.MODEL
    expected = figure_definition("expected_attendance", (CARAVAN_DEFINITIONS,))
    assert expected.kind is FigureKind.ESTIMATE


def test_the_catalogue_is_the_bundled_file_then_the_files_given() -> None:
    bundled = figure_definitions()
    with_caravans = figure_definitions((CARAVAN_DEFINITIONS,))
    caravan_ids = ["priority_score", "priority_norm_gap", "expected_attendance", "unmet_patients"]
    # Nothing read elsewhere changes what a caller who passes no file sees.
    assert not {f.id for f in bundled} & set(caravan_ids)
    assert with_caravans[: len(bundled)] == bundled
    assert [f.id for f in with_caravans[len(bundled) :]] == caravan_ids
    assert figure_definitions() == bundled
    # The bundled file given again, or a file given twice, is read once.
    assert figure_definitions((DEFINITIONS_FILE, CARAVAN_DEFINITIONS, CARAVAN_DEFINITIONS)) == (
        with_caravans
    )
    with pytest.raises(KeyError):
        figure_definition("expected_attendance")
    assert "expected_attendance" not in estimate_formulas(["expected_attendance"])
    assert estimate_formulas(["expected_attendance"], (CARAVAN_DEFINITIONS,)) == {
        "expected_attendance": expected_formula()
    }


def expected_formula() -> str:
    return figure_definition("expected_attendance", (CARAVAN_DEFINITIONS,)).formula


def test_a_figure_defined_in_two_files_is_refused(tmp_path: Path) -> None:
    extra = tmp_path / "more.toml"
    extra.write_text(CARAVAN_DEFINITIONS.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(
        DefinitionError, match=r"more\.toml: figure 'priority_score' is defined twice"
    ):
        figure_definitions((CARAVAN_DEFINITIONS, extra))


def test_the_app_lists_the_bundled_figures_then_each_feature_s() -> None:
    from qurb.app.features import definition_files, figures

    assert definition_files() == FEATURE_DEFINITIONS
    assert figures() == figure_definitions(FEATURE_DEFINITIONS)


def test_every_needs_field_the_api_exposes_has_an_entry(national_session: Session) -> None:
    index = TerritoryIndex.from_session(national_session)
    ain_bida = index.by_code["03.231.81.03"]
    profile = read_profiles(national_session, [ain_bida.code])[ain_bida.code]
    row = needs_row(ain_bida, profile, UnitSupply({"CSR-1": 1}))
    figures = set(row) - {"code", "name_fr", "name_ar", "level"}
    described = {f.id for f in figure_definitions()} | {
        field.rpartition("#needs.")[2]
        for f in figure_definitions()
        for field in f.fields
        if "#needs." in field
    }
    assert figures and not figures - described, sorted(figures - described)
    # The formula-derived ones are estimates; the counts are the registry's.
    assert {"children_0_4", "women_15_49", "people_60_plus", "births_per_year"} <= set(
        estimate_formulas(row)
    )
    assert "essp" not in estimate_formulas(row) and "population" not in estimate_formulas(row)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "guess"}, "field 'kind' is 'guess'"),
        ({"name_ar": ""}, "field 'name_ar' is missing or empty"),
        ({"formula": None}, "field 'formula' is missing or empty"),
    ],
)
def test_a_broken_entry_is_refused_naming_file_entry_and_field(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(DefinitionError, match=r"defs\.toml, figure 1 \('births_per_year'\)") as e:
        definitions_from_mapping({"figure": [{**ENTRY, **change}]}, "defs.toml")
    assert message in str(e.value)


def test_a_duplicate_id_is_refused() -> None:
    with pytest.raises(DefinitionError, match=r"figure 2 \('births_per_year'\): duplicate id"):
        definitions_from_mapping({"figure": [ENTRY, ENTRY]}, "defs.toml")
